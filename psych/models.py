"""The psychological service: consultations (walk-in, scheduled, online, by phone), their confidential
notes, support groups, and the hotlines with their duty roster and call log.

Psychologists work in hospitals (beside the social coordinators) and in the city's oncological
psychological service at the outpatient oncology centres. "The service" of a psychologist is the
organisation they work for: a consultation belongs to it, and only its psychologists read its notes.
What everyone else may see of a consultation is its metadata: that it happened, when, its format, mode,
duration and topic category.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel, VersionedModel
from scheduling.models import WeeklyHours

PROGRAMME_PSYCH = "psych_support"
# Session notes may be edited for this long after the consultation ends; later corrections are addenda.
NOTE_EDIT_HOURS = 24


class Topic(TimeStampedModel):
    """The configurable taxonomy of what consultations and calls are about (administrators keep it)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("group")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=10)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return f"{self.parent.name}: {self.name}" if self.parent_id and self.parent else self.name


class ServiceSettings(models.Model):
    """Per psychological service (a hospital's team or the oncological service): its video platform."""

    organisation = models.OneToOneField(
        "directory.Organisation",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="psych_settings",
        verbose_name=_("service"),
    )
    video_platform = models.CharField(_("video platform"), max_length=200, default="Психология для жизни")
    video_link_base = models.URLField(
        _("link to a session"),
        max_length=300,
        help_text=_("The platform's address; each online consultation gets its own room under it."),
    )
    reminder_hours = models.PositiveSmallIntegerField(_("reminder, hours before"), default=2)

    class Meta:
        verbose_name = _("psychological service settings")
        verbose_name_plural = _("psychological service settings")

    def __str__(self) -> str:
        return str(self.organisation)


class Consultation(VersionedModel):
    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        ONLINE = "online", _("online")
        PHONE = "phone", _("by phone")

    class Mode(models.TextChoices):
        WALK_IN = "walk_in", _("walk-in, without appointment")
        SCHEDULED = "scheduled", _("by appointment")
        HOTLINE = "hotline", _("hotline")

    class Place(models.TextChoices):
        HOSPITAL = "hospital", _("hospital")
        ONCOLOGY_CENTRE = "oncology_centre", _("outpatient oncology centre")
        REMOTE = "remote", _("remote")

    class ClientKind(models.TextChoices):
        PATIENT = "patient", _("patient")
        RELATIVE = "relative", _("relative")

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting in the queue")
        CALLED = "called", _("called in")
        BOOKED = "booked", _("booked")
        IN_PROGRESS = "in_progress", pgettext_lazy("consultation", "in progress")
        DONE = "done", _("held")
        CANCELLED = "cancelled", _("cancelled")
        NO_SHOW = "no_show", _("did not come")
        LEFT = "left", _("left without a consultation")

    class Outcome(models.TextChoices):
        SUPPORTED = "supported", _("support given")
        FOLLOW_UP = "follow_up", _("another consultation needed")
        REFERRED_GROUP = "referred_group", _("referred to a support group")
        REFERRED_PSYCHIATRIST = "referred_psychiatrist", _("referred to a psychiatrist")
        CRISIS = "crisis", _("crisis intervention")
        OTHER = "other", _("other")

    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    psychologist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("psychologist"),
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("patient"),
        help_text=_("The patient the consultation is about; empty for an anonymous walk-in."),
    )
    client_kind = models.CharField(_("client"), max_length=20, choices=ClientKind.choices, default=ClientKind.PATIENT)
    relative = models.ForeignKey(
        "people.ContactPerson",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("relative"),
    )
    client_label = models.CharField(
        _("name given"), max_length=200, blank=True, help_text=_("As the client gave it at the queue, or «anonymous».")
    )
    client_phone = models.CharField(
        _("client's phone"), max_length=16, blank=True, help_text=_("For the link and reminders; stored in E.164.")
    )
    client_email = models.EmailField(_("client's e-mail"), blank=True)
    format = models.CharField(_("format"), max_length=20, choices=Format.choices)
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices)
    place_kind = models.CharField(_("place"), max_length=20, choices=Place.choices)
    place = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hospital or centre"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    ticket = models.PositiveSmallIntegerField(_("queue number"), null=True, blank=True)
    queued_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    called_at = models.DateTimeField(_("called in"), null=True, blank=True)
    scheduled_at = models.DateTimeField(_("booked for"), null=True, blank=True)
    booking = models.OneToOneField(
        "scheduling.Booking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultation",
        verbose_name=_("slot"),
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duration, minutes"), null=True, blank=True)
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("topic")
    )
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    video_link = models.URLField(_("link to the online session"), max_length=400, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    route_step = models.ForeignKey(
        "cases.RouteStep",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("route step"),
    )
    cancel_reason = models.CharField(_("why cancelled"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        indexes = [
            models.Index(fields=["place", "status", "queued_at"]),
            models.Index(fields=["psychologist", "status", "scheduled_at"]),
            models.Index(fields=["organisation", "ended_at"]),
            models.Index(fields=["status", "scheduled_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(started_at__isnull=False, ended_at__isnull=False),
                name="held_consultation_has_times",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("started_at")),
                name="consultation_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(format="online") | ~models.Q(status__in=["booked"]) | ~models.Q(video_link=""),
                name="online_consultation_has_link",
            ),
            models.CheckConstraint(
                condition=~models.Q(mode="walk_in") | models.Q(queued_at__isnull=False, ticket__isnull=False),
                name="walk_in_has_ticket",
            ),
            # One number per place and day is enforced by the service under the place's lock; here the
            # database keeps one live ticket per number.
            models.UniqueConstraint(
                fields=["place", "ticket"],
                condition=models.Q(status__in=["waiting", "called"]),
                name="one_live_ticket_per_number",
            ),
        ]

    def __str__(self) -> str:
        return f"№ {self.pk}"

    @property
    def note_editable_until(self) -> datetime.datetime | None:
        end = self.ended_at
        return end + datetime.timedelta(hours=NOTE_EDIT_HOURS) if end is not None else None

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    def waited_minutes(self, now: datetime.datetime | None = None) -> int | None:
        """Minutes from arrival to being called in (or to now, while waiting)."""
        if self.queued_at is None:
            return None
        until = self.called_at or self.started_at or now or timezone.now()
        return max(int((until - self.queued_at).total_seconds() // 60), 0)


LIVE_STATUSES = frozenset(
    {
        Consultation.Status.WAITING,
        Consultation.Status.CALLED,
        Consultation.Status.BOOKED,
        Consultation.Status.IN_PROGRESS,
    }
)


class SessionNote(models.Model):
    """The psychologist's note of a consultation, encrypted at rest (``psych.crypto``). Editable for
    ``NOTE_EDIT_HOURS`` after the session; after that, corrections are addenda."""

    consultation = models.OneToOneField(
        Consultation, on_delete=models.CASCADE, primary_key=True, related_name="note", verbose_name=_("consultation")
    )
    ciphertext = models.TextField(_("encrypted text"))
    version = models.PositiveIntegerField(_("version"), default=1)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    written_at = models.DateTimeField(_("written"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("session note")
        verbose_name_plural = _("session notes")

    def __str__(self) -> str:
        return f"{self.consultation}"


class NoteAddendum(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="addenda", verbose_name=_("consultation")
    )
    ciphertext = models.TextField(_("encrypted text"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    written_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        ordering = ["written_at", "pk"]
        verbose_name = _("addendum to a note")
        verbose_name_plural = _("addenda to notes")

    def __str__(self) -> str:
        return f"{self.consultation} +{self.pk}"


class ReportedTo(models.TextChoices):
    AMBULANCE = "ambulance", _("ambulance (103)")
    POLICE = "police", _("police (102)")
    RESCUE = "rescue", _("emergency line (112)")
    GUARDIAN = "guardian", _("guardian")
    PSYCHIATRIC = "psychiatric", _("psychiatric emergency team")
    OTHER = "other", _("other")


class ConfidentialityBreach(models.Model):
    """Confidentiality broken because a life was at risk: why, to whom it was told, their reference number,
    and the supervisor informed. Supervisors see this record; never the note."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="breaches", verbose_name=_("consultation")
    )
    reason = models.CharField(_("risk to life"), max_length=500)
    reported_to = models.CharField(_("reported to"), max_length=20, choices=ReportedTo.choices)
    reported_to_detail = models.CharField(_("whom exactly"), max_length=200, blank=True)
    reference_number = models.CharField(_("their reference number"), max_length=100, blank=True)
    reported_at = models.DateTimeField(_("reported"), default=timezone.now)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("supervisor informed"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    class Meta:
        ordering = ["-reported_at", "-pk"]
        verbose_name = _("break of confidentiality")
        verbose_name_plural = _("breaks of confidentiality")

    def __str__(self) -> str:
        return f"{self.consultation}: {self.get_reported_to_display()}"


# --- support groups ----------------------------------------------------------------------------------


class SupportGroup(VersionedModel):
    class Audience(models.TextChoices):
        PATIENTS = "patients", _("patients")
        RELATIVES = "relatives", _("relatives")
        BOTH = "both", _("patients and relatives")

    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    topic = models.CharField(_("topic"), max_length=200)
    audience = models.CharField(_("for"), max_length=20, choices=Audience.choices, default=Audience.BOTH)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("facilitator")
    )
    place = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("where"),
    )
    room = models.CharField(_("room"), max_length=100, blank=True)
    video_link = models.URLField(_("link, if online"), max_length=400, blank=True)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WeeklyHours.Weekday.choices)
    starts = models.TimeField(_("time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration, minutes"), default=90)
    first_on = models.DateField(_("first session"))
    sessions_planned = models.PositiveSmallIntegerField(_("sessions"), default=8)
    capacity = models.PositiveSmallIntegerField(_("places"), default=12)
    is_active = models.BooleanField(_("running"), default=True)

    class Meta:
        ordering = ["topic", "pk"]
        verbose_name = _("support group")
        verbose_name_plural = _("support groups")
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=1, capacity__lte=200), name="group_capacity"),
            models.CheckConstraint(
                condition=models.Q(place__isnull=False) | ~models.Q(video_link=""), name="group_has_place_or_link"
            ),
        ]

    def __str__(self) -> str:
        return self.topic


class GroupSession(models.Model):
    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("group"))
    number = models.PositiveSmallIntegerField(_("number"))
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration, minutes"), default=90)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    held = models.BooleanField(_("held"), default=False)

    class Meta:
        ordering = ["group", "starts_at"]
        verbose_name = _("group session")
        verbose_name_plural = _("group sessions")
        constraints = [models.UniqueConstraint(fields=["group", "number"], name="one_session_number_per_group")]

    def __str__(self) -> str:
        return f"{self.group} #{self.number}"


class GroupMember(models.Model):
    class Status(models.TextChoices):
        MEMBER = "member", _("member")
        WAITING = "waiting", _("on the waiting list")
        LEFT = "left", _("left the group")

    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="members", verbose_name=_("group"))
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("patient"))
    relative = models.ForeignKey(
        "people.ContactPerson",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("relative who attends"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("added by")
    )

    class Meta:
        ordering = ["group", "status", "joined_at", "pk"]
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "person"],
                condition=~models.Q(status="left") & models.Q(relative__isnull=True),
                name="one_membership_per_patient",
            ),
            models.UniqueConstraint(
                fields=["group", "relative"],
                condition=~models.Q(status="left") & models.Q(relative__isnull=False),
                name="one_membership_per_relative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.person}"


class Attendance(models.Model):
    session = models.ForeignKey(
        GroupSession, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("session")
    )
    member = models.ForeignKey(
        GroupMember, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("member")
    )
    present = models.BooleanField(_("present"))
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("marked by")
    )
    marked_at = models.DateTimeField(_("marked"), default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="one_attendance_per_member")]

    def __str__(self) -> str:
        return f"{self.session}: {self.member}"


# --- hotline ------------------------------------------------------------------------------------------


class HotlineLine(TimeStampedModel):
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40)
    round_the_clock = models.BooleanField(_("24 hours"), default=False)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("hotline")
        verbose_name_plural = _("hotlines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(round_the_clock=True) | models.Q(opens__isnull=False, closes__isnull=False),
                name="line_has_hours",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.phone})"


class DutyShift(models.Model):
    """Who answers a line when (the on-duty roster)."""

    line = models.ForeignKey(HotlineLine, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("line"))
    psychologist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="duty_shifts", verbose_name=_("psychologist")
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("to"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("put on by")
    )

    class Meta:
        ordering = ["line", "starts_at"]
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        indexes = [models.Index(fields=["line", "starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.line}: {self.starts_at:%d.%m %H:%M}"


class HotlineCall(VersionedModel):
    class CallerKind(models.TextChoices):
        CITIZEN = "citizen", _("known citizen")
        RELATIVE = "relative", _("relative")
        ANONYMOUS = "anonymous", _("anonymous")

    class Risk(models.TextChoices):
        ROUTINE = "routine", _("routine")
        ELEVATED = "elevated", _("elevated")
        EMERGENCY = "emergency", _("emergency")

    line = models.ForeignKey(HotlineLine, on_delete=models.PROTECT, related_name="calls", verbose_name=_("line"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("answered by")
    )
    at = models.DateTimeField(_("call time"), default=timezone.now)
    duration_minutes = models.PositiveSmallIntegerField(_("duration, minutes"), null=True, blank=True)
    caller_kind = models.CharField(_("caller"), max_length=20, choices=CallerKind.choices)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("citizen"),
    )
    caller_label = models.CharField(_("name given"), max_length=200, blank=True)
    caller_phone = models.CharField(_("caller's phone"), max_length=16, blank=True)
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("topic")
    )
    risk = models.CharField(_("risk"), max_length=20, choices=Risk.choices)
    action_taken = models.CharField(_("what was done"), max_length=1000)
    handed_to = models.CharField(_("handed over to"), max_length=20, choices=ReportedTo.choices, blank=True)
    handover_reference = models.CharField(_("their reference number"), max_length=100, blank=True)
    safety_plan = models.TextField(_("safety plan (encrypted)"), blank=True)
    consultation = models.OneToOneField(
        Consultation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hotline_call",
        verbose_name=_("consultation"),
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("hotline call")
        verbose_name_plural = _("hotline calls")
        indexes = [models.Index(fields=["line", "at"]), models.Index(fields=["risk", "at"])]

    def __str__(self) -> str:
        return f"{self.line.name}: {self.at:%d.%m.%Y %H:%M}"


class FollowUp(VersionedModel):
    """A task a consultation or a call leaves for a psychologist: call back, see the client."""

    class Kind(models.TextChoices):
        EMERGENCY = "emergency", _("emergency follow-up")
        CALL_BACK = "call_back", _("call back")
        CONSULTATION = "consultation", _("see the client")

    call = models.ForeignKey(
        HotlineCall, on_delete=models.CASCADE, null=True, blank=True, related_name="follow_ups", verbose_name=_("call")
    )
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("consultation"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="psych_follow_ups", verbose_name=_("who")
    )
    due_at = models.DateTimeField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=500, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [models.Index(fields=["assigned_to", "done_at", "due_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(call__isnull=False) | models.Q(consultation__isnull=False),
                name="follow_up_has_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.due_at:%d.%m %H:%M}"
