"""Demo psychological service: the demo psychologist's hospital team and the city's oncological service
at the outpatient oncology centres, their hours and slots, a month of consultations held (in person,
online, by phone; without appointment and by appointment), today's walk-in queue and bookings, with notes.

Everything goes through the services (walk-in registration, calling in, starting, ending, booking,
notes; consultations of the past through ``record_held``, the way a psychologist records one afterwards).
Where the demo needs the queue to have waited (people who came 5, 12 and 25 minutes ago) only the
timestamps are moved back with a plain ``.update()``, each commented. Each part is made once.
"""

import datetime
import random

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from core.actor import Actor
from core.permissions import own_organisation_id as own_service
from core.roles import Role
from demo.seed import SeedContext
from directory.models import Organisation, Worker
from directory.reference import PSYCH_SERVICE_NAME
from people.models import ContactPerson, Person
from psych import groups, hotline, notes, services
from psych.models import Consultation, HotlineLine, ServiceSettings, SupportGroup, Topic
from scheduling import services as calendar
from scheduling.models import Resource, WeeklyHours

ORDER = 60
LABEL = "Demo psychological service"

VIDEO_BASE = "https://video.psy.example/room/"
HISTORY_DAYS = 28
# (surname, given name, patronymic) of the colleagues the demo psychologist works with (no logins).
ONCO_PSYCHOLOGISTS = [
    ("Миронова", "Алла", "Сергеевна"),
    ("Тарасов", "Илья", "Андреевич"),
    ("Белкина", "Ксения", "Олеговна"),
]
NOTES = [
    "Тревога перед операцией, обсудили план на ближайшие дни, дыхательные упражнения. Настроена на лечение.",
    "Растерянность после сообщения диагноза. Нормализация реакции, опора на семью; договорились о группе поддержки.",
    "Конфликт с сыном из-за ухода. Разобрали, о чём можно попросить; повторная встреча через неделю.",
    "Страх рецидива, нарушения сна. Психообразование, техники самопомощи, рекомендован онлайн-формат.",
]


def seed(ctx: SeedContext) -> int:
    psychologist = ctx.users.get("psychologist")
    worker = Worker.objects.filter(user=psychologist).select_related("organisation").first() if psychologist else None
    hospital = worker.organisation if worker else None
    onco_service = Organisation.objects.filter(name=PSYCH_SERVICE_NAME).first()
    if psychologist is None or hospital is None or hospital.kind != Organisation.Kind.HOSPITAL:
        return 0
    made = _settings(hospital, onco_service)
    colleague = _colleague(hospital)
    onco_team = _onco_team(onco_service, ctx.users.get("oncopsychologist")) if onco_service else []
    made += _hours(psychologist, hospital, colleague, onco_team)
    made += seed_history(ctx, psychologist, colleague, onco_team)
    made += seed_today(ctx, psychologist, hospital)
    made += seed_groups(ctx, psychologist, hospital, onco_team)
    if onco_service is not None and onco_team:
        made += seed_hotlines(ctx, onco_service, [user for user, _centre in onco_team])
    return made


def summary(added: int, seconds: float) -> str:
    held = Consultation.objects.filter(status="done").count()
    return f"{Consultation.objects.count()} consultations ({held} held), {added} added"


# --- the services, their people and hours -------------------------------------------------------------


def _settings(hospital: Organisation, onco_service: Organisation | None) -> int:
    made = 0
    for service, reminder in ((hospital, 2), (onco_service, 24)):
        if service is None:
            continue
        _, created = ServiceSettings.objects.get_or_create(
            organisation=service, defaults={"video_link_base": VIDEO_BASE, "reminder_hours": reminder}
        )
        made += created
    return made


def _staff(username: str, names: tuple[str, str, str], organisation: Organisation) -> User | None:
    """A psychologist without a login (there is no business action for making workers, as for field staff)."""
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing if existing.is_active else None
    group = Group.objects.filter(name=Role.PSYCHOLOGIST).first()
    if group is None:
        return None
    surname, given_name, patronymic = names
    user = User(username=username, first_name=given_name, last_name=surname)
    user.set_unusable_password()
    user.save()
    user.groups.set([group])
    Worker.objects.create(
        user=user,
        kind=Worker.Kind.STAFF,
        surname=surname,
        given_name=given_name,
        patronymic=patronymic,
        position="Медицинский психолог",
        organisation=organisation,
    )
    return user


def _colleague(hospital: Organisation) -> User | None:
    # The same login-less colleague the cases step makes to take a crisis, if it made one.
    return _staff(f"psy-{hospital.pk}-1", ("Григорьева", "Олеся", "Викторовна"), hospital)


def _onco_team(service: Organisation, login: User | None) -> list[tuple[User, Organisation]]:
    """The city service's onco-psychologists, the demo login first, each at an oncology centre."""
    centres = list(services.places_of(service))
    people: list[User | None] = [login] if login is not None and own_service(login) == service.pk else []
    people += [_staff(f"onco-psy-{n + 1}", names, service) for n, names in enumerate(ONCO_PSYCHOLOGISTS)]
    team = [user for user in people if user is not None]
    return [(user, centres[n % len(centres)]) for n, user in enumerate(team)] if centres else []


def _hours(
    psychologist: User, hospital: Organisation, colleague: User | None, onco_team: list[tuple[User, Organisation]]
) -> int:
    """Weekly hours of everyone (Monday to Friday) and their slots two months ahead."""
    people = [(psychologist, hospital, 9, 17), *([(colleague, hospital, 10, 18)] if colleague else [])]
    people += [(user, centre, 10, 18) for user, centre in onco_team]
    made = 0
    today = timezone.localdate()
    for user, place, opens, closes in people:
        worker = user.worker
        resource, created = Resource.objects.get_or_create(
            worker=worker,
            organisation=place,
            defaults={"kind": Resource.Kind.SPECIALIST, "code": "psychologist", "name": worker.full_name},
        )
        if created:
            for weekday in range(5):
                WeeklyHours.objects.create(
                    resource=resource,
                    weekday=weekday,
                    starts=datetime.time(opens),
                    ends=datetime.time(closes),
                    slot_minutes=50,
                    valid_from=today - datetime.timedelta(days=HISTORY_DAYS),
                )
            made += 1
        made += calendar.generate_slots(resource, today, today + datetime.timedelta(days=calendar.HORIZON_DAYS))
    return made


# --- a month of consultations -------------------------------------------------------------------------


def _patients(ctx: SeedContext, count: int) -> list[Person]:
    ids = list(Person.objects.filter(birth_date__year__lte=1975).order_by("pk").values_list("pk", flat=True)[:3000])
    chosen = random.Random(ctx.seed + 13).sample(ids, min(count, len(ids)))
    return list(Person.objects.filter(pk__in=chosen))


def seed_history(
    ctx: SeedContext, psychologist: User, colleague: User | None, onco_team: list[tuple[User, Organisation]]
) -> int:
    """Consultations of the last four weeks, as their psychologists recorded them; none while any exist."""
    if Consultation.objects.exists():
        return 0
    rng = random.Random(ctx.seed + 7)
    topics = list(Topic.objects.filter(is_active=True, parent__isnull=False))
    if not topics:
        return 0
    patients = _patients(ctx, 120)
    if not patients:
        return 0
    team = [(psychologist, None), *([(colleague, None)] if colleague else []), *onco_team]
    now = timezone.now()
    made = 0
    with transaction.atomic():
        for day in range(HISTORY_DAYS, 0, -1):
            date = timezone.localdate() - datetime.timedelta(days=day)
            if date.weekday() >= 5:
                continue
            for user, centre in team:
                for _n in range(rng.randint(1, 3)):
                    patient = rng.choice(patients)
                    relative = ContactPerson.objects.filter(person=patient).first() if rng.random() < 0.2 else None
                    fmt, mode = rng.choice(
                        [("in_person", "walk_in")] * 4
                        + [("in_person", "scheduled")] * 2
                        + [("online", "scheduled"), ("phone", "scheduled"), ("phone", "hotline")]
                    )
                    start = timezone.make_aware(
                        datetime.datetime.combine(date, datetime.time(rng.randint(9, 16), rng.choice((0, 15, 30))))
                    )
                    if start >= now:
                        continue
                    c = services.record_held(
                        actor=Actor.system(user),
                        client=services.Client(
                            person=patient, kind="relative" if relative else "patient", relative=relative
                        ),
                        details=services.HeldDetails(
                            format=fmt,
                            mode=mode,
                            started_at=start,
                            duration_minutes=rng.choice((30, 40, 45, 50, 60)),
                            topic=rng.choice(topics),
                            outcome=rng.choice(
                                ["supported"] * 5
                                + ["follow_up", "follow_up", "referred_group", "referred_psychiatrist"]
                            ),
                            place=centre,
                        ),
                    )
                    if mode == "walk_in":
                        # Recorded afterwards, a walk-in has no queue times; the demo gives it the wait it had.
                        waited = datetime.timedelta(minutes=rng.randint(2, 35))
                        Consultation.objects.filter(pk=c.pk).update(queued_at=start - waited, called_at=start)
                    made += 1
    return made


# --- today: the queue and the bookings -----------------------------------------------------------------


def seed_today(ctx: SeedContext, psychologist: User, hospital: Organisation) -> int:
    """Three people waiting at the hospital (5, 12 and 25 minutes), one called in by the colleague, and the
    demo psychologist's bookings: one in person today, one online tomorrow, one by phone; a consultation
    held this morning whose note is still to be written, and one with its note. None while any is live."""
    if Consultation.objects.filter(status__in=["waiting", "called", "booked", "in_progress"]).exists():
        return 0
    actor = Actor.system(psychologist)
    rng = random.Random(ctx.seed + 21)
    found = _patients(ctx, 10)
    if len(found) < 6:
        return 0
    patients = found
    now = timezone.now()
    made = 0
    with transaction.atomic():
        for minutes, label, patient in ((25, "", patients[0]), (12, "Светлана", None), (5, "", None)):
            c = services.register_walk_in(
                actor=actor, client=services.Client(person=patient, label=label), place=hospital
            )
            # The queue of the demo has waited: 25, 12 and 5 minutes, but not since yesterday (a demo made just
            # after midnight would have put them in yesterday's queue, which closes). Timestamps only.
            midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
            queued = max(now - datetime.timedelta(minutes=minutes), midnight + datetime.timedelta(seconds=minutes))
            Consultation.objects.filter(pk=c.pk).update(queued_at=queued)
            made += 1
        topic = (
            Topic.objects.filter(code="treatment_fear").first() or Topic.objects.filter(parent__isnull=False).first()
        )
        for with_note, patient in ((True, patients[1]), (False, patients[2])):
            c = services.register_walk_in(actor=actor, client=services.Client(person=patient), place=hospital)
            c = services.move(actor=actor, consultation=c, to="in_progress", expected_version=c.version)
            c = services.finish(
                actor=actor, consultation=c, expected_version=c.version, topic=topic, outcome="follow_up"
            )
            if with_note:
                notes.write_note(actor=actor, consultation=c, text=rng.choice(NOTES), expected_version=0)
            # Held this morning, 40 minutes, after a wait of 8. Timestamps only.
            start = now.replace(hour=6, minute=30) if now.hour >= 8 else now - datetime.timedelta(hours=2)
            Consultation.objects.filter(pk=c.pk).update(
                queued_at=start - datetime.timedelta(minutes=8),
                called_at=start,
                started_at=start,
                ended_at=start + datetime.timedelta(minutes=40),
                duration_minutes=40,
            )
            made += 1
        resources = Resource.objects.filter(worker__user=psychologist)
        free = list(calendar.free_slots(resources, after=now + datetime.timedelta(hours=1))[:40])
        plan = [
            ("in_person", patients[3], ""),
            ("online", patients[4], "+79160001122"),
            ("phone", patients[5], "+79160003344"),
        ]
        for (fmt, patient, phone), slot in zip(plan, free[::6], strict=False):
            services.book(
                actor=actor, slot=slot, client=services.Client(person=patient, phone=phone), format=fmt, topic=topic
            )
            made += 1
    return made


# --- support groups ---------------------------------------------------------------------------------------


def seed_groups(
    ctx: SeedContext, psychologist: User, hospital: Organisation, onco_team: list[tuple[User, Organisation]]
) -> int:
    """The hospital's group before surgery, running for four weeks, full with two on the waiting list and
    its attendance marked; the oncological service's online group for patients and their relatives."""
    if SupportGroup.objects.exists():
        return 0
    patients = _patients(ctx, 40)
    if len(patients) < 20:
        return 0
    rng = random.Random(ctx.seed + 31)
    today = timezone.localdate()
    made = 0
    with transaction.atomic():
        actor = Actor.system(psychologist)
        group = groups.create_group(
            actor=actor,
            details=groups.GroupDetails(
                topic="Перед операцией: справиться с тревогой",
                weekday=2,
                starts=datetime.time(15, 0),
                first_on=today - datetime.timedelta(days=28),
                audience=SupportGroup.Audience.PATIENTS,
                place=hospital,
                room="Конференц-зал, корпус 2",
                sessions_planned=8,
                capacity=8,
            ),
        )
        for patient in patients[:10]:
            groups.add_member(actor=actor, group=group, person=patient)
        made += 11
        for session in group.sessions.filter(starts_at__lt=timezone.now()).order_by("starts_at"):
            members = groups.markable_members(session)
            groups.mark_attendance(actor=actor, session=session, marks={m.pk: rng.random() < 0.8 for m in members})
            made += 1
        if onco_team:
            facilitator = onco_team[0][0]
            online = groups.create_group(
                actor=Actor.system(facilitator),
                details=groups.GroupDetails(
                    topic="Жизнь с диагнозом: группа для пациентов и близких",
                    weekday=3,
                    starts=datetime.time(18, 30),
                    first_on=today - datetime.timedelta(days=14),
                    audience=SupportGroup.Audience.BOTH,
                    video_link=VIDEO_BASE + "group-zhizn-s-diagnozom",
                    sessions_planned=10,
                    capacity=12,
                ),
            )
            for patient in patients[10:16]:
                relative = ContactPerson.objects.filter(person=patient).first()
                groups.add_member(actor=Actor.system(facilitator), group=online, person=patient, relative=relative)
            made += 7
            for session in online.sessions.filter(starts_at__lt=timezone.now()):
                members = groups.markable_members(session)
                groups.mark_attendance(
                    actor=Actor.system(facilitator), session=session, marks={m.pk: rng.random() < 0.7 for m in members}
                )
                made += 1
    return made


# --- hotlines -------------------------------------------------------------------------------------------

ONCO_LINE = (
    "Горячая линия неотложной психологической помощи людям с онкологическими заболеваниями",
    "+7 (495) 587-00-51",
)
CITY_LINE = (
    "Круглосуточный телефон неотложной психологической помощи",
    "051; +7 (495) 051 с мобильного",
)
CALLS = [
    ("routine", "anonymous", "Тревога после сообщения диагноза; рассказали о консультациях онкопсихолога в ЦАОП."),
    ("routine", "relative", "Дочь пациентки: как поддержать маму перед химиотерапией; записана на консультацию."),
    ("elevated", "anonymous", "Бессонница, мысли «зачем лечиться»; договорились о звонке завтра."),
    ("routine", "anonymous", "Страх рецидива; техники самопомощи, ссылка на группу поддержки."),
    ("elevated", "relative", "Муж пациентки в отчаянии после консилиума; повторный звонок в течение суток."),
    ("routine", "anonymous", "Одиночество, нет сил на дорогу к врачу; информация о персональном помощнике."),
]


def _on_shift(team: list[User], turn: int, start: datetime.datetime, hours: int, now: datetime.datetime) -> User:
    """Whose shift it is: the demo login's whenever the shift covers this moment (so that the emergency
    call logged below leaves its follow-up with her), else the team's in turn."""
    if start <= now < start + datetime.timedelta(hours=hours):
        return team[0]
    return team[turn % len(team)]


def seed_hotlines(ctx: SeedContext, service: Organisation, team: list[User]) -> int:
    """The two lines with a week's roster (the 24-hour line with a hole on Sunday night, shown as a warning),
    and the last days' calls: routine, elevated (call-backs) and one emergency handed to the ambulance."""
    if HotlineLine.objects.exists():
        return 0
    now = timezone.now()
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    made = 0
    with transaction.atomic():
        onco = HotlineLine.objects.create(
            organisation=service,
            name=ONCO_LINE[0],
            phone=ONCO_LINE[1],
            opens=datetime.time(9),
            closes=datetime.time(21),
        )
        city = HotlineLine.objects.create(
            organisation=service, name=CITY_LINE[0], phone=CITY_LINE[1], round_the_clock=True
        )
        made += 2
        boss = Actor.system(team[0])
        for offset in range(-7, 8):
            day = today + datetime.timedelta(days=offset)
            nine = datetime.datetime.combine(day, datetime.time(9), tzinfo=zone)
            for n, (start, hours) in enumerate(((nine, 6), (nine + datetime.timedelta(hours=6), 6))):
                hotline.add_shift(
                    actor=boss,
                    line=onco,
                    psychologist=_on_shift(team, offset + n, start, hours, now),
                    starts_at=start,
                    ends_at=start + datetime.timedelta(hours=hours),
                )
                made += 1
            for n, (start, hours) in enumerate(((nine, 12), (nine + datetime.timedelta(hours=12), 12))):
                if day.weekday() == 6 and n == 1:
                    continue  # nobody on the 24-hour line on Sunday night: the roster shows the gap
                hotline.add_shift(
                    actor=boss,
                    line=city,
                    psychologist=_on_shift(team, offset + n + 1, start, hours, now),
                    starts_at=start,
                    ends_at=start + datetime.timedelta(hours=hours),
                )
                made += 1
        topics = {t.code: t for t in Topic.objects.filter(is_active=True)}
        fallback = next(iter(topics.values()))
        rng = random.Random(ctx.seed + 41)
        for n, (risk, caller, done) in enumerate(CALLS):
            at = now - datetime.timedelta(days=6 - n, hours=rng.randint(1, 6))
            line = onco if n % 2 == 0 else city
            taker = next(iter(hotline.on_duty(line, at)), team[0])
            hotline.log_call(
                actor=Actor.system(taker),
                data=hotline.CallInput(
                    line=line,
                    caller_kind=caller,
                    risk=risk,
                    action_taken=done,
                    topic=topics.get("anxiety" if risk == "routine" else "low_mood", fallback),
                    caller_label="Ирина" if caller == "relative" else "",
                    at=at,
                    duration_minutes=rng.randint(10, 40),
                ),
            )
            made += 1
        at = now - datetime.timedelta(minutes=35)
        taker = next(iter(hotline.on_duty(city, at)), team[0])
        hotline.log_call(
            actor=Actor.system(taker),
            data=hotline.CallInput(
                line=city,
                caller_kind="anonymous",
                risk="emergency",
                action_taken=(
                    "Говорит о намерении покончить с собой сегодня; удерживали на линии, "
                    "вызвана скорая по адресу звонящего."
                ),
                topic=topics.get("suicide_risk", fallback),
                at=at,
                duration_minutes=28,
                handed_to="ambulance",
                handover_reference="103-58214",
                safety_plan=(
                    "Не оставаться одному до приезда бригады; номер сестры записан; повторный звонок через час."
                ),
            ),
        )
        made += 1
    return made
