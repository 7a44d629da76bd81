"""Read queries of dispatch: the TCSO's queue, its live counts, and who should do a request."""

import datetime
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance import workflow
from assistance.models import Assignment, HelpRequest, Status
from assistance.rules import citywide_request_roles, related_request_roles
from core.permissions import is_dispatcher, own_organisation_id
from core.roles import Role
from core.validators import MAX_ID
from directory.models import District, Organisation, Worker
from people.selectors import visible_people


def own_tcso(user: User) -> Organisation | None:
    worker = getattr(user, "worker", None)
    if worker is None or worker.organisation is None or worker.organisation.kind != Organisation.Kind.TCSO:
        return None
    return worker.organisation


def all_requests() -> QuerySet[HelpRequest]:
    """Every request, its TCSO named among all organisations: what a city-wide view starts from.

    The indexes of open requests and of a TCSO's period begin with the TCSO, so named this way the
    database seeks them TCSO by TCSO. Given the statuses alone (bound parameters, which keep SQLite from the
    partial ``request_open`` index) SQLite walked all 4 million requests in due order for the supervisor's
    queue (15 s) and read the whole queue index for the open counts."""
    return HelpRequest.objects.filter(tcso_id__in=list(Organisation.objects.values_list("pk", flat=True)))


def queue_scope(user: User) -> QuerySet[HelpRequest]:
    """Requests a dispatcher works on (their TCSO's); supervisors see every TCSO."""
    if user.has_perm("assistance.view_all_queues"):
        return all_requests()
    tcso = own_tcso(user)
    return HelpRequest.objects.filter(tcso=tcso) if tcso else HelpRequest.objects.none()


@dataclass
class QueueFilters:
    status: str = "open"  # "open", "all" or a Status value
    service_type: int | None = None
    urgency: str = ""
    overdue: bool = False
    district: int | None = None
    tcso: int | None = None


# The queue's columns a dispatcher may sort by, and what each sorts on (the request number breaks ties).
SORTS: dict[str, tuple[str, ...]] = {
    "number": ("pk",),
    "due": ("due_at",),
    "service": ("service_type__name",),
    "citizen": ("person__surname", "person__given_name"),
    "district": ("person__district__name",),
    "status": ("status",),
    "assignee": ("assignee_name",),
    "window": ("window_start",),
}


def clean_sort(value: str | None) -> str:
    """A sort the queue knows ("due", "-due", …); anything else sorts by due time."""
    value = value or ""
    return value if value.lstrip("-") in SORTS else "due"


def queue(scope: QuerySet[HelpRequest], filters: QueueFilters, sort: str = "due") -> QuerySet[HelpRequest]:
    """The queue's rows, each with the name of the worker who holds it now (``assignee_name``, or None)."""
    live = Assignment.objects.filter(request=OuterRef("pk"), outcome="").annotate(
        name=Concat("worker__surname", Value(" "), "worker__given_name")
    )
    requests = scope.select_related("person__district", "service_type", "tcso").annotate(
        assignee_name=Subquery(live.values("name")[:1])
    )
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
    sort = clean_sort(sort)
    descending = sort.startswith("-")
    fields = SORTS[sort.lstrip("-")]
    # Empty cells (no worker, no window) last either way, the same on SQLite and PostgreSQL.
    order: list[Any] = [F(f).desc(nulls_last=True) if descending else F(f).asc(nulls_last=True) for f in fields]
    if sort.lstrip("-") != "due":
        order.append("due_at")
    return requests.order_by(*order, "pk")


QUEUE_PAGE_SIZE = 50


def queue_page(requests: QuerySet[HelpRequest], number: Any) -> Page:
    """One page of the queue: the page's request numbers first, sorted and counted on the request table
    alone (with the joins only a filter or the sort needs), then those 50 rows with their citizen,
    district, service and TCSO. Joining first made PostgreSQL join every open request of the TCSO to the
    citizens table to show 50 of them."""
    page = Paginator(requests.values_list("pk", flat=True), QUEUE_PAGE_SIZE).get_page(number)
    keys = list(page.object_list)
    rows = {r.pk: r for r in requests.order_by().filter(pk__in=keys)}
    shown: list[Any] = [rows[pk] for pk in keys if pk in rows]
    page.object_list = shown
    return page


def queue_counts(scope: QuerySet[HelpRequest]) -> dict[str, int]:
    """Open requests by status and how many are overdue now: one query, over the open requests only (the
    queue's index holds TCSO, status and due time), not every request the TCSO ever had."""
    now = timezone.now()
    aggregates: dict[str, Any] = {s: Count("due_at", filter=Q(status=s)) for s in workflow.OPEN}
    aggregates["overdue"] = Count("due_at", filter=Q(due_at__lt=now))
    return scope.filter(status__in=workflow.OPEN).aggregate(**aggregates)


def queue_districts(scope: QuerySet[HelpRequest], tcso: Organisation | None) -> QuerySet[District]:
    """The districts the queue's filter offers: those the TCSO serves and those of its open requests'
    citizens (a request handed over from elsewhere); for the whole city, every district. Never read from
    every request the TCSO ever had: closed ones were most of the time of the page at city scale."""
    if tcso is None:
        return District.objects.order_by("name")
    served = set(tcso.districts.values_list("pk", flat=True))
    open_here = set(
        scope.filter(status__in=workflow.OPEN).order_by().values_list("person__district_id", flat=True).distinct()
    )
    return District.objects.filter(pk__in=served | {pk for pk in open_here if pk is not None}).order_by("name")


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
    # Two counts, each through its own index, rather than one OR that read every assignment the workers
    # ever had (thousands each in a city of millions of requests).
    live = Assignment.objects.filter(worker__in=workers, outcome="")
    finished = Assignment.objects.filter(worker__in=workers, finished_at__gte=start).exclude(
        outcome__in=["", Assignment.Outcome.WITHDRAWN]
    )
    loads: dict[int, int] = {}
    for query in (live, finished):
        for worker_id, n in query.values("worker_id").annotate(n=Count("*")).values_list("worker_id", "n"):
            loads[worker_id] = loads.get(worker_id, 0) + n
    return loads


Window = tuple[datetime.datetime, datetime.datetime]

# What a worker loses in the ranking of a request he could not do before: it outweighs serving the
# district or being free in the time window, not a missing required skill (10).
FAILED_BEFORE_PENALTY = 5


def failed_before(request_ids: Iterable[int]) -> dict[int, set[int]]:
    """Who could not do each request before: request id → the ids of the workers whose assignment on it
    ended "could not be done", whether he handed it back to the dispatcher or it was closed so. One query
    however many requests (``request_ids`` may be a ``values_list`` query, read as a subquery)."""
    rows = Assignment.objects.filter(request__in=request_ids, outcome=Assignment.Outcome.FAILED).values_list(
        "request_id", "worker_id"
    )
    failed: dict[int, set[int]] = {}
    for request_id, worker_id in rows:
        failed.setdefault(request_id, set()).add(worker_id)
    return failed


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


def _visit_hours() -> tuple[datetime.time, datetime.time]:
    """The hours field workers visit citizens in (setting ``OPORA_VISIT_HOURS``, "08:00-21:00")."""
    start, end = getattr(settings, "OPORA_VISIT_HOURS", "08:00-21:00").split("-")
    return datetime.time.fromisoformat(start), datetime.time.fromisoformat(end)


def outside_visit_hours(start: datetime.datetime, end: datetime.datetime) -> bool:
    """Whether the time window has no moment within visit hours on any day it spans (local time)."""
    opens, closes = _visit_hours()
    start, end = timezone.localtime(start), timezone.localtime(end)
    day = start.date()
    while day <= end.date():
        day_opens = timezone.make_aware(datetime.datetime.combine(day, opens))
        day_closes = timezone.make_aware(datetime.datetime.combine(day, closes))
        if start < day_closes and day_opens < end:
            return False
        day += datetime.timedelta(days=1)
    return True


def night_window(help_request: HelpRequest) -> bool:
    """A time window wholly outside visit hours that the citizen did not ask for as such: no worker is
    sent then without a person agreeing it."""
    start, end = help_request.window_start, help_request.window_end
    if start is None or end is None or help_request.night_visit:
        return False
    return outside_visit_hours(start, end)


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
    failed: Collection[int] = (),
) -> list[Suggestion]:
    """Workers ordered for this request: skills, spare capacity, same district, free in its time window,
    fewer tasks today, and not one who could not do it before (``failed``: their ids, ``failed_before``).

    A missing required skill weighs more than any other reason, so a worker without a car is never
    proposed for firewood while someone with one is free. A worker who could not do the request comes
    after the others who can take it, unless they lack much more; he is still proposed, saying so.
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
        if worker.pk in failed:
            score -= FAILED_BEFORE_PENALTY
            reasons.append("failed_before")
        capacity_left = worker.daily_capacity - load
        score -= load
        suggestions.append(Suggestion(worker, score, load, capacity_left, reasons))
    suggestions.sort(key=lambda s: (not s.has_capacity, -s.score, s.load_today, s.worker.pk))
    return suggestions


def suggestions_for(help_request: HelpRequest, limit: int = 5) -> list[Suggestion]:
    workers = field_workers(help_request.tcso_id)
    failed = failed_before([help_request.pk]).get(help_request.pk, set())
    return rank(help_request, workers, loads_today(workers), busy_windows(workers), failed)[:limit]


def _request_scope(user: User) -> tuple[str, int | None]:
    """How the "assistance.view_request" rule (assistance/rules.py) scopes ``user``'s requests, the one
    place both ``visible_requests`` and ``visible_tcso_ids`` read: ("city", None) for a city-wide role,
    ("tcso", id) for a dispatcher with a TCSO, ("related", None) for a role that sees the requests of the
    citizens whose cards it may open, ("none", None) for everyone else."""
    if citywide_request_roles.test(user):
        return "city", None
    own = own_organisation_id(user)
    if is_dispatcher.test(user) and own is not None:
        return "tcso", own
    if related_request_roles.test(user):
        return "related", None
    return "none", None


def visible_requests(user: User) -> QuerySet[HelpRequest]:
    """The "assistance.view_request" rule as a query: city-wide roles see all, a dispatcher his TCSO's, a
    coordinator or personal assistant those of the citizens whose cards they may open, everyone else none
    (field workers see their tasks on their own page)."""
    match _request_scope(user):
        case "city", _:
            return all_requests()
        case "tcso", int(own):
            return HelpRequest.objects.filter(tcso_id=own)
        case "related", _:
            return HelpRequest.objects.filter(person__in=visible_people(user))
    return HelpRequest.objects.none()


def visible_tcso_ids(user: User) -> list[int] | None:
    """The TCSOs whose every request ``user`` sees, when that is how ``visible_requests`` scopes him: every
    TCSO for a city-wide role, his own for a dispatcher, none for a role that sees none; None for a role
    that sees requests citizen by citizen (what whole-TCSO tallies cannot count)."""
    match _request_scope(user):
        case "city", _:
            return list(Organisation.objects.values_list("pk", flat=True))  # as all_requests() names them
        case "tcso", int(own):
            return [own]
        case "related", _:
            return None
    return []


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
