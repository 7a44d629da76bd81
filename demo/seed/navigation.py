"""Demo oncology navigation: the personal assistants with their capacities and polyclinics (the demo login
``navigator`` serves the first polyclinics), and a month of referrals to an oncologist — most patients agreed
and were assigned an assistant by caseload, some refused, two wait for an answer. Made through the services,
once; only the referrals' dates are in the past, as the polyclinics wrote them."""

import datetime
import random

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from core.actor import Actor
from core.roles import Role
from demo.seed import SeedContext
from directory.models import DiagnosisCode, Organisation, Worker
from navigation import services
from navigation.models import AssistantCapacity, Referral
from people.models import Person

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
REFERRALS = 24


def seed(ctx: SeedContext) -> int:
    navigator = ctx.users.get("navigator")
    polyclinics = list(Organisation.objects.filter(kind=Organisation.Kind.POLYCLINIC).order_by("pk"))
    if navigator is None or not polyclinics:
        return 0
    made = _assistants(navigator, polyclinics)
    made += _referrals(ctx, navigator, polyclinics)
    return made


def summary(added: int, seconds: float) -> str:
    counts = {c: Referral.objects.filter(consent=c).count() for c in Referral.Consent.values}
    return (
        f"{Referral.objects.count()} referrals ({counts['given']} agreed, {counts['refused']} refused, "
        f"{counts['pending']} waiting), {AssistantCapacity.objects.count()} assistants ({added} added)"
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
            capacity = AssistantCapacity.objects.create(assistant=user, capacity=120 if n else 60)
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
            services.enrol(
                actor=actor,
                referral=referral,
                reminders_by="call" if n % 5 == 0 else "sms",
                evidence="согласие при выдаче направления, подпись в поликлинике",
                expected_version=1,
            )
    return made
