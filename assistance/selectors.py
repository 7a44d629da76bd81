"""Read queries of dispatch: the TCSO's queue, its live counts, and who should do a request."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance import workflow
from assistance.models import Assignment, HelpRequest, Status
from assistance.rules import citywide_request_roles, related_request_roles
from core.permissions import is_dispatcher, own_organisation_id
from core.roles import Role
from core.validators import MAX_ID
from directory.models import Organisation, Worker
from people.selectors import visible_people


def own_tcso(user: User) -> Organisation | None:
    worker = getattr(user, "worker", None)
    if worker is None or worker.organisation is None or worker.organisation.kind != Organisation.Kind.TCSO:
        return None
    return worker.organisation


def queue_scope(user: User) -> QuerySet[HelpRequest]:
    """Requests a dispatcher works on (their TCSO's); supervisors see every TCSO."""
    requests = HelpRequest.objects.all()
    if user.has_perm("assistance.view_all_queues"):
        return requests
    tcso = own_tcso(user)
    return requests.filter(tcso=tcso) if tcso else requests.none()


@dataclass
class QueueFilters:
    status: str = "open"  # "open", "all" or a Status value
    service_type: int | None = None
    urgency: str = ""
    overdue: bool = False
    district: int | None = None
    tcso: int | None = None


def queue(scope: QuerySet[HelpRequest], filters: QueueFilters) -> QuerySet[HelpRequest]:
    requests = scope.select_related("person__district", "service_type", "tcso")
    if filters.status == "open":
        requests = requests.filter(status__in=workflow.OPEN)
    elif filters.status in Status.values:
        requests = requests.filter(status=filters.status)
    if filters.service_type:
        requests = requests.filter(service_type_id=filters.service_type)
    if filters.urgency:
        requests = requests.filter(urgency=filters.urgency)
    if filters.overdue:
        requests = requests.filter(status__in=workflow.OPEN, due_at__lt=timezone.now())
    if filters.district:
        requests = requests.filter(person__district_id=filters.district)
    if filters.tcso:
        requests = requests.filter(tcso_id=filters.tcso)
    return requests.order_by("due_at", "pk")


def queue_counts(scope: QuerySet[HelpRequest]) -> dict[str, int]:
    """Open requests by status and how many are overdue now: one query."""
    now = timezone.now()
    aggregates: dict[str, Any] = {s: Count("pk", filter=Q(status=s)) for s in workflow.OPEN}
    aggregates["overdue"] = Count("pk", filter=Q(status__in=workflow.OPEN, due_at__lt=now))
    return scope.aggregate(**aggregates)


@dataclass
class Suggestion:
    worker: Worker
    score: int
    load_today: int
    capacity_left: int
    reasons: list[str] = field(default_factory=list)

    @property
    def has_capacity(self) -> bool:
        return self.capacity_left > 0


def loads_today(workers: list[Worker]) -> dict[int, int]:
    """Live assignments plus those finished today, per worker: what counts against the daily capacity."""
    today = timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    rows = (
        Assignment.objects.filter(worker__in=workers)
        .filter(Q(outcome="") | Q(finished_at__gte=start))
        .exclude(outcome=Assignment.Outcome.WITHDRAWN)
        .values("worker_id")
        .annotate(n=Count("pk"))
    )
    return {row["worker_id"]: row["n"] for row in rows}


Window = tuple[datetime.datetime, datetime.datetime]


def busy_windows(workers: list[Worker]) -> dict[int, list[Window]]:
    """The time windows of each worker's live assignments."""
    busy: dict[int, list[Window]] = {}
    rows = Assignment.objects.filter(
        worker__in=workers, outcome="", request__window_start__isnull=False, request__window_end__isnull=False
    ).values_list("worker_id", "request__window_start", "request__window_end")
    for worker_id, start, end in rows:
        if start is not None and end is not None:
            busy.setdefault(worker_id, []).append((start, end))
    return busy


def field_workers(tcso_id: int) -> list[Worker]:
    return list(
        Worker.objects.filter(
            organisation_id=tcso_id,
            is_active=True,
            user__is_active=True,
            user__groups__name__in=[Role.SOCIAL_WORKER, Role.VOLUNTEER],
        )
        .distinct()
        .prefetch_related("skills", "districts")
    )


def rank(
    help_request: HelpRequest,
    workers: list[Worker],
    loads: dict[int, int],
    busy: dict[int, list[Window]] | None = None,
) -> list[Suggestion]:
    """Workers ordered for this request: skills, spare capacity, same district, free in its time window,
    fewer tasks today.

    A missing required skill weighs more than any other reason, so a worker without a car is never
    proposed for firewood while someone with one is free.
    """
    required = {s.pk for s in help_request.service_type.required_skills.all()}
    district_id = help_request.person.district_id
    suggestions = []
    for worker in workers:
        skills = {s.pk for s in worker.skills.all()}
        load = loads.get(worker.pk, 0)
        score, reasons = 0, []
        matched, missing = len(required & skills), len(required - skills)
        score += 3 * matched - 10 * missing
        if matched:
            reasons.append("skills")
        if district_id and any(d.pk == district_id for d in worker.districts.all()):
            score += 2
            reasons.append("district")
        start, end = help_request.window_start, help_request.window_end
        if start and end and busy is not None:
            if any(s < end and start < e for s, e in busy.get(worker.pk, [])):
                score -= 2
            else:
                score += 1
                reasons.append("window")
        capacity_left = worker.daily_capacity - load
        score -= load
        suggestions.append(Suggestion(worker, score, load, capacity_left, reasons))
    suggestions.sort(key=lambda s: (not s.has_capacity, -s.score, s.load_today, s.worker.pk))
    return suggestions


def suggestions_for(help_request: HelpRequest, limit: int = 5) -> list[Suggestion]:
    workers = field_workers(help_request.tcso_id)
    return rank(help_request, workers, loads_today(workers), busy_windows(workers))[:limit]


def visible_requests(user: User) -> QuerySet[HelpRequest]:
    """The "assistance.view_request" rule (assistance/rules.py) as a query: city-wide roles see all, a
    dispatcher his TCSO's, a coordinator or personal assistant those of the citizens whose cards they may
    open, everyone else none (field workers see their tasks on their own page)."""
    if citywide_request_roles.test(user):
        return HelpRequest.objects.all()
    own = own_organisation_id(user)
    if is_dispatcher.test(user) and own is not None:
        return HelpRequest.objects.filter(tcso_id=own)
    if related_request_roles.test(user):
        return HelpRequest.objects.filter(person__in=visible_people(user))
    return HelpRequest.objects.none()


def get_visible_request(user: User, pk: int, *, perms: tuple[str, ...] = ("assistance.view_request",)) -> HelpRequest:
    """Load a help request for ``user``, or answer 404 — the same for a request that does not exist and
    for one the user may not see. ``perms``: any one of them admits the user.

    A role that may never hold any of ``perms`` gets 403 (PermissionDenied) before any look-up.
    """
    if not any(user.has_perm(perm) for perm in perms):
        raise PermissionDenied(_("You do not have permission to do this."))
    help_request = (
        HelpRequest.objects.select_related("person__district", "service_type", "tcso", "created_by")
        .filter(pk=pk)
        .first()
        if 0 < pk <= MAX_ID
        else None
    )
    if help_request is None or not any(user.has_perm(perm, help_request) for perm in perms):
        raise Http404
    return help_request
