"""What the slot benchmarks do inside Django: build the data, time the free-slot search, race a booking.

bench/slots.py runs each step in a child process configured for one database (Django set up before this
module is imported); tests/test_bench_slots.py runs them at a tiny size, so this code cannot rot.

The data: ``facilities`` medical facilities (polyclinics, hospitals, outpatient oncology centres in the
proportions of a city) spread over the okrugs of the reference data; an oncologist at each, a CT and an
MRI scanner at the hospitals and centres; their weekly hours and the slots those give for ``days`` days
from today on the working days of the production calendar; bookings on a share of the slots that is high
in the first two months and thins out later (a few cancelled, so a booking row alone does not mean
"taken"); patients in random districts. Everything is made once and reused while it still covers the
horizon.
"""

import datetime
import itertools
import os
import random
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone, translation

from core.actor import Actor
from core.exceptions import ValidationError
from core.roles import Role
from core.validators import fold_name
from directory.models import DiagnosisCode, District, Okrug, Organisation
from navigation import appointments, services
from navigation.models import AssistantCapacity, Journey
from people.models import Person
from scheduling import workdays
from scheduling.models import Booking, Resource, Slot, WeeklyHours
from scheduling.services import free_slots, planned_slots

Kind = Organisation.Kind
# A city's mix of the facilities the programme books: polyclinics, hospitals, oncology centres.
MIX = ((Kind.POLYCLINIC, 0.65), (Kind.HOSPITAL, 0.22), (Kind.ONCOLOGY_CENTRE, 0.13))
NAMES: dict[str, str] = {Kind.POLYCLINIC: "Городская поликлиника", Kind.HOSPITAL: "ГКБ", Kind.ONCOLOGY_CENTRE: "ЦАОП"}
# What each kind of facility offers: (code, resource kind, name, from, to, slot minutes).
ONCOLOGIST = ("oncologist", Resource.Kind.SPECIALTY, "Онколог", datetime.time(9), datetime.time(18), 20)
CT = ("ct", Resource.Kind.DEVICE, "Компьютерная томография", datetime.time(8), datetime.time(20), 30)
MRI = ("mri", Resource.Kind.DEVICE, "Магнитно-резонансная томография", datetime.time(8), datetime.time(20), 40)
OFFER = {
    Kind.POLYCLINIC: (ONCOLOGIST,),
    Kind.HOSPITAL: (ONCOLOGIST, CT, MRI),
    Kind.ONCOLOGY_CENTRE: (ONCOLOGIST, CT, MRI),
}
CODES = ("oncologist", "ct", "mri")
PATIENTS = 2000
CANCELLED_SHARE = 0.03
BOOKER = "bench-booker"
TAKEN = "This time has just been taken: choose another slot."


def booked_share(day: int) -> float:
    """How much of a day ``day`` days ahead is booked already: three quarters of the next two months, then
    thinning to a few per cent half a year ahead."""
    points = ((0, 0.75), (60, 0.75), (180, 0.15), (365, 0.03))
    for (d0, s0), (d1, s1) in itertools.pairwise(points):
        if day < d1:
            return s0 + (s1 - s0) * (day - d0) / (d1 - d0)
    return 0.02


def _split(count: int) -> dict[str, int]:
    """``count`` facilities by kind in the proportions of MIX (every kind at least one)."""
    counts: dict[str, int] = {kind: max(1, round(count * share)) for kind, share in MIX}
    counts[Kind.POLYCLINIC] += count - sum(counts.values())
    return counts


def _facilities(count: int) -> list[Organisation]:
    """The reference data's facilities first, then new ones of each kind, round the okrugs."""
    okrugs = list(Okrug.objects.order_by("code"))
    if not okrugs:
        raise RuntimeError("no okrugs: run manage.py load_reference first")
    taken = set(Organisation.objects.values_list("name", flat=True))
    chosen: list[Organisation] = []
    for kind, wanted in _split(count).items():
        have = list(Organisation.objects.filter(kind=kind, is_active=True).order_by("pk")[:wanted])
        new: list[Organisation] = []
        number = 1
        while len(have) + len(new) < wanted:
            name = f"{NAMES[kind]} № {number}"
            number += 1
            if name in taken:
                continue
            taken.add(name)
            okrug = okrugs[(len(have) + len(new)) % len(okrugs)]
            new.append(Organisation(kind=kind, name=name, okrug=okrug, address=f"ул. Бенчмарковая, д. {number}"))
        chosen += have + Organisation.objects.bulk_create(new)
    return chosen


def _bench_resources() -> Any:
    return Resource.objects.filter(code__in=CODES, kind__in=appointments.RESOURCE_KINDS)


def is_current(facilities: int, days: int) -> bool | None:
    """None when there is no bench data yet; else whether it is of this size (facilities, days of slots
    give or take the holidays at its end) and made at most a week ago."""
    resources = _bench_resources()
    span = Slot.objects.filter(resource__in=resources).aggregate(first=Min("starts_at"), last=Max("starts_at"))
    if span["first"] is None:
        return None
    first, last = timezone.localdate(span["first"]), timezone.localdate(span["last"])
    return (
        resources.values("organisation").distinct().count() == facilities
        and first >= timezone.localdate() - datetime.timedelta(days=7)
        and days - 15 <= (last - first).days < days
    )


def _booker() -> User:
    user, _created = User.objects.get_or_create(username=BOOKER, defaults={"first_name": "Бенчмарк"})
    return user


def _patients(count: int, rng: random.Random) -> int:
    have = Person.objects.filter(district__isnull=False).count()
    districts = list(District.objects.values_list("pk", flat=True))
    surnames = ["Иванова", "Смирнов", "Кузнецова", "Попов", "Васильева", "Петров", "Соколова", "Михайлов"]
    given = ["Мария", "Иван", "Анна", "Сергей", "Елена", "Алексей", "Ольга", "Николай"]
    people = []
    for _n in range(max(0, count - have)):
        surname, name = rng.choice(surnames), rng.choice(given)
        people.append(
            Person(
                surname=surname,
                given_name=name,
                surname_folded=fold_name(surname),
                given_name_folded=fold_name(name),
                birth_date=datetime.date(rng.randint(1940, 1985), rng.randint(1, 12), rng.randint(1, 28)),
                district_id=rng.choice(districts),
            )
        )
    Person.objects.bulk_create(people, batch_size=1000)
    return len(people)


def build(facilities: int, days: int, seed: int = 14, patients: int = PATIENTS) -> dict[str, Any]:
    """Make the bench data (see the module's docstring) unless it is there; says what there is and how long
    making it took."""
    started = time.perf_counter()
    rng = random.Random(seed)
    today = timezone.localdate()
    seeded = is_current(facilities, days) is None
    if seeded:
        _seed(facilities, days, today, rng)
        _refresh_statistics()
    _patients(patients, rng)
    seconds = time.perf_counter() - started
    resources = _bench_resources()
    slots = Slot.objects.filter(resource__in=resources)
    bookings = Booking.objects.filter(slot__resource__in=resources, status=Booking.Status.BOOKED)
    soon = timezone.now() + datetime.timedelta(days=60)
    first_months = slots.filter(starts_at__lt=soon).count()
    by_kind = {
        str(kind): resources.filter(organisation__kind=kind).values("organisation").distinct().count()
        for kind, _share in MIX
    }
    span = slots.aggregate(first=Min("starts_at"), last=Max("starts_at"))
    return {
        "seeded": seeded,
        "seconds": round(seconds, 1),
        "facilities": sum(by_kind.values()),
        "by_kind": by_kind,
        "okrugs": len(set(resources.values_list("organisation__okrug", flat=True))),
        "resources": {code: resources.filter(code=code).count() for code in CODES},
        "slots": slots.count(),
        "bookings_held": bookings.count(),
        "booked_share_first_60_days": round(
            bookings.filter(slot__starts_at__lt=soon).count() / first_months if first_months else 0.0, 3
        ),
        "first_day": str(timezone.localdate(span["first"])) if span["first"] else None,
        "last_day": str(timezone.localdate(span["last"])) if span["last"] else None,
        "patients": Person.objects.filter(district__isnull=False).count(),
    }


def _seed(facilities: int, days: int, today: datetime.date, rng: random.Random) -> None:
    booker = _booker()
    calendar = workdays.current_calendar()
    end = today + datetime.timedelta(days=days - 1)
    for organisation in _facilities(facilities):
        for code, kind, name, starts, ends, minutes in OFFER[Kind(organisation.kind)]:
            with transaction.atomic():
                resource = Resource.objects.create(organisation=organisation, kind=kind, code=code, name=name)
                WeeklyHours.objects.bulk_create(
                    WeeklyHours(
                        resource=resource, weekday=day, starts=starts, ends=ends, slot_minutes=minutes, valid_from=today
                    )
                    for day in range(5)
                )
                made = Slot.objects.bulk_create(
                    [
                        Slot(resource=resource, starts_at=s, ends_at=e)
                        for s, e in planned_slots(resource, today, end)
                        if workdays.is_working_day(s.date(), calendar=calendar)
                    ],
                    batch_size=2000,
                )
                Booking.objects.bulk_create(_bookings(made, today, booker, rng), batch_size=2000)


def _refresh_statistics() -> None:
    """PostgreSQL's autovacuum would gather the new tables' statistics within a minute; gather them now.
    SQLite is left as the application leaves it, without statistics (see docs/benchmarks.md)."""
    if connection.vendor != "postgresql":
        return
    tables = [m._meta.db_table for m in (Organisation, Resource, WeeklyHours, Slot, Booking, Person)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def _bookings(slots: list[Slot], today: datetime.date, booker: User, rng: random.Random) -> Iterator[Booking]:
    now = timezone.now()
    for slot in slots:
        share = booked_share((slot.starts_at.date() - today).days)
        draw = rng.random()
        if draw < share:
            status = Booking.Status.BOOKED
        elif draw < share + CANCELLED_SHARE:
            status = Booking.Status.CANCELLED
        else:
            continue
        yield Booking(
            slot=slot,
            status=status,
            purpose=appointments.PURPOSE,
            booked_by=booker,
            cancelled_at=now if status == Booking.Status.CANCELLED else None,
        )


# --- the search --------------------------------------------------------------------------------------


def _ms_stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(samples),
        "median_ms": round(statistics.median(samples) * 1000, 3),
        "p99_ms": round(ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


@contextmanager
def _capturing(statements: list[tuple[str, Any]]) -> Iterator[None]:
    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


def explain(code: str, person: Person, after: datetime.datetime, limit: int) -> str:
    """The database's plan of the slot query search_slots sends (captured as sent, then explained)."""
    statements: list[tuple[str, Any]] = []
    with _capturing(statements):
        appointments.search_slots(code, person, after=after, limit=limit)
    sql, params = next((s, p) for s, p in statements if "scheduling_slot" in s.split("FROM", 1)[-1][:200])
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        return "\n".join(str(row[-1]) for row in rows)
    return "\n".join(str(row[0]) for row in rows)


def measure_search(queries: int, seed: int = 42, limit: int = appointments.SEARCH_LIMIT) -> dict[str, Any]:
    """``queries`` searches as the assistant's page makes them: a random resource type, a random patient
    (in a random district), from a random moment within the slots' horizon; against a baseline of
    primary-key reads of random slots."""
    rng = random.Random(seed)
    resources = _bench_resources()
    codes = sorted(set(resources.values_list("code", flat=True)))
    patient_ids = list(Person.objects.filter(district__isnull=False).values_list("pk", flat=True))
    span = Slot.objects.filter(resource__in=resources).aggregate(last=Max("starts_at"), low=Min("pk"), high=Max("pk"))
    now = timezone.now()
    horizon = (span["last"] - now).total_seconds()

    def one() -> tuple[str, Person, datetime.datetime]:
        moment = now + datetime.timedelta(seconds=rng.uniform(0, horizon))
        # A fresh patient each time, as a page loads it: the district is read inside the search.
        return rng.choice(codes), Person.objects.get(pk=rng.choice(patient_ids)), moment

    load = [round(os.getloadavg()[0], 2)]
    for _n in range(min(50, queries)):  # warm the caches
        code, person, after = one()
        appointments.search_slots(code, person, after=after, limit=limit)
    baseline = []
    for _n in range(queries):
        pk = rng.randint(span["low"], span["high"])
        started = time.perf_counter()
        Slot.objects.filter(pk=pk).first()
        baseline.append(time.perf_counter() - started)
    times, found, full = [], 0, 0
    for _n in range(queries):
        code, person, after = one()
        started = time.perf_counter()
        result = appointments.search_slots(code, person, after=after, limit=limit)
        times.append(time.perf_counter() - started)
        found += len(result)
        full += len(result) == limit
    load.append(round(os.getloadavg()[0], 2))
    code, person, after = one()
    plan = explain("oncologist", person, now + datetime.timedelta(days=3), limit)
    return {
        "vendor": connection.vendor,
        "queries": queries,
        "limit": limit,
        "baseline_pk_read": _ms_stats(baseline),
        "search": _ms_stats(times),
        "mean_found": round(found / queries, 1),
        "load_average": load,
        "cores": os.cpu_count(),
        "full_pages": round(full / queries, 3),
        "plan": plan,
    }


# --- the race ----------------------------------------------------------------------------------------


def race_journeys(clients: int) -> list[int]:
    """``clients`` journeys, each of its own personal assistant (made once: the assistants share one
    polyclinic and enrolment gives each new patient the least loaded of them)."""
    group = Group.objects.get(name=Role.NAVIGATOR)
    polyclinic = Organisation.objects.filter(kind=Kind.POLYCLINIC, is_active=True).order_by("pk").first()
    if polyclinic is None:
        raise RuntimeError("no polyclinic: build the data first")
    assistants = []
    for n in range(clients):
        user, created = User.objects.get_or_create(
            username=f"bench-pa-{n + 1}", defaults={"first_name": f"Помощник {n + 1}", "last_name": "Бенчмарк"}
        )
        if created:
            user.groups.add(group)
            AssistantCapacity.objects.create(assistant=user, capacity=2000).polyclinics.add(polyclinic)
        assistants.append(user)
    journeys = {j.assistant_id: j.pk for j in Journey.objects.filter(assistant__in=assistants).order_by("pk")}
    diagnosis = DiagnosisCode.objects.get(code="C50")
    patients = Person.objects.filter(district__isnull=False, referrals__isnull=True).order_by("pk")
    for person in patients[: clients - len(journeys)]:
        actor = Actor.system(assistants[0])
        referral = services.register_referral(
            actor=actor,
            person=person,
            data=services.ReferralInput(
                polyclinic=polyclinic,
                referring_doctor="Петров И. С., терапевт",
                referred_on=timezone.localdate(),
                diagnosis=diagnosis,
            ),
        )
        journey = services.enrol(
            actor=actor, referral=referral, reminders_by="sms", evidence="бенчмарк", expected_version=1
        )
        journeys.setdefault(journey.assistant_id, journey.pk)
    found = [journeys[a.pk] for a in assistants if a.pk in journeys]
    if len(found) != clients:
        raise RuntimeError(f"{len(found)} journeys of distinct assistants, {clients} wanted")
    return found


def _free_slots_for_race(rounds: int, rng: random.Random) -> list[int]:
    """Free oncologist's slots in the second half of the horizon, one per round, all different."""
    resources = appointments.bookable_resources("oncologist")
    now = timezone.now()
    last = Slot.objects.filter(resource__in=resources).aggregate(last=Max("starts_at"))["last"]
    middle = now + (last - now) / 2
    pool = list(free_slots(resources, after=middle).values_list("pk", flat=True)[: rounds * 20])
    if len(pool) < rounds:
        raise RuntimeError(f"only {len(pool)} free slots for {rounds} rounds")
    return rng.sample(pool, rounds)


def race(rounds: int, clients: int, seed: int = 7, timeout: float = 120.0) -> dict[str, Any]:
    """``clients`` threads, each with its own database connection and its own assistant's journey, book
    the same slot with book_appointment at the same moment (released by a barrier), ``rounds`` times; each
    round must have exactly one winner, the others refused as "taken", and the slot one booking held."""
    rng = random.Random(seed)
    journey_ids = race_journeys(clients)
    slot_ids = _free_slots_for_race(rounds, rng)
    ready = threading.Barrier(clients + 1, timeout=timeout)
    go = threading.Barrier(clients, timeout=timeout)
    finished = threading.Barrier(clients + 1, timeout=timeout)
    current: dict[str, int] = {}
    outcomes: list[list[tuple[str, float, float]]] = [[("none", 0.0, 0.0)] * clients for _r in range(rounds)]

    def client(index: int) -> None:
        try:
            for round_ in range(rounds):
                ready.wait()
                journey = Journey.objects.select_related("case", "assistant").get(pk=journey_ids[index])
                slot = Slot.objects.select_related("resource__organisation").get(pk=current["slot"])
                actor = Actor(journey.assistant)
                go.wait()
                started = time.perf_counter()
                try:
                    with translation.override("en"):
                        appointments.book_appointment(actor=actor, journey=journey, slot=slot, kind="oncologist")
                    outcome = "won"
                except ValidationError as error:
                    outcome = "refused" if error.message_dict == {"slot": [TAKEN]} else f"other: {error.messages}"
                except Exception as error:
                    outcome = f"error: {type(error).__name__}: {error}"
                outcomes[round_][index] = (outcome, started, time.perf_counter())
                finished.wait()
        finally:
            connection.close()

    load = [round(os.getloadavg()[0], 2)]
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    round_times, held, errors = [], [], []
    try:
        for round_, slot_id in enumerate(slot_ids):
            current["slot"] = slot_id
            ready.wait()
            finished.wait()
            results = outcomes[round_]
            round_times.append(max(r[2] for r in results) - min(r[1] for r in results))
            held.append(Booking.objects.filter(slot_id=slot_id, status=Booking.Status.BOOKED).count())
    finally:
        for thread in threads:
            thread.join(timeout=timeout)
        connection.close()
    winners = [sum(r[0] == "won" for r in results) for results in outcomes]
    for results in outcomes:
        errors += [r[0] for r in results if r[0] not in ("won", "refused")]
    return {
        "vendor": connection.vendor,
        "clients": clients,
        "rounds": rounds,
        "rounds_one_winner": sum(w == 1 and h == 1 for w, h in zip(winners, held, strict=True)),
        "winners": sum(winners),
        "refusals": sum(r[0] == "refused" for results in outcomes for r in results),
        "other_errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "slots_held_once": sum(h == 1 for h in held),
        "round": _ms_stats(round_times),
        "load_average": [*load, round(os.getloadavg()[0], 2)],
    }
