"""Interactions with citizens: calls, visits and messages (FHIR Communication / Encounter)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance.models import HelpRequest
from core.models import VersionedModel
from people.models import ContactPerson, Person


class Direction(models.TextChoices):
    INBOUND = "inbound", _("inbound")
    OUTBOUND = "outbound", _("outbound")


class Medium(models.TextChoices):
    """How we were in touch: by phone, face to face, in writing (the journal's origin and the outbox's
    channel are other things)."""

    PHONE = "phone", _("phone")
    VISIT = "visit", _("visit")
    MESSAGE = "message", _("message")


class Outcome(models.TextChoices):
    PENDING = "", _("not recorded yet")
    REQUEST_CREATED = "request_created", _("request created")
    INFORMATION_ONLY = "information_only", _("information only")
    COMPLAINT = "complaint", _("complaint")
    WRONG_NUMBER = "wrong_number", _("wrong number")
    CALLBACK_NEEDED = "callback_needed", _("call back needed")


class Interaction(VersionedModel):
    """One call, visit or message. ``person`` is empty for a wrong number or an anonymous caller.

    ``version`` counts what people record (citizen, outcome, note, requests), so that of two people
    recording the same call the second is told instead of overwriting the first; the telephony's events
    (answered, ended, duration) do not count, so that a hang-up while the operator types is no conflict.
    """

    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interactions",
        verbose_name=_("citizen"),
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True, help_text=_("the caller's number, E.164"))
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.INBOUND)
    # The column keeps its first name, "channel".
    medium = models.CharField(
        _("medium"), max_length=10, choices=Medium.choices, default=Medium.PHONE, db_column="channel"
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("operator"),
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration, seconds"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True, default="")
    note = models.TextField(_("note"), blank=True)
    requests = models.ManyToManyField(
        HelpRequest, blank=True, related_name="interactions", verbose_name=_("help requests")
    )
    cti_call_id = models.CharField(_("telephony call ID"), max_length=100, null=True, blank=True, unique=True)
    # A relative (or another contact person of the citizen) who called on the citizen's behalf.
    caller_contact = models.ForeignKey(
        ContactPerson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("called on the citizen's behalf by"),
    )
    # "Needs a callback": when to call back, and when somebody did.
    callback_due_at = models.DateTimeField(_("call back by"), null=True, blank=True)
    called_back_at = models.DateTimeField(_("called back"), null=True, blank=True)
    called_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("called back by"),
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(fields=["person", "-started_at"], name="interaction_person_recent"),
            # The call figures of a period, counted from the index alone.
            models.Index(fields=["started_at", "medium", "direction", "outcome"], name="interaction_period"),
            # The operators' list of callbacks to make: those not made yet, soonest first.
            models.Index(
                fields=["callback_due_at"],
                name="interaction_callbacks_due",
                condition=Q(callback_due_at__isnull=False, called_back_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="interaction_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(callback_due_at__isnull=True) | Q(outcome="callback_needed"),
                name="interaction_callback_only_when_needed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_medium_display()} {timezone.localtime(self.started_at):%d.%m.%Y %H:%M}"


class CallTally(models.Model):
    """How many calls and other contacts began on each Moscow day, by medium, direction and outcome now
    (core/tallies.py); kept by the services (intake/tallies.py) in the transaction of each record, so that
    the dashboard counts a period's calls (the city's million in 45 days) by its days."""

    day = models.DateField(_("day"))
    medium = models.CharField(_("medium"), max_length=10, choices=Medium.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    n = models.IntegerField(_("calls"), default=0)

    class Meta:
        verbose_name = _("calls per day")
        verbose_name_plural = _("calls per day")
        constraints = [
            models.UniqueConstraint(fields=["day", "medium", "direction", "outcome"], name="call_tally_key"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d.%m.%Y}: {self.n}"
