"""Episodes of care (cases) and the individual route of help of each.

A Case is a citizen in one programme at one organisation, with a responsible worker. What a programme
adds is a one-to-one extension: hospital social coordination adds the stay (``HospitalStay``); the
oncology and psychological programmes add theirs in their own apps. The needs found at the first contact
are kept as numbered assessments (every reassessment a new one), and the route of help is an ordered
list of steps with their state.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, VersionedModel

PROGRAMME_HOSPITAL = "hospital_coordination"
# A step due within this many days is on the coordinator's worklist as "due soon".
DUE_SOON_DAYS = 7


class Need(models.TextChoices):
    DOCUMENTS = "documents", _("lost or missing documents")
    RELATIVES = "relatives", _("no way to reach relatives")
    LIVES_ALONE = "lives_alone", _("lives alone")
    HOUSING = "housing", _("no home or an unsafe home")
    HOME_CARE = "home_care", _("needs home care after discharge")
    DEVICES = "devices", _("needs rehabilitation devices after discharge")
    FINANCIAL = "financial", _("financial hardship")
    DISTRESS = "distress", _("psychological distress")
    CRISIS = "crisis", _("crisis")
    OTHER = "other", _("other")


class StepKind(models.TextChoices):
    DOCUMENTS = "documents", _("restore documents")
    RELATIVES = "relatives", _("contact relatives")
    PSYCHOLOGIST = "psychologist", _("psychologist's consultation")
    HOME_CARE = "home_care", _("home care after discharge")
    DEVICES = "devices", _("rehabilitation devices")
    FOOD = "food", _("food and medicines")
    BENEFITS = "benefits", _("benefits and payments")
    HOUSING = "housing", _("housing")
    OTHER = "other", _("other help")


class Responsible(models.TextChoices):
    COORDINATOR = "coordinator", _("social coordinator")
    PSYCHOLOGIST = "psychologist", _("psychologist")
    TCSO = "tcso", _("TCSO")


class Case(VersionedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    class Outcome(models.TextChoices):
        HELPED = "helped", _("help given, nothing more needed")
        HANDED_OVER = "handed_over", _("handed over to the TCSO")
        DECLINED = "declined", _("the patient declined help")
        TRANSFERRED = "transferred", _("moved to another hospital")
        DIED = "died", _("the patient died")
        OTHER = "other", _("other")

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="cases", verbose_name=_("citizen")
    )
    programme = models.ForeignKey(
        "directory.Programme", on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="cases", verbose_name=_("organisation")
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("responsible"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField(_("note on the outcome"), max_length=500, blank=True)
    opened_reason = models.CharField(_("reason for opening"), max_length=300)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["organisation", "status"]), models.Index(fields=["coordinator", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True, outcome="")
                | models.Q(status="closed", closed_at__isnull=False) & ~models.Q(outcome=""),
                name="case_closed_with_outcome",
            ),
            # One open case per citizen, programme and organisation: a second admission reopens nothing,
            # it continues the open case.
            models.UniqueConstraint(
                fields=["person", "programme", "organisation"],
                condition=models.Q(status="open"),
                name="one_open_case_per_place",
            ),
        ]

    def __str__(self) -> str:
        return f"№ {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def in_crisis(self) -> bool:
        """A crisis is marked and not yet over (lists annotate ``has_open_crisis`` to spare the query)."""
        annotated = getattr(self, "has_open_crisis", None)
        if annotated is not None:
            return bool(annotated)
        return self.crises.filter(ended_at__isnull=True).exists()


class HospitalStay(models.Model):
    """What hospital social coordination adds to a case: the stay, or an emergency visit without admission."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="stay")
    department = models.CharField(_("department"), max_length=200, blank=True)
    emergency_not_admitted = models.BooleanField(_("emergency, not admitted"), default=False)
    admitted_on = models.DateField(_("admitted"), null=True, blank=True)
    expected_discharge_on = models.DateField(_("expected discharge"), null=True, blank=True)
    discharged_on = models.DateField(_("discharged"), null=True, blank=True)

    class Meta:
        verbose_name = _("hospital stay")
        verbose_name_plural = _("hospital stays")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discharged_on__isnull=True)
                | models.Q(admitted_on__isnull=True)
                | models.Q(discharged_on__gte=models.F("admitted_on")),
                name="stay_discharged_after_admission",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.department}"


class NeedsAssessment(models.Model):
    """The needs found at one assessment of a case; a reassessment is a new, higher number."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("case"))
    number = models.PositiveIntegerField(_("number"))
    needs = models.JSONField(_("needs found"), default=list)
    note = models.TextField(_("note"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assessed by")
    )
    assessed_at = models.DateTimeField(_("assessed"), default=timezone.now)

    class Meta:
        ordering = ["case", "-number"]
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="one_assessment_number_per_case")]

    def __str__(self) -> str:
        return f"{self.case} #{self.number}"

    def need_labels(self) -> list[str]:
        labels = dict(Need.choices)
        return [str(labels.get(code, code)) for code in self.needs]


class StepTemplate(TimeStampedModel):
    """A step the route proposes when a need is found; per hospital, or city-wide when no hospital is set."""

    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hospital"),
        help_text=_("Empty: the city-wide template, used where a hospital has none of its own for this need."),
    )
    need = models.CharField(_("need"), max_length=20, choices=Need.choices)
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    kind = models.CharField(_("kind"), max_length=20, choices=StepKind.choices)
    title = models.CharField(_("step"), max_length=200)
    responsible = models.CharField(_("responsible"), max_length=20, choices=Responsible.choices)
    due_in_days = models.PositiveSmallIntegerField(_("due in days"), default=3)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["need", "position", "pk"]
        verbose_name = _("step template")
        verbose_name_plural = _("step templates")

    def __str__(self) -> str:
        return self.title


class RouteStep(VersionedModel):
    """One step of a case's route of help."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        NOT_NEEDED = "not_needed", _("not needed")
        FAILED = "failed", _("failed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps", verbose_name=_("case"))
    position = models.PositiveSmallIntegerField(_("order"))
    need = models.CharField(_("need"), max_length=20, choices=Need.choices, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=StepKind.choices)
    title = models.CharField(_("step"), max_length=200)
    responsible = models.CharField(_("responsible"), max_length=20, choices=Responsible.choices)
    due_on = models.DateField(_("due"), null=True, blank=True)
    # A step another organisation's service is asked to do (a psychological service for a patient of the
    # oncology programme, say); empty: the case's own organisation does it.
    addressed_to = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked of"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    result = models.TextField(_("result"), blank=True)
    failure_reason = models.CharField(_("why it failed"), max_length=500, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("added by")
    )

    class Meta:
        ordering = ["case", "position", "pk"]
        verbose_name = _("route step")
        verbose_name_plural = _("route steps")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="failed") | ~models.Q(failure_reason=""), name="failed_step_has_reason"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STEP_STATUSES

    def overdue(self, today: datetime.date | None = None) -> bool:
        """Derived, never stored: an unfinished step past its due date."""
        today = today or timezone.localdate()
        return not self.is_finished and self.due_on is not None and self.due_on < today

    def due_soon(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            not self.is_finished
            and self.due_on is not None
            and today <= self.due_on <= today + datetime.timedelta(days=DUE_SOON_DAYS)
        )


FINISHED_STEP_STATUSES = frozenset({RouteStep.Status.DONE, RouteStep.Status.NOT_NEEDED, RouteStep.Status.FAILED})


class CrisisAlert(models.Model):
    """A crisis marked on a case: the hospital's psychologists and supervisors are told at once; the
    first psychologist who takes it answers it (the response time is from ``raised_at`` to
    ``answered_at``), and the crisis is over when the coordinator or the psychologist says so."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="crises", verbose_name=_("case"))
    note = models.CharField(_("what happened"), max_length=500)
    raised_at = models.DateTimeField(_("marked"), default=timezone.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("marked by")
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    ended_at = models.DateTimeField(_("over"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    outcome = models.CharField(_("what was done"), max_length=500, blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("crisis")
        verbose_name_plural = _("crises")
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(ended_at__isnull=True), name="one_open_crisis"),
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True) | models.Q(answered_at__gte=models.F("raised_at")),
                name="crisis_answered_after_marked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.note}"

    @property
    def minutes_to_answer(self) -> int | None:
        if self.answered_at is None:
            return None
        return int((self.answered_at - self.raised_at).total_seconds() // 60)


class RelativeCall(models.Model):
    """One attempt to reach a relative or another person close to the patient, with the patient's consent."""

    class Outcome(models.TextChoices):
        REACHED = "reached", _("reached")
        NO_ANSWER = "no_answer", _("no answer")
        BUSY = "busy", _("line busy")
        WRONG_NUMBER = "wrong_number", _("wrong number")
        MESSAGE = "message", _("left a message")
        REFUSED = "refused", _("reached, refused to help")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="relative_calls", verbose_name=_("case"))
    contact = models.ForeignKey(
        "people.ContactPerson",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact person"),
    )
    full_name = models.CharField(_("whom"), max_length=300)
    relation = models.CharField(_("relation"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=16, help_text=_("stored in E.164"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    called_at = models.DateTimeField(_("called"), default=timezone.now)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("called by")
    )

    class Meta:
        ordering = ["-called_at", "-pk"]
        verbose_name = _("call to a relative")
        verbose_name_plural = _("calls to relatives")

    def __str__(self) -> str:
        return f"{self.full_name}: {self.get_outcome_display()}"


class DocumentRestoration(VersionedModel):
    """Restoring one lost document of the patient: where it was applied for, when, when it is expected
    and when it came. Each move updates the document's status on the citizen's card."""

    class Status(models.TextChoices):
        TO_APPLY = "to_apply", _("to apply for")
        APPLIED = "applied", _("applied for")
        RECEIVED = "received", _("received")
        CANCELLED = "cancelled", _("not needed any more")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="restorations", verbose_name=_("case"))
    document = models.ForeignKey(
        "people.IdentityDocument", on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.TO_APPLY)
    applied_to = models.CharField(_("where applied"), max_length=300, blank=True)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    expected_on = models.DateField(_("expected ready"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("started by")
    )

    class Meta:
        ordering = ["case", "pk"]
        verbose_name = _("document restoration")
        verbose_name_plural = _("document restorations")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="applied") | models.Q(applied_on__isnull=False) & ~models.Q(applied_to=""),
                name="applied_restoration_says_where_and_when",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="received") | models.Q(received_on__isnull=False),
                name="received_restoration_has_date",
            ),
            models.UniqueConstraint(
                fields=["document"],
                condition=models.Q(status__in=["to_apply", "applied"]),
                name="one_restoration_per_document",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.document}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.TO_APPLY, self.Status.APPLIED)


class Handoff(VersionedModel):
    """A closed-loop referral of the patient to the TCSO of their home district, made from a route step.

    It is carried by one help request (intake channel "from a case") and lives as HL7 Gravity SDOH's
    referral Task does: requested → accepted | rejected → in progress → completed | failed, or
    cancelled by the sender. The TCSO's own moves of the request move it (``cases.handoffs``)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("sent, waiting for the TCSO")
        ACCEPTED = "accepted", _("accepted by the TCSO")
        REJECTED = "rejected", _("rejected by the TCSO")
        IN_PROGRESS = "in_progress", _("being done")
        COMPLETED = "completed", _("done")
        FAILED = "failed", _("could not be done")
        CANCELLED = "cancelled", _("withdrawn by the hospital")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handoffs", verbose_name=_("case"))
    step = models.ForeignKey(RouteStep, on_delete=models.PROTECT, related_name="handoffs", verbose_name=_("step"))
    request = models.OneToOneField(
        "assistance.HelpRequest", on_delete=models.PROTECT, related_name="+", verbose_name=_("request")
    )
    tcso = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("TCSO")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    accept_by = models.DateTimeField(_("to be accepted by"))
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("handed over by")
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("hand-off to the TCSO")
        verbose_name_plural = _("hand-offs to the TCSO")
        indexes = [models.Index(fields=["status", "accept_by"]), models.Index(fields=["tcso", "status"])]
        constraints = [
            # A step is handed over once at a time; after a rejection or a failure it can be again.
            models.UniqueConstraint(
                fields=["step"],
                condition=models.Q(status__in=["requested", "accepted", "in_progress"]),
                name="one_live_handoff_per_step",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["rejected", "failed", "cancelled"]) | ~models.Q(status_reason=""),
                name="handoff_end_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.tcso}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_HANDOFF_STATUSES


LIVE_HANDOFF_STATUSES = frozenset({Handoff.Status.REQUESTED, Handoff.Status.ACCEPTED, Handoff.Status.IN_PROGRESS})
