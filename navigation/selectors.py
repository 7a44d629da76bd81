"""Read queries of navigation: what a user may see, one referral or journey, the assistant's patients."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from core.permissions import is_supervisor, require
from core.roles import Role
from core.validators import MAX_ID
from navigation.journeys import Delay, delay_of
from navigation.models import Appointment, AssistantCapacity, CallTask, Journey, JourneyStep, Referral, Stage
from navigation.rules import is_navigator


def visible_journeys(user: Any) -> QuerySet[Journey]:
    """The ``navigation.view_journey`` rule as a query."""
    journeys = Journey.objects.select_related("case__person__district", "case__organisation", "assistant")
    if is_supervisor.test(user):
        return journeys
    if is_navigator.test(user):
        return journeys.filter(assistant=user)
    return journeys.none()


def visible_referrals(user: Any) -> QuerySet[Referral]:
    """Referrals a user may see: a supervisor all; an assistant those they registered or whose patient they assist."""
    referrals = Referral.objects.select_related("person", "polyclinic", "diagnosis", "case__journey")
    if is_supervisor.test(user):
        return referrals
    if is_navigator.test(user):
        return referrals.filter(Q(created_by=user) | Q(case__journey__assistant=user))
    return referrals.none()


def get_visible_journey(user: Any, pk: int) -> Journey:
    require(user, "navigation.view_journey")
    journey = visible_journeys(user).filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if journey is None:
        raise Http404
    return journey


def get_visible_referral(user: Any, pk: int) -> Referral:
    require(user, "navigation.register_referral")
    referral = visible_referrals(user).filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if referral is None:
        raise Http404
    return referral


def my_patients(user: Any) -> list[Journey]:
    return list(visible_journeys(user).filter(assistant=user).exclude(stage=Stage.CLOSED).order_by("stage_since")[:500])


def pending_answers(user: Any) -> list[Referral]:
    found = visible_referrals(user).filter(consent=Referral.Consent.PENDING)
    if not is_supervisor.test(user):
        found = found.filter(created_by=user)
    return list(found.order_by("referred_on", "pk")[:200])


# --- the assistant's day (issue 14, §4) -------------------------------------------------------------------


@dataclass
class LateStep:
    step: JourneyStep
    delay: Delay


@dataclass
class Worklist:
    """What the assistant has to do today: calls due (reminders by call, follow-ups of missed visits, new
    patients to welcome), steps overdue with by how much and why, and the patients' appointments today."""

    calls: list[CallTask] = field(default_factory=list)
    late: list[LateStep] = field(default_factory=list)
    today: list[Appointment] = field(default_factory=list)
    to_record: list[Appointment] = field(default_factory=list)


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())
    return start, start + datetime.timedelta(days=1)


def worklist(user: Any, today: datetime.date | None = None, limit: int = 200) -> Worklist:
    today = today or timezone.localdate()
    start, end = _day_bounds(today)
    calls = (
        CallTask.objects.filter(assigned_to=user, done_at__isnull=True, due_at__lt=end)
        .select_related("journey__case__person", "appointment__booking__slot__resource__organisation")
        .order_by("due_at", "pk")
    )
    steps = (
        JourneyStep.objects.filter(journey__assistant=user, status=JourneyStep.Status.OPEN, due_on__lt=today)
        .exclude(journey__stage=Stage.CLOSED)
        .select_related("journey__case__person")
        .order_by("due_on", "pk")
    )
    mine = Appointment.objects.filter(journey__assistant=user).select_related(
        "journey__case__person", "booking__slot__resource__organisation"
    )
    return Worklist(
        calls=list(calls[:limit]),
        late=[LateStep(step, delay) for step in steps[:limit] if (delay := delay_of(step, today)) is not None],
        today=list(
            mine.filter(booking__slot__starts_at__gte=start, booking__slot__starts_at__lt=end).order_by(
                "booking__slot__starts_at"
            )
        ),
        # Past appointments whose outcome is still to be recorded.
        to_record=list(
            mine.filter(status=Appointment.Status.BOOKED, booking__slot__starts_at__lt=start).order_by(
                "booking__slot__starts_at"
            )[:limit]
        ),
    )


def next_steps(journeys: list[Journey]) -> dict[int, JourneyStep]:
    """For each journey, its open step due first."""
    found: dict[int, JourneyStep] = {}
    steps = JourneyStep.objects.filter(journey__in=journeys, status=JourneyStep.Status.OPEN).order_by("due_on", "pk")
    for step in steps:
        found.setdefault(step.journey_id, step)
    return found


# --- the supervisor's overview ------------------------------------------------------------------------------


@dataclass
class AssistantLoad:
    assistant: Any
    active: int
    capacity: int | None
    accepting: bool
    late: int
    calls_due: int
    polyclinics: list[str]


def assistants_overview(today: datetime.date | None = None) -> list[AssistantLoad]:
    """Every personal assistant: active patients against capacity, steps late, calls due now; a fixed number of
    queries whatever the number of assistants."""
    today = today or timezone.localdate()
    users = list(User.objects.filter(groups__name=Role.NAVIGATOR, is_active=True).order_by("last_name", "first_name"))
    active = dict(
        Journey.objects.exclude(stage=Stage.CLOSED)
        .values("assistant")
        .annotate(n=Count("pk"))
        .values_list("assistant", "n")
    )
    late = dict(
        JourneyStep.objects.filter(status=JourneyStep.Status.OPEN, due_on__lt=today)
        .exclude(journey__stage=Stage.CLOSED)
        .values("journey__assistant")
        .annotate(n=Count("pk"))
        .values_list("journey__assistant", "n")
    )
    calls = dict(
        CallTask.objects.filter(done_at__isnull=True, due_at__lte=timezone.now())
        .values("assigned_to")
        .annotate(n=Count("pk"))
        .values_list("assigned_to", "n")
    )
    capacities = {c.assistant_id: c for c in AssistantCapacity.objects.prefetch_related("polyclinics")}
    return [
        AssistantLoad(
            assistant=user,
            active=active.get(user.pk, 0),
            capacity=capacities[user.pk].capacity if user.pk in capacities else None,
            accepting=capacities[user.pk].is_accepting if user.pk in capacities else False,
            late=late.get(user.pk, 0),
            calls_due=calls.get(user.pk, 0),
            polyclinics=[str(p) for p in capacities[user.pk].polyclinics.all()] if user.pk in capacities else [],
        )
        for user in users
    ]


def late_steps(user: Any, today: datetime.date | None = None, limit: int = 200) -> list[LateStep]:
    """Steps late across the journeys the user sees (a supervisor: the whole programme), the latest first."""
    today = today or timezone.localdate()
    steps = (
        JourneyStep.objects.filter(journey__in=visible_journeys(user), status=JourneyStep.Status.OPEN, due_on__lt=today)
        .exclude(journey__stage=Stage.CLOSED)
        .select_related("journey__case__person", "journey__assistant")
        .order_by("due_on", "pk")[:limit]
    )
    return [LateStep(step, delay) for step in steps if (delay := delay_of(step, today)) is not None]
