"""The city at scale (issue 15 §4): a bulk generator of help requests and calls, and the pages' timings.

Run by bench/city.py in a child process configured for one database.

``build(total)`` tops the database up to ``total`` help requests, made at the reference city's pandemic
rate (370,000 requests in 45 days: 8,222 a day, so 370,000 span 45 days and 4,000,000 span 487), each
with the call it came in on, and about 1.7 more calls without a request for each (1,000,000 calls in those
45 days). The citizens are those of the demo city (``seed_demo --people 20000``): requests go to the TCSO
of the citizen's district, are taken between 08:00 and 21:00 Moscow time, and those older than three days
are closed (89 % done, 7 % could not be done, 4 % cancelled: the published share fulfilled); younger ones
are still open in proportion to their age, at every open status. Each request has its status changes
and, once assigned, the assignment of one of its TCSO's field workers. Rows go in through
demo.bulk.RowInserter (COPY on PostgreSQL), without signals or journal entries: this is load for the
read pages, not a demo.

``measure()`` times, server-side through Django's test client (middleware, views, templates; no network),
what the issue names: the supervisor's city-wide dashboard for 30 days, the dispatcher's queue (the page
and its two live parts), the operator's screen pop for a calling citizen, the citizen's card and the
request page, each against a primary-key read of one request on the same database.
"""

import datetime
import random
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from assistance.models import Assignment, HelpRequest, ServiceType, Status, Transition
from assistance.selectors import field_workers
from core import tallies
from demo.bulk import RowInserter
from directory.models import Organisation
from intake.models import Direction, Interaction, Medium, Outcome
from people.models import Person, PersonPhone

PER_DAY = 370_000 / 45
CALLS_PER_REQUEST = 1_000_000 / 370_000
BATCH = 20_000
# Requests younger than this are open with a probability falling with their age.
OPEN_HOURS = 72
OPEN_MIX = [(Status.NEW, 25), (Status.ACCEPTED, 20), (Status.ASSIGNED, 35), (Status.IN_PROGRESS, 12),
            (Status.RETURNED, 8)]  # fmt: skip
CLOSED_MIX = [(Status.DONE, 89), (Status.FAILED, 7), (Status.CANCELLED, 4)]
SERVICE_WEIGHTS = {"food": 40, "medicines": 30, "household": 12, "pet_walking": 6, "rehab_devices": 6, "firewood": 2}
OTHER_OUTCOMES = [(Outcome.INFORMATION_ONLY, 70), (Outcome.CALLBACK_NEEDED, 0), (Outcome.COMPLAINT, 5),
                  (Outcome.WRONG_NUMBER, 5)]  # fmt: skip
DETAILS = ["Продукты по списку", "Лекарства по рецепту", "Вынести мусор", "Выгулять собаку", "Доставить ходунки"]


def _pick(rng: random.Random, mix: list[tuple[Any, int]]) -> Any:
    return rng.choices([value for value, _ in mix], weights=[weight for _, weight in mix])[0]


def span_days(total: int) -> int:
    return max(1, round(total / PER_DAY))


class City:
    """What the generator draws from: citizens with their TCSO, phone and address; workers per TCSO."""

    def __init__(self) -> None:
        served = {
            district: tcso
            for tcso, district in Organisation.objects.filter(kind=Organisation.Kind.TCSO).values_list(
                "pk", "districts"
            )
            if district is not None
        }
        phones = dict(PersonPhone.objects.values_list("person_id", "number"))
        self.people = [
            (pk, served[district], address, phones.get(pk, ""))
            for pk, district, address in Person.objects.values_list("pk", "district_id", "address")
            if district in served
        ]
        if len(self.people) < 1000:
            raise SystemExit("bench/city: seed the demo city first (seed_demo --people 20000)")
        self.workers = {tcso: [w.pk for w in field_workers(tcso)] for tcso in set(served.values())}
        codes = dict(ServiceType.objects.filter(is_active=True).values_list("code", "pk"))
        self.services = [(codes[c], w) for c, w in SERVICE_WEIGHTS.items() if c in codes] or [
            (pk, 1) for pk in codes.values()
        ]
        self.target_hours = dict(ServiceType.objects.values_list("pk", "target_hours"))
        self.operator = User.objects.get(username="operator").pk
        self.dispatchers = {
            tcso: user
            for user, tcso in User.objects.filter(worker__organisation__kind=Organisation.Kind.TCSO)
            .filter(groups__name="dispatcher")
            .values_list("pk", "worker__organisation_id")
        }


def _moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    """A moment of the call centre's working day (08:00–21:00 Moscow time)."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time(8), tzinfo=zone)
    return start + datetime.timedelta(seconds=rng.randrange(13 * 3600))


def _requests(city: City, count: int, first: datetime.date, days: int, now: datetime.datetime,
              rng: random.Random) -> Iterator[dict[str, Any]]:  # fmt: skip
    """``count`` generated requests, one dict each, over ``days`` days from ``first``."""
    for _ in range(count):
        created = _moment(first + datetime.timedelta(days=rng.randrange(days)), rng)
        if created > now:
            created = now - datetime.timedelta(seconds=rng.randrange(1, 8 * 3600))
        person, tcso, address, phone = rng.choice(city.people)
        service = _pick(rng, city.services)
        urgent = rng.random() < 0.1
        window = None
        if rng.random() < 0.3:
            next_day = timezone.localtime(created).date() + datetime.timedelta(days=1)
            opens = datetime.datetime.combine(next_day, datetime.time(rng.choice([9, 10, 12, 14, 16])),
                                              tzinfo=timezone.get_current_timezone())  # fmt: skip
            window = (opens, opens + datetime.timedelta(hours=3))
        hours = city.target_hours[service]
        due = window[1] if window else created + datetime.timedelta(hours=max(1, hours // 4) if urgent else hours)
        age_hours = (now - created).total_seconds() / 3600
        closed = age_hours >= OPEN_HOURS or rng.random() < age_hours / OPEN_HOURS
        status = _pick(rng, CLOSED_MIX) if closed else _pick(rng, OPEN_MIX)
        yield {
            "created": created, "person": person, "tcso": tcso, "address": address, "phone": phone,
            "service": service, "urgent": urgent, "window": window, "due": due, "status": status,
            "age_hours": age_hours,
        }  # fmt: skip


def _path(req: dict[str, Any], city: City, now: datetime.datetime, rng: random.Random) -> dict[str, Any]:
    """The moments a request moved on, its worker and its close."""
    created, status = req["created"], req["status"]
    budget = min(req["age_hours"], 20 * 24) * 3600  # seconds it may have taken, not beyond now
    accepted = created + datetime.timedelta(seconds=min(budget * 0.05, rng.randrange(60, 1800)))
    assigned = accepted + datetime.timedelta(seconds=min(budget * 0.1, rng.randrange(60, 3 * 3600)))
    started = assigned + datetime.timedelta(seconds=min(budget * 0.3, rng.randrange(600, 12 * 3600)))
    finished = started + datetime.timedelta(seconds=min(budget * 0.5, rng.randrange(900, 6 * 3600)))
    workers = city.workers.get(req["tcso"]) or []
    worker = rng.choice(workers) if workers else None
    path: list[tuple[str, str, datetime.datetime, str]] = [("", Status.NEW, created, "")]
    closed_at = None
    if status == Status.CANCELLED:
        closed_at = accepted
        path.append((Status.NEW, Status.CANCELLED, accepted, "Гражданин отказался"))
    elif status != Status.NEW:
        path.append((Status.NEW, Status.ACCEPTED, accepted, ""))
        if status != Status.ACCEPTED and worker is not None:
            path.append((Status.ACCEPTED, Status.ASSIGNED, assigned, ""))
            if status in (Status.IN_PROGRESS, Status.DONE, Status.FAILED, Status.RETURNED):
                path.append((Status.ASSIGNED, Status.IN_PROGRESS, started, ""))
            if status in (Status.DONE, Status.FAILED, Status.RETURNED):
                reason = "" if status == Status.DONE else "Не застали дома"
                path.append((Status.IN_PROGRESS, status, finished, reason))
                closed_at = finished if status != Status.RETURNED else None
        elif status != Status.ACCEPTED:  # a TCSO without field workers: accepted, never assigned
            status = req["status"] = Status.ACCEPTED
    return {"path": path, "worker": worker, "assigned": assigned, "started": started, "finished": finished,
            "closed_at": closed_at, "changed": path[-1][2], "reason": path[-1][3]}  # fmt: skip


REQUEST_COLUMNS = (
    "person_id", "service_type_id", "tcso_id", "intake_channel", "urgency", "details", "address", "window_start",
    "window_end", "night_visit", "due_at", "status", "status_changed_at", "closed_at", "close_reason",
    "created_by_id", "created_at", "updated_at", "version",
)  # fmt: skip


def _next_id(model: type[Any]) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def build(total: int, seed: int = 15) -> dict[str, Any]:
    """Top the database up to ``total`` help requests (and their calls); says what it made and how fast."""
    have = HelpRequest.objects.count()
    if have >= total:
        return {"requests": have, "made": 0, "seconds": 0.0}
    rng = random.Random(seed + have)
    city = City()
    now = timezone.now()
    days = span_days(total)
    first = timezone.localdate(now) - datetime.timedelta(days=days - 1)
    requests = RowInserter(HelpRequest, REQUEST_COLUMNS)
    transitions = RowInserter(Transition, ("request_id", "from_status", "to_status", "at", "by_id", "reason"))
    assignments = RowInserter(
        Assignment,
        ("request_id", "worker_id", "assigned_by_id", "started_at", "finished_at", "outcome", "reason",
         "created_at", "updated_at"),
    )  # fmt: skip
    calls = RowInserter(
        Interaction,
        ("person_id", "phone", "direction", "medium", "operator_id", "started_at", "answered_at", "ended_at",
         "duration_seconds", "outcome", "note", "created_at", "updated_at", "version"),
    )  # fmt: skip
    links = RowInserter(Interaction.requests.through, ("interaction_id", "helprequest_id"))
    started = time.perf_counter()
    made = 0
    rows = {"transitions": 0, "assignments": 0, "calls": 0}
    left = total - have
    while left > 0:
        size = min(BATCH, left)
        batch = list(_requests(city, size, first, days, now, rng))
        with transaction.atomic():
            request_id, call_id = _next_id(HelpRequest), _next_id(Interaction)
            request_rows, transition_rows, assignment_rows, call_rows, link_rows = [], [], [], [], []
            for offset, req in enumerate(batch):
                pk = request_id + offset
                walk = _path(req, city, now, rng)
                by = city.dispatchers.get(req["tcso"], city.operator)
                window = req["window"] or (None, None)
                request_rows.append((
                    req["person"], req["service"], req["tcso"], "phone", "urgent" if req["urgent"] else "normal",
                    rng.choice(DETAILS), req["address"], window[0], window[1], False, req["due"], req["status"],
                    walk["changed"], walk["closed_at"], walk["reason"] if walk["closed_at"] else "", city.operator,
                    req["created"], walk["changed"], len(walk["path"]),
                ))  # fmt: skip
                for from_status, to_status, at, reason in walk["path"]:
                    transition_rows.append((pk, from_status, to_status, at, by if from_status else city.operator,
                                            reason))  # fmt: skip
                if walk["worker"] is not None and req["status"] not in (Status.NEW, Status.ACCEPTED, Status.CANCELLED):
                    outcome = {Status.DONE: "done", Status.FAILED: "failed", Status.RETURNED: "failed"}.get(
                        req["status"], ""
                    )
                    in_work = req["status"] != Status.ASSIGNED
                    assignment_rows.append((
                        pk, walk["worker"], by, walk["started"] if in_work else None,
                        walk["finished"] if outcome else None, outcome, walk["reason"] if outcome == "failed" else "",
                        walk["assigned"], walk["finished"] if outcome else walk["assigned"],
                    ))  # fmt: skip
                call_started = req["created"] - datetime.timedelta(seconds=rng.randrange(60, 600))
                call_rows.append(_call(req["person"], req["phone"], call_started, Outcome.REQUEST_CREATED, city, rng))
                link_rows.append((call_id + len(call_rows) - 1, pk))
                extra = int(CALLS_PER_REQUEST - 1) + (rng.random() < (CALLS_PER_REQUEST - 1) % 1)
                for _ in range(extra):
                    person, _tcso, _address, phone = rng.choice(city.people)
                    moment = _moment(first + datetime.timedelta(days=rng.randrange(days)), rng)
                    if moment < now:
                        call_rows.append(_call(person, phone, moment, _pick(rng, OTHER_OUTCOMES), city, rng))
            requests.insert(request_rows)
            rows["transitions"] += transitions.insert(transition_rows)
            rows["assignments"] += assignments.insert(assignment_rows)
            rows["calls"] += calls.insert(call_rows)
            links.insert(link_rows)
        made += size
        left -= size
    seconds = time.perf_counter() - started
    # The rows went in past the services, so the daily tallies they keep are counted afresh (core/tallies.py).
    counting = time.perf_counter()
    tallies.rebuild_all()
    _refresh_statistics()
    return {
        "requests": HelpRequest.objects.count(),
        "made": made,
        "seconds": round(seconds, 1),
        "tally_seconds": round(time.perf_counter() - counting, 1),
        **rows,
    }


def _call(person: int, phone: str, start: datetime.datetime, outcome: str, city: City, rng: random.Random) -> tuple:
    answered = start + datetime.timedelta(seconds=rng.randrange(5, 90))
    duration = rng.randrange(40, 600)
    ended = answered + datetime.timedelta(seconds=duration)
    return (person, phone, Direction.INBOUND, Medium.PHONE, city.operator, start, answered, ended, duration,
            outcome, "", start, ended, 1)  # fmt: skip


def _refresh_statistics() -> None:
    """PostgreSQL's planner statistics, as autovacuum would gather them after a load this size."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (HelpRequest, Transition, Assignment, Interaction, Interaction.requests.through):
                # VACUUM (which sets the visibility map index-only scans need) cannot run in a transaction,
                # as under a test; ANALYZE can.
                command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")


def describe() -> dict[str, Any]:
    """What the database holds, for the report."""
    requests = HelpRequest.objects.all()
    span = requests.order_by("created_at").values_list("created_at", flat=True)
    oldest = span.first()
    open_count = requests.filter(status__in=[s for s, _ in OPEN_MIX]).count()
    biggest = (
        requests.filter(status__in=[s for s, _ in OPEN_MIX])
        .values("tcso_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    return {
        "requests": requests.count(),
        "citizens": Person.objects.count(),
        "tcsos": Organisation.objects.filter(kind=Organisation.Kind.TCSO).count(),
        "days": (timezone.now() - oldest).days + 1 if oldest else 0,
        "open": open_count,
        "largest_open_queue": biggest["n"] if biggest else 0,
        "transitions": Transition.objects.count(),
        "assignments": Assignment.objects.count(),
        "calls": Interaction.objects.count(),
    }


def _timed(call: Callable[[], Any], runs: int, warm: int = 3) -> list[float]:
    for _ in range(warm):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(samples),
        "median_ms": round(statistics.median(samples) * 1000, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] * 1000, 2),
        "max_ms": round(max(samples) * 1000, 2),
    }


def _client(username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=username))
    return client


def _get(client: Client, path: str, **headers: str) -> Callable[[], None]:
    def call() -> None:
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code}")

    return call


def _rotating(client: Client, paths: list[str]) -> Callable[[], None]:
    cycle = iter(paths * 1000)

    def call() -> None:
        _get(client, next(cycle))()

    return call


def measure(runs: int = 200, seed: int = 42) -> dict[str, Any]:
    """Each page's server-side time, ``runs`` times after three warm-up requests (the dashboards a tenth as
    often), in a process set up as each server worker is (opora/wsgi.py)."""
    import opora.wsgi  # noqa: F401 - what a server worker does when it starts: its long-lived objects frozen

    rng = random.Random(seed)
    dispatcher = User.objects.get(username="dispatcher")
    tcso = dispatcher.worker.organisation
    assert tcso is not None, "the demo dispatcher works at a TCSO"
    own = HelpRequest.objects.filter(tcso=tcso)
    max_request = own.order_by("-pk").values_list("pk", flat=True).first() or 0
    request_ids: list[int] = []
    while len(request_ids) < runs and max_request:
        pk = own.filter(pk__gte=rng.randint(1, max_request)).order_by("pk").values_list("pk", flat=True).first()
        if pk:
            request_ids.append(pk)
    # Requests waiting for a worker: their page ranks the TCSO's workers (suggestions).
    to_assign = list(
        own.filter(status__in=[Status.NEW, Status.ACCEPTED, Status.RETURNED])
        .order_by("?")
        .values_list("pk", flat=True)[:runs]
    )
    callers = list(
        PersonPhone.objects.filter(person__district__in=tcso.districts.all())
        .order_by("?")
        .values_list("person_id", "number")[:runs]
    )
    baseline_ids = [rng.randint(1, max_request) for _ in range(runs)]
    pages: dict[str, Any] = {}

    def pk_read() -> None:
        HelpRequest.objects.filter(pk=baseline_ids[rng.randrange(len(baseline_ids))]).first()

    pages["baseline"] = _stats(_timed(pk_read, runs))
    supervisor, operator = _client("supervisor"), _client("operator")
    dispatching = _client("dispatcher")
    pages["dashboard"] = _stats(_timed(_get(supervisor, "/reports/?period=30d"), max(10, runs // 10)))
    pages["dashboard_tcso"] = _stats(_timed(_get(dispatching, "/reports/?period=30d"), max(10, runs // 10)))
    pages["queue_city"] = _stats(_timed(_get(supervisor, "/assistance/queue/"), runs))
    pages["queue"] = _stats(_timed(_get(dispatching, "/assistance/queue/"), runs))
    # What the open queue fetches every few seconds: its rows and its counts (htmx).
    pages["queue_rows"] = _stats(_timed(_get(dispatching, "/assistance/queue/?part=rows", HX_Request="true"), runs))
    pages["queue_counts"] = _stats(_timed(_get(dispatching, "/assistance/queue/?part=counts", HX_Request="true"), runs))
    pages["screen_pop"] = _stats(_timed(_rotating(operator, [f"/intake/call?phone={n}" for _, n in callers]), runs))
    pages["card"] = _stats(_timed(_rotating(operator, [f"/people/{pk}/" for pk, _ in callers]), runs))
    pages["card_requests"] = _stats(_timed(_rotating(operator, [f"/people/{pk}/requests/" for pk, _ in callers]), runs))
    pages["request_to_assign"] = _stats(
        _timed(_rotating(dispatching, [f"/assistance/requests/{pk}/" for pk in to_assign]), runs)
    )
    pages["request"] = _stats(
        _timed(_rotating(dispatching, [f"/assistance/requests/{pk}/" for pk in request_ids]), runs)
    )
    return {"pages": pages, "data": describe(), "tcso": str(tcso)}
