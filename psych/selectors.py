"""Read queries of the psychological service: what a user may see of consultations, one centre's walk-in
queue, the psychologist's day."""

import datetime
import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from cases.models import FINISHED_STEP_STATUSES, Case, CrisisAlert, Responsible, RouteStep
from cases.selectors import open_crises
from core.permissions import is_supervisor, own_organisation_id, require
from core.validators import MAX_ID
from psych.models import Consultation, FollowUp, GroupSession
from psych.rules import citywide_supervisor, is_coordinator, is_psychologist

Status = Consultation.Status
# When a consultation is, for lists and periods: when it started, else when it is booked for, else when the
# client came to the queue, else when it was registered.
WHEN = Coalesce("started_at", "scheduled_at", "queued_at", "created_at")


def visible_consultations(user: Any) -> QuerySet[Consultation]:
    """The ``psych.view_consultation`` rule as a query (metadata: no list shows a note)."""
    consultations = Consultation.objects.all()
    own = own_organisation_id(user)
    if is_supervisor.test(user) and citywide_supervisor.test(user):
        return consultations
    condition = Q(pk__in=[])
    if own is not None and (is_psychologist.test(user) or is_supervisor.test(user)):
        condition |= Q(organisation_id=own)
    if own is not None and is_coordinator.test(user):
        condition |= Q(place_id=own) | Q(organisation_id=own)
    return consultations.filter(condition)


def get_visible_consultation(user: Any, pk: int, *, perm: str = "psych.view_consultation") -> Consultation:
    """403 for a role that never may, 404 for a consultation that is missing or not this user's to see."""
    require(user, perm)
    consultation = (
        Consultation.objects.select_related(
            "person__district", "relative", "organisation", "place", "psychologist", "topic__parent", "route_step__case"
        )
        .filter(pk=pk)
        .first()
        if 0 < pk <= MAX_ID
        else None
    )
    if consultation is None or not user.has_perm(perm, consultation):
        raise Http404
    return consultation


def waiting_queue(service_id: int, place_id: int) -> list[Consultation]:
    """Today's walk-in queue at a centre: those waiting (longest first) and those called in."""
    return list(
        Consultation.objects.filter(
            organisation_id=service_id, place_id=place_id, status__in=[Status.WAITING, Status.CALLED]
        )
        .select_related("person", "relative", "psychologist")
        .order_by("queued_at", "pk")
    )


def median_wait_minutes(consultations: QuerySet[Consultation]) -> float | None:
    """Median minutes from arrival to being called in, of walk-ins who were called in."""
    waits = [
        (called - queued).total_seconds() / 60
        for queued, called in consultations.filter(
            mode=Consultation.Mode.WALK_IN, queued_at__isnull=False, called_at__isnull=False
        ).values_list("queued_at", "called_at")
        if queued is not None and called is not None
    ]
    return round(statistics.median(waits), 1) if waits else None


@dataclass
class Day:
    """The psychologist's day: what the worklist shows."""

    consultations: list[Consultation] = field(default_factory=list)
    upcoming: list[Consultation] = field(default_factory=list)
    in_progress: list[Consultation] = field(default_factory=list)
    waiting: int = 0
    longest_wait: int | None = None
    sessions: list[GroupSession] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    crises: list[CrisisAlert] = field(default_factory=list)
    notes_to_write: list[Consultation] = field(default_factory=list)
    requests: list[RouteStep] = field(default_factory=list)


def day_of(user: Any, today: datetime.date | None = None) -> Day:
    now = timezone.now()
    today = today or timezone.localdate()
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(today, datetime.time.min, tzinfo=zone)
    end = start + datetime.timedelta(days=1)
    own = own_organisation_id(user)
    mine = Consultation.objects.filter(psychologist=user).select_related("person", "relative", "place", "topic")
    day = Day()
    day.consultations = list(
        mine.filter(status=Status.BOOKED, scheduled_at__gte=start, scheduled_at__lt=end).order_by("scheduled_at")
    )
    day.upcoming = list(
        mine.filter(
            status=Status.BOOKED, scheduled_at__gte=end, scheduled_at__lt=end + datetime.timedelta(days=7)
        ).order_by("scheduled_at")[:50]
    )
    day.in_progress = list(mine.filter(status__in=[Status.CALLED, Status.IN_PROGRESS]).order_by("called_at", "pk"))
    if own is not None:
        waiting = Consultation.objects.filter(organisation_id=own, status=Status.WAITING)
        day.waiting = waiting.count()
        oldest = waiting.order_by("queued_at").values_list("queued_at", flat=True).first()
        day.longest_wait = int((now - oldest).total_seconds() // 60) if oldest else None
    day.sessions = list(
        GroupSession.objects.filter(group__facilitator=user, starts_at__gte=start, starts_at__lt=end, cancelled=False)
        .select_related("group__place")
        .order_by("starts_at")
    )
    day.follow_ups = list(
        FollowUp.objects.filter(assigned_to=user, done_at__isnull=True, due_at__lt=end)
        .select_related("call__line", "consultation")
        .order_by("due_at")
    )
    day.crises = open_crises(user)
    if own is not None:
        day.requests = consultation_requests(own)
    # Held in the last 24 hours, by this psychologist, with no note yet: the note can still be written.
    day.notes_to_write = list(
        mine.filter(status=Status.DONE, ended_at__gte=now - datetime.timedelta(hours=24), note__isnull=True).order_by(
            "-ended_at"
        )
    )
    return day


def consultation_requests(service_id: int, limit: int = 100) -> list[RouteStep]:
    """Consultations other programmes asked of the service (a route step addressed to it), not yet done and
    with no consultation booked or waiting for them, the earliest due first."""
    booked = Consultation.objects.filter(
        route_step=OuterRef("pk"), status__in=[Status.BOOKED, Status.WAITING, Status.CALLED, Status.IN_PROGRESS]
    )
    return list(
        RouteStep.objects.filter(
            addressed_to_id=service_id, responsible=Responsible.PSYCHOLOGIST, case__status=Case.Status.OPEN
        )
        .exclude(status__in=FINISHED_STEP_STATUSES)
        .exclude(Exists(booked))
        .select_related("case__person", "case__organisation", "case__programme", "created_by")
        .order_by("due_on", "pk")[:limit]
    )
