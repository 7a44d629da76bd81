"""Demo oncology navigation: the personal assistants with their capacities and polyclinics (the demo login
``navigator`` serves the first polyclinics), a month of referrals to an oncologist — most patients agreed
and were assigned an assistant by caseload, some refused, two wait for an answer — the facilities the
assistants book (an oncologist, CT, MRI, ultrasound and biopsy at the outpatient oncology centres; an
oncologist, CT and MRI at some hospitals) with their weekly hours and slots, and the patients' journeys at
every stage: waiting for the oncologist (some late, with or without a reason), tests booked, a missed MRI
with its call, a diagnosis, treatment, follow-up, cancer excluded.

Made through the services, once. The past is written as it happened: referrals, steps and stages carry
their dates; an appointment in the past is booked as the assistant booked it days before (the slot
calendar's ``now``) and its outcome recorded through the service."""

import datetime
import random

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from assistance.models import ServiceType
from core.actor import Actor
from core.roles import Role
from demo.seed import SeedContext
from directory.models import DiagnosisCode, Organisation, Worker
from navigation import appointments, handovers, journeys, services
from navigation.models import Appointment, AssistantCapacity, Journey, JourneyStep, Referral
from people.models import Person
from scheduling import services as slot_calendar
from scheduling.models import Resource, Slot, WeeklyHours
from scheduling.workdays import add_working_days, working_days_between

ORDER = 70
LABEL = "Demo oncology navigation"

ASSISTANTS = [
    ("Егорова", "Светлана", "Игоревна"),
    ("Павлов", "Максим", "Олегович"),
    ("Соловьёва", "Дарья", "Андреевна"),
]
DOCTORS = ["Петров И. С., терапевт", "Смирнова А. В., терапевт", "Ковалёв Д. Н., хирург", "Лебедева О. П., гинеколог"]
# Common suspected diagnoses of referrals (ICD-10 categories).
CODES = ["C50", "C34", "C18", "C61", "C16", "C43", "C64", "C53", "D05", "C73", "C20", "C25"]
REFERRALS = 40


def seed(ctx: SeedContext) -> int:
    navigator = ctx.users.get("navigator")
    polyclinics = list(Organisation.objects.filter(kind=Organisation.Kind.POLYCLINIC).order_by("pk"))
    if navigator is None or not polyclinics:
        return 0
    made = _assistants(navigator, polyclinics)
    made += _facilities()
    made += _referrals(ctx, navigator, polyclinics)
    return made


def summary(added: int, seconds: float) -> str:
    counts = {c: Referral.objects.filter(consent=c).count() for c in Referral.Consent.values}
    resources = Resource.objects.filter(code__in=[c for c, *_r in CENTRE_RESOURCES])
    return (
        f"{Referral.objects.count()} referrals ({counts['given']} agreed, {counts['refused']} refused, "
        f"{counts['pending']} waiting), {AssistantCapacity.objects.count()} assistants, "
        f"{resources.count()} doctors and devices with {Slot.objects.filter(resource__in=resources).count()} slots, "
        f"{Appointment.objects.count()} appointments ({added} added)"
    )


def _assistant(
    username: str, names: tuple[str, str, str], organisation: Organisation | None, phone: str
) -> User | None:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing if existing.is_active else None
    group = Group.objects.filter(name=Role.NAVIGATOR).first()
    if group is None:
        return None
    surname, given_name, patronymic = names
    user = User(username=username, first_name=given_name, last_name=surname)
    user.set_unusable_password()
    user.save()
    user.groups.set([group])
    Worker.objects.create(
        user=user,
        surname=surname,
        given_name=given_name,
        patronymic=patronymic,
        position="Персональный помощник",
        organisation=organisation,
        public_phone=phone,
    )
    return user


def _assistants(navigator: User, polyclinics: list[Organisation]) -> int:
    """The demo login serves the first three polyclinics with a colleague; the others share the rest."""
    if AssistantCapacity.objects.exists():
        return 0
    centre = getattr(navigator, "worker", None)
    organisation = centre.organisation if centre is not None else None
    found = [
        _assistant(f"pa-{n + 1}", names, organisation, f"+7916555010{n + 1}") for n, names in enumerate(ASSISTANTS)
    ]
    team = [navigator, *[user for user in found if user is not None]]
    worker = Worker.objects.filter(user=navigator).first()
    if worker is not None and not worker.public_phone:
        Worker.objects.filter(pk=worker.pk).update(public_phone="+79165550100")
    made = 0
    with transaction.atomic():
        for n, user in enumerate(team):
            capacity = AssistantCapacity.objects.create(assistant=user, capacity=120 if n else 150)
            served = polyclinics[:3] if n < 2 else polyclinics[3 + (n - 2) * 5 : 3 + (n - 1) * 5] or polyclinics[3:]
            capacity.polyclinics.set(served)
            made += 1
    return made


def _referrals(ctx: SeedContext, navigator: User, polyclinics: list[Organisation]) -> int:
    if Referral.objects.exists():
        return 0
    codes = list(DiagnosisCode.objects.filter(code__in=CODES, is_active=True))
    people = list(Person.objects.filter(birth_date__year__lte=1975).order_by("pk")[200 : 200 + REFERRALS])
    if not codes or len(people) < REFERRALS:
        return 0
    rng = random.Random(ctx.seed + 51)
    today = timezone.localdate()
    actor = Actor.system(navigator)
    made = 0
    with transaction.atomic():
        for n, person in enumerate(people):
            polyclinic = polyclinics[n % 3] if n % 4 else rng.choice(polyclinics)
            referral = services.register_referral(
                actor=actor,
                person=person,
                data=services.ReferralInput(
                    polyclinic=polyclinic,
                    referring_doctor=rng.choice(DOCTORS),
                    referred_on=today - datetime.timedelta(days=rng.randint(0, 30)),
                    diagnosis=rng.choice(codes),
                    urgency=Referral.Urgency.URGENT if rng.random() < 0.2 else Referral.Urgency.ROUTINE,
                ),
            )
            made += 1
            if n in (0, 1):
                continue  # waiting for the patient's answer
            if n % 9 == 0:
                services.record_refusal(
                    actor=actor, referral=referral, reason="Справится сам, родственники помогут", expected_version=1
                )
                continue
            journey = services.enrol(
                actor=actor,
                referral=referral,
                reminders_by="call" if n % 5 == 0 else "sms",
                evidence="согласие при выдаче направления, подпись в поликлинике",
                expected_version=1,
            )
            made += _history(journey, referral.referred_on, n, rng)
    return made


# --- the facilities the assistants book ------------------------------------------------------------------

# code, kind, name, weekdays, opens, closes, slot minutes
CENTRE_RESOURCES = [
    ("oncologist", Resource.Kind.SPECIALTY, "Врач-онколог ЦАОП", range(5), 9, 17, 20),
    ("ct", Resource.Kind.DEVICE, "Компьютерная томография (КТ)", range(6), 8, 20, 30),
    ("mri", Resource.Kind.DEVICE, "Магнитно-резонансная томография (МРТ)", range(5), 8, 20, 40),
    ("ultrasound", Resource.Kind.DEVICE, "Ультразвуковое исследование (УЗИ)", range(5), 9, 15, 20),
    ("biopsy", Resource.Kind.SPECIALTY, "Биопсия под контролем УЗИ", (1, 3), 9, 13, 60),
]
HOSPITAL_RESOURCES = ("oncologist", "ct", "mri")
HOSPITALS_WITH_ONCOLOGY = 8
HISTORY_DAYS = 30


def _facilities() -> int:
    """The oncology centres' doctors and devices, and those of the first hospitals of different okrugs:
    weekly hours and slots from a month back (the visits already held) to the calendar's horizon."""
    if Resource.objects.filter(code="ct").exists():
        return 0
    centres = list(Organisation.objects.filter(kind=Organisation.Kind.ONCOLOGY_CENTRE, is_active=True))
    hospitals: list[Organisation] = []
    okrugs: set[int | None] = set()
    for hospital in Organisation.objects.filter(kind=Organisation.Kind.HOSPITAL, is_active=True).order_by("pk"):
        if hospital.okrug_id not in okrugs and len(hospitals) < HOSPITALS_WITH_ONCOLOGY:
            hospitals.append(hospital)
            okrugs.add(hospital.okrug_id)
    today = timezone.localdate()
    start = today - datetime.timedelta(days=HISTORY_DAYS)
    made = 0
    with transaction.atomic():
        for place, wanted in [(c, CENTRE_RESOURCES) for c in centres] + [
            (h, [r for r in CENTRE_RESOURCES if r[0] in HOSPITAL_RESOURCES]) for h in hospitals
        ]:
            for code, kind, name, weekdays, opens, closes, minutes in wanted:
                resource = Resource.objects.create(organisation=place, kind=kind, code=code, name=name)
                WeeklyHours.objects.bulk_create(
                    WeeklyHours(
                        resource=resource,
                        weekday=day,
                        starts=datetime.time(opens),
                        ends=datetime.time(closes),
                        slot_minutes=minutes,
                        valid_from=start,
                    )
                    for day in weekdays
                )
                slot_calendar.generate_slots(
                    resource, start, today + datetime.timedelta(days=slot_calendar.HORIZON_DAYS)
                )
                made += 1
    return made


# --- the journeys' history --------------------------------------------------------------------------------

OUTCOMES = ["Осмотрена, назначены КТ и биопсия", "Направлена на МРТ", "Диагноз уточнён, рекомендован консилиум"]


def _first_free(code: str, journey: Journey, after: datetime.datetime) -> Slot | None:
    found = appointments.search_slots(code, journey.case.person, after=after, limit=1)
    return found[0] if found else None


def _past_visit(journey: Journey, code: str, kind: str, day: datetime.date, outcome: str, result: str) -> int:
    """A visit on ``day`` as it went: booked by the assistant two days before, then its outcome recorded."""
    zone = timezone.get_current_timezone()
    morning = datetime.datetime.combine(day, datetime.time(9), tzinfo=zone)
    slot = (
        Slot.objects.filter(
            resource__in=appointments.bookable_resources(code), starts_at__gte=morning, ends_at__lte=timezone.now()
        )
        .exclude(bookings__status="booked")
        .order_by("starts_at")
        .first()
    )
    if slot is None:
        return 0
    actor = Actor.system(journey.assistant)
    booking = slot_calendar.book(
        actor=actor,
        slot=slot,
        purpose=appointments.PURPOSE,
        person_id=journey.case.person_id,
        now=slot.starts_at - datetime.timedelta(days=2),
    )
    appointment = Appointment.objects.create(journey=journey, booking=booking, kind=kind, booked_by=journey.assistant)
    appointments.record_outcome(
        actor=actor, appointment=appointment, outcome=outcome, result=result, expected_version=1
    )
    return 1


def _book(journey: Journey, code: str, kind: str, days_ahead: int) -> int:
    zone = timezone.get_current_timezone()
    after = datetime.datetime.combine(
        timezone.localdate() + datetime.timedelta(days=days_ahead), datetime.time(8), tzinfo=zone
    )
    slot = _first_free(code, journey, after)
    if slot is None:
        return 0
    appointments.book_appointment(actor=Actor.system(journey.assistant), journey=journey, slot=slot, kind=kind)
    return 1


def _move(journey: Journey, to: str, on: datetime.date, **extra: str) -> None:
    journey.refresh_from_db()
    journeys.move_stage(
        actor=Actor.system(journey.assistant),
        journey=journey,
        to=to,
        began_on=min(on, timezone.localdate()),
        expected_version=journey.version,
        **extra,
    )


def _done(journey: Journey, milestone: str, on: datetime.date) -> None:
    step = JourneyStep.objects.filter(journey=journey, milestone=milestone, status="open").first()
    if step is not None:
        journeys.complete_step(
            actor=Actor.system(journey.assistant),
            step=step,
            done_on=min(on, timezone.localdate()),
            expected_version=step.version,
        )


def _history(journey: Journey, referred_on: datetime.date, n: int, rng: random.Random) -> int:
    """Where the patient's way has got to since the referral, varied by ``n``."""
    today = timezone.localdate()
    seen = min(add_working_days(referred_on, rng.choice((1, 2, 3, 5))), today)
    made = 0
    if referred_on < today - datetime.timedelta(days=2):
        welcome = journey.call_tasks.get(kind="welcome")
        journeys.finish_call(
            actor=Actor.system(journey.assistant),
            task=welcome,
            result="Познакомились, объяснила маршрут и как со мной связаться",
            expected_version=welcome.version,
        )
    # Referred in the last three working days: waiting for the oncologist, booked or not yet; older: on the
    # way further, and now and then one still waiting, late.
    recent = working_days_between(referred_on, today) <= 3
    shape = n % 2 if recent else (0 if n % 11 == 0 else 2 + n % 5)
    if shape == 0:
        # Still waiting for the oncologist: late if the referral is old; the reason recorded for some.
        step = JourneyStep.objects.get(journey=journey, milestone="oncologist")
        if step.due_on < today and n % 2 == 0:
            journeys.explain_delay(
                actor=Actor.system(journey.assistant),
                step=step,
                reason="unreachable",
                note="не берёт трубку, написали СМС",
                expected_version=step.version,
            )
        made += _book(journey, "oncologist", "oncologist", 1)
    elif shape == 1:
        made += _book(journey, "oncologist", "oncologist", 2)
    elif shape == 2 and seen < today:
        made += _past_visit(journey, "oncologist", "oncologist", seen, "attended", rng.choice(OUTCOMES))
        _move(journey, "diagnostics", seen)
        made += _book(journey, "ct", "ct", 1)
        made += _book(journey, "biopsy", "biopsy", 3)
    elif shape == 3 and seen < today - datetime.timedelta(days=2):
        made += _past_visit(journey, "oncologist", "oncologist", seen, "attended", "Направлена на МРТ")
        _move(journey, "diagnostics", seen)
        made += _past_visit(journey, "mri", "mri", today - datetime.timedelta(days=1), "missed", "")
    elif shape == 4:
        _done(journey, "oncologist", seen)
        _move(journey, "diagnostics", seen)
        _done(journey, "diagnostics", min(add_working_days(seen, 5), today))
        diagnosed = min(add_working_days(seen, 6), today)
        _move(journey, "diagnosis", diagnosed, diagnosis_result="confirmed")
        _done(journey, "dispensary", min(add_working_days(diagnosed, 2), today))
        made += _book(journey, "oncologist", "tumour_board", 2)
        service = next(iter(handovers.psych_services()), None)
        if service is not None:
            handovers.ask_psychologist(
                actor=Actor.system(journey.assistant), journey=journey, service=service, note="тревога после диагноза"
            )
    elif shape == 5:
        _done(journey, "oncologist", seen)
        _move(journey, "diagnostics", seen)
        _move(journey, "diagnosis", min(add_working_days(seen, 4), today), diagnosis_result="excluded")
    elif shape == 6:
        _done(journey, "oncologist", seen)
        _move(journey, "diagnosis", seen, diagnosis_result="confirmed")
        _done(journey, "dispensary", min(add_working_days(seen, 2), today))
        _done(journey, "tumour_board", min(add_working_days(seen, 4), today))
        _move(journey, "treatment", min(add_working_days(seen, 6), today))
        _move(journey, "follow_up", today)
        made += _book(journey, "oncologist", "follow_up", 30)
        medicines = ServiceType.objects.filter(code="medicines", is_active=True).first()
        if medicines is not None and n % 2 == 0:
            handovers.ask_tcso(
                actor=Actor.system(journey.assistant),
                journey=journey,
                service_type=medicines,
                details="После курса лечения слабость, нужна доставка лекарств по рецепту",
                consent_evidence="устное согласие по телефону",
            )
    return made
