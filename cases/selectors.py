"""Read queries of cases: what a user may see, the worklist, one case."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cases.models import (
    DUE_SOON_DAYS,
    FINISHED_STEP_STATUSES,
    LIVE_HANDOFF_STATUSES,
    PROGRAMME_HOSPITAL,
    Case,
    CrisisAlert,
    Handoff,
)
from cases.rules import case_supervisor, citywide_supervisor, hospital_coordinator, is_coordinator
from core.permissions import is_dispatcher, own_organisation_id, require
from core.validators import MAX_ID
from people.models import Consent


def visible_cases(user: Any) -> QuerySet[Case]:
    """The ``cases.view_case`` rule as a query, so that lists never show a case its page would refuse."""
    # The pages, lists and figures of this app are hospital coordination's; other programmes (oncology
    # navigation) keep their cases, with their own extension, behind their own pages.
    cases = Case.objects.filter(programme__code=PROGRAMME_HOSPITAL)
    if case_supervisor.test(user) and citywide_supervisor.test(user):
        return cases
    if hospital_coordinator.test(user) or case_supervisor.test(user):
        own = own_organisation_id(user)
        return cases.filter(organisation_id=own) if own is not None else cases.none()
    return cases.none()


def get_visible_case(user: Any, pk: int, *, perm: str = "cases.view_case") -> Case:
    """Load a case for ``user``: 403 for a role that never may, 404 for a missing case or someone else's."""
    require(user, perm)
    case = (
        Case.objects.select_related("person__district", "organisation", "coordinator", "programme", "stay")
        .filter(pk=pk, programme__code=PROGRAMME_HOSPITAL)
        .first()
        if 0 < pk <= MAX_ID
        else None
    )
    if case is None or not user.has_perm(perm, case):
        raise Http404
    return case


def open_steps() -> Q:
    return ~Q(status__in=FINISHED_STEP_STATUSES)


@dataclass
class WorklistRow:
    case: Case
    overdue: int
    due_soon: int
    next_due: datetime.date | None
    open_steps: int


@dataclass
class Worklist:
    rows: list[WorklistRow] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(row.overdue for row in self.rows)

    @property
    def due_soon(self) -> int:
        return sum(row.due_soon for row in self.rows)


def worklist(user: Any, *, mine_only: bool = True, today: datetime.date | None = None) -> Worklist:
    """Open cases the user may see (their own, or all of the hospital), crises first, then by overdue
    steps and the nearest due date. Overdue and due-soon are derived here, never stored."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    unfinished = open_steps()
    cases = visible_cases(user).filter(status=Case.Status.OPEN)
    if mine_only:
        cases = cases.filter(coordinator=user)
    cases = cases.select_related("person__district", "stay", "coordinator", "organisation").annotate(
        has_open_crisis=Exists(CrisisAlert.objects.filter(case=OuterRef("pk"), ended_at__isnull=True)),
        n_overdue=Count("steps", filter=unfinished & Q(steps__due_on__lt=today)),
        n_soon=Count("steps", filter=unfinished & Q(steps__due_on__gte=today, steps__due_on__lte=soon)),
        n_open=Count("steps", filter=unfinished),
        next_due=Min("steps__due_on", filter=unfinished),
    )
    rows = [
        WorklistRow(case=c, overdue=c.n_overdue, due_soon=c.n_soon, next_due=c.next_due, open_steps=c.n_open)
        for c in cases[:500]
    ]
    rows.sort(key=lambda r: (not r.case.in_crisis, -r.overdue, r.next_due or datetime.date.max, r.case.pk))
    return Worklist(rows=rows)


def visible_handoffs(user: Any) -> QuerySet[Handoff]:
    """Hand-offs the user may list: to their TCSO (a dispatcher), from their hospital (a coordinator or
    the hospital's supervisor), all of them (a city supervisor)."""
    handoffs = Handoff.objects.all()
    own = own_organisation_id(user)
    if case_supervisor.test(user) and citywide_supervisor.test(user):
        return handoffs
    if is_dispatcher.test(user):
        return handoffs.filter(tcso_id=own) if own is not None else handoffs.none()
    if is_coordinator.test(user) or case_supervisor.test(user):
        return handoffs.filter(case__organisation_id=own) if own is not None else handoffs.none()
    return handoffs.none()


def handoff_list(user: Any, *, live_only: bool = True) -> list[Handoff]:
    """The hand-offs list: the escalated first, then those waiting longest; the finished of 30 days after."""
    rows = visible_handoffs(user).select_related(
        "case__person__district", "case__organisation", "tcso", "request__service_type", "step", "created_by"
    )
    if live_only:
        rows = rows.filter(status__in=LIVE_HANDOFF_STATUSES)
    else:
        rows = rows.filter(
            Q(status__in=LIVE_HANDOFF_STATUSES) | Q(status_changed_at__gte=timezone.now() - datetime.timedelta(days=30))
        )
    found = list(rows.order_by("created_at", "pk")[:500])
    found.sort(key=lambda h: (h.escalated_at is None, h.status != Handoff.Status.REQUESTED, h.created_at))
    return found


def active_consent(person: Any, scope: str) -> Consent | None:
    """The citizen's consent of ``scope`` in force now (the latest one given), or None."""
    return Consent.objects.filter(person=person, scope=scope, withdrawn_at__isnull=True).order_by("-given_at").first()


# --- crises -----------------------------------------------------------------------------------------


def visible_crises(user: Any) -> QuerySet[CrisisAlert]:
    """Crises on the crisis list of ``user``: a psychologist's or coordinator's hospital, a hospital
    supervisor's hospital, every hospital for a city supervisor; nothing for anyone else."""
    alerts = CrisisAlert.objects.all()
    if not user.has_perm("cases.view_crises"):
        return alerts.none()
    if case_supervisor.test(user) and citywide_supervisor.test(user):
        return alerts
    own = own_organisation_id(user)
    return alerts.filter(case__organisation_id=own) if own is not None else alerts.none()


def open_crises(user: Any) -> list[CrisisAlert]:
    """The open crises ``user`` may see, unanswered first, the longest waiting first."""
    alerts = (
        visible_crises(user)
        .filter(ended_at__isnull=True)
        .select_related(
            "case__person", "case__organisation", "case__stay", "case__coordinator__worker", "raised_by", "answered_by"
        )
        .order_by("raised_at", "pk")
    )
    return sorted(alerts[:500], key=lambda alert: alert.answered_at is not None)


def unanswered_crises_count(user: Any) -> int:
    return visible_crises(user).filter(ended_at__isnull=True, answered_at__isnull=True).count()


def get_visible_crisis(user: Any, pk: int, *, perm: str) -> CrisisAlert:
    """Load a crisis for an action: 403 for a role that never may, 404 for a missing one or someone else's."""
    require(user, perm)
    alert = (
        CrisisAlert.objects.select_related("case__organisation", "case__stay", "answered_by").filter(pk=pk).first()
        if 0 < pk <= MAX_ID
        else None
    )
    if alert is None or not user.has_perm(perm, alert):
        raise Http404
    return alert
