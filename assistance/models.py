"""The service catalogue, help requests (заявки), their life cycle and the work done on them."""

import datetime

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, VersionedModel
from directory.models import Organisation, Programme, Skill, Worker
from people.models import Person


class ServiceType(models.Model):
    """One kind of help from the catalogue (FHIR ActivityDefinition); reference data."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    target_hours = models.PositiveIntegerField(_("target time, hours"), default=24)
    required_skills = models.ManyToManyField(Skill, blank=True, related_name="service_types", verbose_name=_("skills"))
    handles_money = models.BooleanField(_("money is handled"), default=False)
    programmes = models.ManyToManyField(
        Programme, blank=True, related_name="service_types", verbose_name=_("programmes")
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    NEW = "new", _("new")
    ACCEPTED = "accepted", _("accepted")
    ASSIGNED = "assigned", _("assigned")
    IN_PROGRESS = "in_progress", _("in progress")
    # The worker could not do it: back with the dispatcher, who assigns it again or closes it.
    RETURNED = "returned", _("not done, awaiting the dispatcher")
    DONE = "done", _("done")
    FAILED = "failed", _("could not be done")
    CANCELLED = "cancelled", _("cancelled")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("normal")
    URGENT = "urgent", _("urgent")


class IntakeChannel(models.TextChoices):
    """How a request reached us (not the interaction's medium, the outbox's channel or the journal's origin)."""

    PHONE = "phone", _("phone call")
    WALK_IN = "walk_in", _("visit")
    API = "api", _("external system")
    CASE = "case", _("from a case")


class HelpRequest(VersionedModel):
    """A need of a citizen (FHIR ServiceRequest), carried out by the TCSO of the citizen's district."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="help_requests", verbose_name=_("citizen")
    )
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.PROTECT, related_name="requests", verbose_name=_("service")
    )
    tcso = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="help_requests",
        verbose_name=_("TCSO"),
        limit_choices_to={"kind": Organisation.Kind.TCSO},
        # No index of its own: "request_queue" (TCSO, status, due) begins with it. With both, SQLite
        # (which plans without statistics) read the queue through this one: every request of the TCSO.
        db_index=False,
    )
    intake_channel = models.CharField(
        _("received by"), max_length=10, choices=IntakeChannel.choices, default=IntakeChannel.PHONE
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    details = models.TextField(_("what is needed"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    window_start = models.DateTimeField(_("time window from"), null=True, blank=True)
    window_end = models.DateTimeField(_("time window until"), null=True, blank=True)
    night_visit = models.BooleanField(
        _("the citizen asks for a visit outside working hours"),
        default=False,
        help_text=_("Without it, auto-assign leaves a request whose time window is at night to the dispatcher."),
    )
    due_at = models.DateTimeField(_("due"), db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    close_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        indexes = [
            models.Index(fields=["tcso", "status", "due_at"], name="request_queue"),
            models.Index(fields=["person", "status"], name="request_person_status"),
            # The dashboard's counts over a period read only the period's rows, and from the index alone:
            # those created in it (by status, service and TCSO) and those closed in it (with the times
            # from which the median time to done is taken).
            models.Index(fields=["created_at", "status", "service_type", "tcso"], name="request_created"),
            models.Index(fields=["closed_at", "status", "tcso", "created_at"], name="request_closed"),
            # The same for one TCSO (a dispatcher's dashboard, or the supervisor's TCSO filter): without
            # them SQLite read every request the TCSO ever had through request_queue.
            models.Index(fields=["tcso", "created_at", "status", "service_type"], name="request_tcso_created"),
            models.Index(fields=["tcso", "closed_at", "status", "created_at"], name="request_tcso_closed"),
            # Open requests city-wide in due order (a supervisor's queue: PostgreSQL walked every request by
            # due time looking for open ones, 12 s at 4 million), with TCSO and status so that the counts
            # per TCSO come from the index alone. Partial: an index of every status
            # misled SQLite, which plans without statistics, into reading all closed requests through it
            # to count those closed in a period.
            models.Index(
                fields=["due_at", "tcso", "status"],
                name="request_open",
                condition=Q(
                    status__in=[Status.NEW, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.RETURNED]
                ),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__isnull=True)
                | Q(window_start__isnull=True)
                | Q(window_end__gt=models.F("window_start")),
                name="request_window_order",
            ),
        ]

    def __str__(self) -> str:
        return f"№ {self.pk} {self.service_type}"

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.DONE, Status.FAILED, Status.CANCELLED)

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()

    @staticmethod
    def due_for(
        service_type: ServiceType,
        created: datetime.datetime,
        urgent: bool,
        window_end: datetime.datetime | None = None,
    ) -> datetime.datetime:
        """When the request is due: by the end of the time window agreed with the citizen, when there is
        one (a visit promised for 09:00–12:00 is due by 12:00: neither after it, nor at midnight before it);
        else the service's target time from ``created`` (a quarter of it when urgent)."""
        if window_end is not None:
            return window_end
        hours = service_type.target_hours
        if urgent:
            hours = max(1, hours // 4)
        return created + datetime.timedelta(hours=hours)


class RequestTally(models.Model):
    """How many requests there are per Moscow day (core/tallies.py): created that day, or closed that day,
    by TCSO, service and status now. Kept by the services (assistance/tallies.py) in the transaction of
    each request's creation and move, so that the dashboard counts a period by its days rather than by
    its requests (at the city's rate, 8,222 a day)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("created")
        CLOSED = "closed", _("closed")

    kind = models.CharField(_("counted when"), max_length=7, choices=Kind.choices)
    day = models.DateField(_("day"))
    tcso = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("TCSO"))
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+", verbose_name=_("service"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    n = models.IntegerField(_("requests"), default=0)

    class Meta:
        verbose_name = _("requests per day")
        verbose_name_plural = _("requests per day")
        constraints = [
            models.UniqueConstraint(fields=["kind", "day", "tcso", "service_type", "status"], name="request_tally_key"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d.%m.%Y} {self.get_kind_display()}: {self.n}"


class Transition(models.Model):
    """One step of a request's life: who moved it from which status to which, when and why."""

    request = models.ForeignKey(
        HelpRequest, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("help request")
    )
    from_status = models.CharField(_("previous status"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("new status"), max_length=12, choices=Status.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("changed by")
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_status} → {self.to_status}"


class VisitMove(models.Model):
    """The visit moved to a new time window agreed with the citizen (services.reschedule): shown in the
    request's history beside its status changes."""

    request = models.ForeignKey(
        HelpRequest, on_delete=models.CASCADE, related_name="visit_moves", verbose_name=_("help request")
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("changed by")
    )
    from_start = models.DateTimeField(_("previous time window from"), null=True, blank=True)
    from_end = models.DateTimeField(_("previous time window until"), null=True, blank=True)
    to_start = models.DateTimeField(_("time window from"))
    to_end = models.DateTimeField(_("time window until"))
    reason = models.CharField(_("what was agreed with the citizen"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("visit moved")
        verbose_name_plural = _("visits moved")

    def __str__(self) -> str:
        return f"{self.request_id}: {self.to_start:%d.%m.%Y %H:%M}"


class Assignment(TimeStampedModel):
    """The work on a request by one social worker or volunteer (FHIR Task)."""

    class Outcome(models.TextChoices):
        PENDING = "", _("not finished")
        DONE = "done", _("done")
        FAILED = "failed", _("could not be done")
        WITHDRAWN = "withdrawn", _("withdrawn")

    request = models.ForeignKey(
        HelpRequest, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("help request")
    )
    # No index of its own: the two below begin with it. With it, SQLite (which plans without statistics)
    # read every assignment a worker ever had to find today's.
    worker = models.ForeignKey(
        Worker, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("worker"), db_index=False
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assigned by")
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True, default="")
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    money_spent = models.DecimalField(_("money spent, ₽"), max_digits=9, decimal_places=2, null=True, blank=True)
    receipt = models.FileField(
        _("receipt"),
        upload_to="receipts/%Y/%m/",
        blank=True,
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "heic", "webp", "pdf"])],
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [
            # A worker's load today and busy windows: the live assignments and those finished today.
            models.Index(fields=["worker"], name="assignment_worker_live", condition=Q(outcome="")),
            models.Index(fields=["worker", "finished_at"], name="assignment_worker_finished"),
        ]
        constraints = [
            # At most one live assignment per request: the database settles a race between dispatchers.
            models.UniqueConstraint(fields=["request"], condition=Q(outcome=""), name="one_live_assignment"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} → {self.worker}"
