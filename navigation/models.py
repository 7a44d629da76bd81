"""The oncology "personal assistant" programme (patient navigation): referrals to an oncologist made at the
polyclinic, the patient's consent to the programme, and the journey it opens — a Case of the programme with
its one-to-one extension (``Journey``): the stage, the assistant assigned (balanced by caseload within the
capacities administrators set) and the history of assignments.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel, VersionedModel

PROGRAMME_NAVIGATION = "oncology_navigation"


class Referral(VersionedModel):
    """A referral to an oncologist on suspicion of cancer, as the polyclinic makes it, and the patient's
    answer to the offer of a personal assistant."""

    class Urgency(models.TextChoices):
        ROUTINE = "routine", _("routine")
        URGENT = "urgent", _("urgent (cito)")

    class Consent(models.TextChoices):
        PENDING = "pending", _("not asked yet")
        GIVEN = "given", _("agreed")
        REFUSED = "refused", _("refused")

    class Contact(models.TextChoices):
        SMS = "sms", _("SMS")
        CALL = "call", _("phone call")
        NONE = "none", _("no reminders")

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="referrals", verbose_name=_("patient")
    )
    polyclinic = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("polyclinic")
    )
    referring_doctor = models.CharField(_("referring doctor"), max_length=200)
    referred_on = models.DateField(_("referred on"))
    diagnosis = models.ForeignKey(
        "directory.DiagnosisCode",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("suspected diagnosis (ICD-10)"),
    )
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices, default=Urgency.ROUTINE)
    note = models.CharField(_("note"), max_length=500, blank=True)
    consent = models.CharField(_("programme"), max_length=20, choices=Consent.choices, default=Consent.PENDING)
    reminders_by = models.CharField(_("reminders"), max_length=20, choices=Contact.choices, blank=True)
    refusal_reason = models.CharField(_("why refused"), max_length=300, blank=True)
    consent_recorded_at = models.DateTimeField(_("answer recorded"), null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answer recorded by"),
    )
    case = models.OneToOneField(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referral",
        verbose_name=_("case"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )

    class Meta:
        ordering = ["-referred_on", "-pk"]
        verbose_name = _("referral to an oncologist")
        verbose_name_plural = _("referrals to an oncologist")
        indexes = [models.Index(fields=["polyclinic", "referred_on"]), models.Index(fields=["consent", "referred_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(consent="refused") | ~models.Q(refusal_reason=""), name="refusal_has_reason"
            ),
            models.CheckConstraint(
                condition=~models.Q(consent="given") | models.Q(case__isnull=False) & ~models.Q(reminders_by=""),
                name="consent_opens_a_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.diagnosis_id}"


class Stage(models.TextChoices):
    SUSPICION = "suspicion", _("suspicion of cancer")
    DIAGNOSTICS = "diagnostics", _("diagnostics")
    DIAGNOSIS = "diagnosis", _("diagnosis")
    TREATMENT = "treatment", _("treatment")
    FOLLOW_UP = "follow_up", pgettext_lazy("oncology stage", "follow-up")
    CLOSED = "closed", _("closed")


class Journey(VersionedModel):
    """What the programme adds to a case: the stage of the patient's way and the personal assistant."""

    class Diagnosis(models.TextChoices):
        PENDING = "", _("not known yet")
        CONFIRMED = "confirmed", _("confirmed")
        EXCLUDED = "excluded", _("excluded")

    class ClosedBecause(models.TextChoices):
        EXCLUDED = "excluded", _("cancer excluded")
        MOVED = "moved", _("moved away")
        DECLINED = "declined", _("declined the programme")
        DIED = "died", _("died")

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="journey", verbose_name=_("case")
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.SUSPICION)
    stage_since = models.DateTimeField(_("in this stage since"), default=timezone.now)
    diagnosis_result = models.CharField(
        _("diagnosis"), max_length=20, choices=Diagnosis.choices, default=Diagnosis.PENDING, blank=True
    )
    closed_because = models.CharField(_("closed because"), max_length=20, choices=ClosedBecause.choices, blank=True)
    # The milestones the figures count from the referral (issue 14, §5): set as the journey passes them.
    oncologist_seen_on = models.DateField(_("first seen by an oncologist"), null=True, blank=True)
    diagnosed_on = models.DateField(_("diagnosis made"), null=True, blank=True)
    treatment_started_on = models.DateField(_("treatment started"), null=True, blank=True)
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="journeys",
        verbose_name=_("personal assistant"),
    )

    class Meta:
        verbose_name = _("patient's journey")
        verbose_name_plural = _("patients' journeys")
        indexes = [models.Index(fields=["assistant", "stage"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(stage="closed") | ~models.Q(closed_because=""), name="closed_journey_says_why"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.get_stage_display()}"

    @property
    def is_active(self) -> bool:
        return self.stage != Stage.CLOSED


class AssistantCapacity(TimeStampedModel):
    """How many active patients a personal assistant takes, and the polyclinics whose referrals they get.
    Administrators keep it."""

    assistant = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="navigation_capacity",
        verbose_name=_("personal assistant"),
    )
    capacity = models.PositiveSmallIntegerField(_("active patients at most"), default=150)
    polyclinics = models.ManyToManyField(
        "directory.Organisation", related_name="+", blank=True, verbose_name=_("polyclinics served")
    )
    hours = models.CharField(_("hours for patients"), max_length=100, default="пн–пт 09:00–18:00")
    is_accepting = models.BooleanField(
        _("takes new patients"), default=True, help_text=_("Off during a leave: new patients go to the others.")
    )

    class Meta:
        verbose_name = _("personal assistant's capacity")
        verbose_name_plural = _("personal assistants' capacities")
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=1, capacity__lte=2000), name="assistant_capacity")
        ]

    def __str__(self) -> str:
        return str(self.assistant)


class AssistantAssignment(models.Model):
    """The history of who assisted a patient: every assignment and reassignment, with its reason."""

    journey = models.ForeignKey(
        Journey, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("journey")
    )
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("personal assistant")
    )
    started_at = models.DateTimeField(_("from"), default=timezone.now)
    ended_at = models.DateTimeField(_("to"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))

    class Meta:
        ordering = ["journey", "started_at", "pk"]
        verbose_name = _("assistant's assignment")
        verbose_name_plural = _("assistants' assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["journey"], condition=models.Q(ended_at__isnull=True), name="one_current_assistant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.journey}: {self.assistant}"


# --- appointments and reminders (issue 14, §3–§4) -------------------------------------------------------


class Reply(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed: will come")
    CANCEL = "cancel", _("asked to cancel")
    MOVE = "move", _("asked for another time")


class Appointment(VersionedModel):
    """A doctor's visit or a diagnostic test the assistant booked for the patient: a hold on a slot of a
    facility's resource (``scheduling.Booking``) and what came of it. Moving it replaces the booking."""

    class Kind(models.TextChoices):
        ONCOLOGIST = "oncologist", _("oncologist's visit")
        CT = "ct", _("CT scan")
        MRI = "mri", _("MRI scan")
        BIOPSY = "biopsy", _("biopsy")
        ULTRASOUND = "ultrasound", _("ultrasound")
        TUMOUR_BOARD = "tumour_board", _("tumour board")
        TREATMENT_START = "treatment_start", _("start of treatment")
        FOLLOW_UP = "follow_up", _("follow-up visit")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        ATTENDED = "attended", _("attended")
        MISSED = "missed", _("missed")
        CANCELLED = "cancelled", _("cancelled")

    journey = models.ForeignKey(
        Journey, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("journey")
    )
    booking = models.OneToOneField(
        "scheduling.Booking", on_delete=models.PROTECT, related_name="appointment", verbose_name=_("booking")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.BOOKED)
    result = models.TextField(_("result"), blank=True)
    cancel_reason = models.CharField(_("why cancelled"), max_length=300, blank=True)
    # The patient's answer to a reminder (by SMS reply or on the phone), as the assistant recorded it.
    reply = models.CharField(_("patient's reply"), max_length=20, choices=Reply.choices, blank=True)
    reply_at = models.DateTimeField(_("replied"), null=True, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("booked by")
    )

    class Meta:
        ordering = ["booking__slot__starts_at", "pk"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [models.Index(fields=["journey", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="cancelled") | ~models.Q(cancel_reason=""),
                name="cancelled_appointment_says_why",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.booking.slot}"


class CallTask(VersionedModel):
    """A "call the patient" task: a reminder for a patient who prefers calls or has no mobile phone, the
    follow-up of a missed visit, the welcome of a new patient. The journey's assistant makes the call."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("reminder call")
        MISSED_VISIT = "missed_visit", _("follow-up after a missed visit")
        WELCOME = "welcome", _("welcome a new patient")
        NEW_TIME = "new_time", _("find another time with the patient")

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="call_tasks", verbose_name=_("journey"))
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="call_tasks",
        verbose_name=_("appointment"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    due_at = models.DateTimeField(_("call by"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="call_tasks", verbose_name=_("who calls")
    )
    done_at = models.DateTimeField(_("called"), null=True, blank=True)
    result = models.CharField(_("result of the call"), max_length=500, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("call task")
        verbose_name_plural = _("call tasks")
        indexes = [models.Index(fields=["assigned_to", "done_at", "due_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.journey}"


class Reminder(models.Model):
    """One reminder of an appointment, so long before it: an SMS through the outbox or a call task. Planned
    when the appointment is booked or moved; ``sent_at`` is set in the transaction that sends it."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        CALL = "call", _("phone call")

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("appointment")
    )
    offset_minutes = models.PositiveIntegerField(_("minutes before"))
    channel = models.CharField(_("reminded by"), max_length=10, choices=Channel.choices)
    due_at = models.DateTimeField(_("due"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    outbox_message = models.ForeignKey(
        "notify.OutboxMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message"),
    )
    call_task = models.ForeignKey(
        CallTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("call task")
    )

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        indexes = [models.Index(fields=["sent_at", "due_at"])]
        constraints = [
            # A sweep restarted mid-way, or two at once, never plans or sends the same reminder twice.
            models.UniqueConstraint(fields=["appointment", "offset_minutes"], name="one_reminder_per_offset"),
            models.CheckConstraint(condition=models.Q(offset_minutes__gte=1), name="reminder_before_the_visit"),
        ]

    def __str__(self) -> str:
        return f"{self.appointment}: −{self.offset_minutes} min"


# --- the journey's steps and their target times (issue 14, §2) --------------------------------------------


class Milestone(models.TextChoices):
    """What a step of the journey is. Appointments of the matching kinds complete it when attended."""

    ONCOLOGIST = "oncologist", _("oncologist's consultation")
    DIAGNOSTICS = "diagnostics", _("diagnostic tests")
    TUMOUR_BOARD = "tumour_board", _("tumour board")
    DISPENSARY = "dispensary", _("dispensary observation set up")
    TREATMENT_START = "treatment_start", _("start of treatment")
    FOLLOW_UP = "follow_up", _("follow-up visit")
    OTHER = "other", _("other step")


# The appointments that complete a step of each kind when the patient attends.
MILESTONE_OF_APPOINTMENT: dict[str, str] = {
    Appointment.Kind.ONCOLOGIST: Milestone.ONCOLOGIST,
    Appointment.Kind.CT: Milestone.DIAGNOSTICS,
    Appointment.Kind.MRI: Milestone.DIAGNOSTICS,
    Appointment.Kind.BIOPSY: Milestone.DIAGNOSTICS,
    Appointment.Kind.ULTRASOUND: Milestone.DIAGNOSTICS,
    Appointment.Kind.TUMOUR_BOARD: Milestone.TUMOUR_BOARD,
    Appointment.Kind.TREATMENT_START: Milestone.TREATMENT_START,
    Appointment.Kind.FOLLOW_UP: Milestone.FOLLOW_UP,
}


class StepTemplate(TimeStampedModel):
    """A step the journey gets on entering a stage, with its target time in working days counted from the
    day the stage began (the referral for «suspicion», the day the tests were ordered for «diagnostics»,
    the day of the diagnosis for «diagnosis»…). Follow-up visits recur: each is due ``interval_months``
    after the previous one, ``times`` times (empty: for life). Administrators keep the templates."""

    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    milestone = models.CharField(_("kind"), max_length=20, choices=Milestone.choices)
    title = models.CharField(_("step"), max_length=200)
    target_working_days = models.PositiveSmallIntegerField(
        _("target, working days"),
        null=True,
        blank=True,
        help_text=_("Counted from the day the stage began; empty: no target."),
    )
    interval_months = models.PositiveSmallIntegerField(
        _("every, months"), null=True, blank=True, help_text=_("Recurring visits only: months after the previous.")
    )
    times = models.PositiveSmallIntegerField(
        _("how many times"), null=True, blank=True, help_text=_("Recurring visits only; empty: for life.")
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["stage", "position", "pk"]
        verbose_name = _("journey step template")
        verbose_name_plural = _("journey step templates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_working_days__isnull=False) | models.Q(interval_months__isnull=False),
                name="step_template_has_a_term",
            ),
            models.CheckConstraint(
                condition=models.Q(target_working_days__lte=365) | models.Q(target_working_days__isnull=True),
                name="step_template_target_bounded",
            ),
            models.CheckConstraint(
                condition=models.Q(interval_months__gte=1, interval_months__lte=60)
                | models.Q(interval_months__isnull=True),
                name="step_template_interval_bounded",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class LateReason(models.TextChoices):
    NO_SLOTS = "no_slots", _("no free slots in time")
    PATIENT_CHOICE = "patient_choice", _("the patient chose a later date")
    PATIENT_ILL = "patient_ill", _("the patient was ill or in hospital")
    UNREACHABLE = "unreachable", _("could not reach the patient")
    FACILITY = "facility", _("the facility cancelled or moved it")
    RESULTS = "results", _("waiting for results")
    OTHER = "other", _("other reason")


class JourneyStep(VersionedModel):
    """One step of the patient's journey with its due date (in working days on the production calendar) and
    when it was done; a late one says why."""

    class Status(models.TextChoices):
        OPEN = "open", _("to do")
        DONE = "done", _("done")
        NOT_NEEDED = "not_needed", _("not needed")

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="steps", verbose_name=_("journey"))
    template = models.ForeignKey(
        StepTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("template")
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    milestone = models.CharField(_("kind"), max_length=20, choices=Milestone.choices)
    title = models.CharField(_("step"), max_length=200)
    counted_from = models.DateField(_("counted from"))
    target_working_days = models.PositiveSmallIntegerField(_("target, working days"), null=True, blank=True)
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("appointment")
    )
    late_reason = models.CharField(_("why late"), max_length=20, choices=LateReason.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["journey", "due_on", "pk"]
        verbose_name = _("journey step")
        verbose_name_plural = _("journey steps")
        indexes = [models.Index(fields=["status", "due_on"]), models.Index(fields=["journey", "milestone", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(done_on__isnull=False), name="done_step_has_a_date"
            )
        ]

    def __str__(self) -> str:
        return self.title


# --- hand-overs to the other services (issue 14, §4) ------------------------------------------------------


class Handover(models.Model):
    """The assistant asked another service to help the patient: the psychological service (a consultation
    for the patient or a relative, carried as a route step of the case addressed to the service) or the TCSO
    of the patient's district (a help request). Their own records say how it goes; this says who asked."""

    class Kind(models.TextChoices):
        PSYCHOLOGIST = "psychologist", _("psychologist's consultation")
        TCSO = "tcso", _("help from the TCSO")

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="handovers", verbose_name=_("journey"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    route_step = models.OneToOneField(
        "cases.RouteStep",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="navigation_handover",
        verbose_name=_("route step"),
    )
    help_request = models.OneToOneField(
        "assistance.HelpRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="navigation_handover",
        verbose_name=_("help request"),
    )
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("asked by")
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("hand-over to another service")
        verbose_name_plural = _("hand-overs to other services")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="psychologist", route_step__isnull=False, help_request__isnull=True)
                | models.Q(kind="tcso", help_request__isnull=False, route_step__isnull=True),
                name="handover_carried_by_its_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.journey}: {self.get_kind_display()}"
