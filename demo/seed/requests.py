"""Demo help requests: a lived-in queue for the demo TCSO and a city-wide history for the figures.

They are made through the real services (routing, transitions, journal), then back-dated so that
the dashboards show days of work rather than one second of it. Made once: nothing is added while any
help request exists, so this step also runs when ``--if-empty`` finds a city.
"""

import datetime
import random
from collections.abc import Sequence
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from assistance import workflow
from assistance.catalogue import load_catalogue
from assistance.models import Assignment, HelpRequest, ServiceType, Status, Transition
from assistance.selectors import field_workers
from assistance.services import RequestInput, create_request, transition
from core.actor import Actor
from demo.seed import SeedContext
from directory.models import Organisation, Worker
from intake.models import Direction, Interaction, Medium, Outcome
from people.models import Person, PersonPhone

ORDER = 40
LABEL = "Demo help requests"

DETAILS = {
    "food": ["Хлеб, молоко, гречка, яблоки", "Продукты по списку, около 1500 ₽", "Кефир, творог, овсянка"],
    "medicines": ["Лекарства по рецепту из поликлиники", "Валидол, тонометр-манжета", "Инсулин по льготному рецепту"],
    "household": ["Вынести мусор, помыть посуду", "Повесить шторы", "Помочь с уборкой после ремонта"],
    "pet_walking": ["Выгулять собаку утром и вечером", "Покормить кошку, сменить лоток"],
    "rehab_devices": ["Доставить ходунки из ТЦСО", "Привезти кресло-коляску"],
    "firewood": ["Два мешка угля на дачу в Подмосковье", "Дрова, 1 куб"],
}
# Status a request ends in, and how often (the city's published share fulfilled is about 89 %).
CITY_OUTCOMES = [
    (Status.DONE, 80),
    (Status.FAILED, 6),
    (Status.CANCELLED, 4),
    (Status.ASSIGNED, 4),
    (Status.ACCEPTED, 3),
    (Status.NEW, 3),
]
HOME_OUTCOMES = [
    (Status.NEW, 12),
    (Status.ACCEPTED, 8),
    (Status.ASSIGNED, 10),
    (Status.IN_PROGRESS, 4),
    (Status.RETURNED, 3),
    (Status.DONE, 16),
    (Status.FAILED, 2),
    (Status.CANCELLED, 2),
]
PATH = [Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS]


def _walk_to(help_request: HelpRequest, target: str, *, by: User, worker: Worker | None, rng: random.Random) -> None:
    paths: dict[str, list[Status]] = {
        Status.NEW: [],
        Status.ACCEPTED: PATH[:1],
        Status.ASSIGNED: PATH[:2],
        Status.IN_PROGRESS: PATH,
        Status.DONE: [*PATH, Status.DONE],
        Status.RETURNED: [*PATH, Status.RETURNED],
        Status.FAILED: [*PATH, Status.FAILED],
        Status.CANCELLED: [Status.CANCELLED],
    }
    steps = paths[target]
    for step in steps:
        money = None
        if step == Status.DONE and help_request.service_type.handles_money:
            money = Decimal(rng.randrange(300, 3000)) + Decimal("0.50")
        reason = {
            Status.RETURNED: "Гражданин не открыл дверь",
            Status.FAILED: "Гражданин не открыл дверь",
            Status.CANCELLED: "Гражданин отказался",
        }.get(step, "")
        # The worker reports that it could not be done; the dispatcher decides what next.
        actor = worker.user if step == Status.RETURNED and worker is not None and worker.user else by
        transition(
            help_request=help_request,
            to=step,
            actor=Actor.system(actor),
            version=help_request.version,
            reason=reason,
            assignee=worker,
            money_spent=money,
        )


def _backdate(help_request: HelpRequest, rng: random.Random, days: int) -> None:
    created = timezone.now() - datetime.timedelta(hours=rng.uniform(1, days * 24))
    shift = timezone.now() - created
    transitions = list(help_request.transitions.order_by("at", "pk"))
    span = datetime.timedelta(hours=rng.uniform(1, 30))
    for i, step in enumerate(transitions):
        at = created + span * (i / max(1, len(transitions) - 1))
        Transition.objects.filter(pk=step.pk).update(at=min(at, timezone.now()))
    closed_at = transitions[-1].at - shift + span if help_request.closed_at else None
    HelpRequest.objects.filter(pk=help_request.pk).update(
        created_at=created,
        due_at=help_request.due_at - shift,
        status_changed_at=min(created + span, timezone.now()),
        closed_at=min(closed_at, timezone.now()) if closed_at else None,
    )
    Assignment.objects.filter(request=help_request).update(created_at=created)


def _record_call(help_request: HelpRequest, operator: User, rng: random.Random) -> None:
    """The call the request was taken on, a few minutes before it, so the call-centre figures count it; now
    and then the citizen called once more that day only to ask (no request)."""
    created = HelpRequest.objects.values_list("created_at", flat=True).get(pk=help_request.pk)
    phone = PersonPhone.objects.filter(person_id=help_request.person_id).values_list("number", flat=True).first()
    calls = [(created - datetime.timedelta(minutes=rng.randint(2, 9)), Outcome.REQUEST_CREATED)]
    if rng.random() < 0.5:
        calls.append((created + datetime.timedelta(hours=rng.uniform(1, 6)), Outcome.INFORMATION_ONLY))
    for started, outcome in calls:
        if started > timezone.now():
            continue
        seconds = rng.randint(60, 420)
        call = Interaction.objects.create(
            person_id=help_request.person_id,
            phone=phone or "",
            direction=Direction.INBOUND,
            medium=Medium.PHONE,
            operator=operator,
            started_at=started,
            answered_at=started + datetime.timedelta(seconds=rng.randint(5, 40)),
            ended_at=started + datetime.timedelta(seconds=seconds + 40),
            duration_seconds=seconds,
            outcome=outcome,
        )
        if outcome == Outcome.REQUEST_CREATED:
            call.requests.add(help_request)


def _day_window_start(rng: random.Random) -> datetime.datetime:
    """The start of a three-hour visit window in the day (09:00–17:00, so it ends by 20:00), today if
    that is still ahead, else in the next two days: demo citizens are never visited at night."""
    now = timezone.localtime()
    while True:
        day = now.date() + datetime.timedelta(days=rng.randrange(0, 3))
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randrange(9, 18))))
        if start > now:
            return start


def _begun_window_start(rng: random.Random) -> datetime.datetime:
    """The start of a visit window that has already begun, for a task the worker is doing or has come back
    from: an hour or two ago in the day, or yesterday afternoon while it is not yet 10:00."""
    now = timezone.localtime()
    start = (now - datetime.timedelta(hours=rng.randint(1, 2))).replace(minute=0, second=0, microsecond=0)
    if not datetime.time(9) <= start.time() <= datetime.time(17):
        yesterday = now.date() - datetime.timedelta(days=1)
        start = timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(rng.randrange(14, 18))))
    return start


def _settle_begun(help_request: HelpRequest, rng: random.Random) -> None:
    """Date a task whose window has begun as it would have happened: taken some hours before the window
    while the call centre works, accepted and assigned in the TCSO's day before it, begun and (when it came
    back) reported within it."""
    start = help_request.window_start
    assert start is not None
    created = timezone.localtime(start - datetime.timedelta(hours=rng.uniform(2, 20)))
    if not 8 <= created.hour < 21:  # the call centre takes calls 08:00–21:00: the evening before, else
        evening = created.date() - datetime.timedelta(days=1 if created.hour < 8 else 0)
        created = timezone.make_aware(datetime.datetime.combine(evening, datetime.time(20, rng.randrange(60))))
    # The TCSO accepts it within the hour, or at 08:00 the next morning when it came in the evening.
    accepted = timezone.localtime(created + datetime.timedelta(minutes=rng.randint(10, 40)))
    if accepted.hour >= 20:
        morning = accepted.date() + datetime.timedelta(days=1)
        accepted = timezone.make_aware(datetime.datetime.combine(morning, datetime.time(8, rng.randrange(20))))
    transitions = list(help_request.transitions.order_by("at", "pk"))
    moments: dict[str, datetime.datetime] = {
        Status.NEW: created,
        Status.ACCEPTED: accepted,
        Status.ASSIGNED: accepted + datetime.timedelta(minutes=rng.randint(5, 15)),
        Status.IN_PROGRESS: start + datetime.timedelta(minutes=rng.randint(5, 40)),
    }
    last = created
    for step in transitions:
        at = moments.get(step.to_status, min(timezone.now(), last + datetime.timedelta(minutes=rng.randint(20, 50))))
        Transition.objects.filter(pk=step.pk).update(at=at)
        last = at
    HelpRequest.objects.filter(pk=help_request.pk).update(created_at=created, status_changed_at=last)
    Assignment.objects.filter(request=help_request).update(created_at=moments[Status.ASSIGNED])


def _pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    return rng.choices([s for s, _ in weighted], weights=[w for _, w in weighted])[0]


def seed_requests(*, users: dict[str, User], seed: int, city: int = 300) -> int:
    """Requests for the demo TCSO (about 54, some for the demo worker and volunteer) and ``city`` more
    across the other TCSOs. Does nothing if requests exist; returns how many were made."""
    if HelpRequest.objects.exists():
        return 0
    load_catalogue()
    rng = random.Random(f"requests:{seed}")
    services = list(ServiceType.objects.filter(is_active=True, code__in=DETAILS))
    operator, supervisor = users["operator"], users["supervisor"]
    made = 0
    home = Organisation.objects.filter(workers__user=users["dispatcher"]).first()
    tcsos = list(Organisation.objects.filter(kind=Organisation.Kind.TCSO).order_by("pk"))
    with transaction.atomic():
        for tcso in tcsos:
            is_home = tcso == home
            count = sum(w for _, w in HOME_OUTCOMES) if is_home else max(1, city // max(1, len(tcsos) - 1))
            people = list(Person.objects.filter(district__in=tcso.districts.all()).order_by("?")[:count])
            workers = field_workers(tcso.pk)
            preferred = [users["worker"].worker, users["volunteer"].worker] if is_home else []
            for i, person in enumerate(people):
                service = rng.choice(services)
                target = _pick(rng, HOME_OUTCOMES if is_home else CITY_OUTCOMES)
                if is_home and i < 2:
                    target = Status.ASSIGNED  # the demo worker and volunteer always have a task waiting
                begun = is_home and target in (Status.IN_PROGRESS, Status.RETURNED)
                start = _begun_window_start(rng) if begun else _day_window_start(rng)
                help_request = create_request(
                    person=person,
                    actor=Actor.system(operator),
                    data=RequestInput(
                        service_type=service,
                        details=rng.choice(DETAILS[service.code]),
                        urgency="urgent" if rng.random() < 0.1 else "normal",
                        window_start=start,
                        window_end=start + datetime.timedelta(hours=3),
                    ),
                )
                live = target in (Status.ASSIGNED, Status.IN_PROGRESS)
                worker: Worker | None
                if preferred and (i < 2 or (live and i % 2 == 0)):
                    worker = preferred[i % 2]
                else:
                    worker = rng.choice(workers) if workers else None
                if worker is None and target not in (Status.NEW, Status.CANCELLED):
                    target = Status.ACCEPTED if target != Status.NEW else target
                _walk_to(help_request, target, by=supervisor, worker=worker, rng=rng)
                if not (is_home and target in workflow.OPEN):
                    _backdate(help_request, rng, days=14)
                elif help_request.status in (Status.IN_PROGRESS, Status.RETURNED):
                    _settle_begun(help_request, rng)
                _record_call(help_request, operator, rng)
                made += 1
    return made


def seed(ctx: SeedContext) -> int:
    return seed_requests(users=ctx.users, seed=ctx.seed, city=ctx.requests)


def summary(added: int, seconds: float) -> str:
    return f"{HelpRequest.objects.count()} ({added} added)"
