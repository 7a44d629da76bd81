"""One demo login per role, each with its worker record in the organisation where the role belongs,
and the telephony system's service account.

Created with the ORM: the demo city needs its logins before there is an administrator to make them (the
admin site), and there are only a dozen of them. Existing demo users are left as they are, password
included. The service account has no password and no worker record: it posts call events with a token
(``manage.py create_api_token telephony``, or the admin site's action), and nobody logs in as it.
"""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User

from accounts.services import exempt_from_second_factor
from core.actor import Actor
from core.roles import Role
from demo.seed import SeedContext
from directory.models import Organisation, Skill, Worker
from directory.reference import CALL_CENTRE_NAME, PSYCH_SERVICE_NAME

ORDER = 10
LABEL = "Demo users"

HOME_DISTRICT = "Бирюлёво Восточное"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    surname: str
    given_name: str
    patronymic: str
    position: str
    organisation: str  # key into demo_organisations()
    public_phone: str = ""
    skills: tuple[str, ...] = ()


DEMO_USERS = (
    DemoUser("admin", Role.ADMINISTRATOR, "Крылов", "Сергей", "Павлович", "Администратор системы", ""),
    # A second administrator confirms the role requests the first makes (accounts: four eyes).
    DemoUser("admin2", Role.ADMINISTRATOR, "Никитина", "Вера", "Олеговна", "Администратор системы", ""),
    DemoUser(
        "supervisor", Role.SUPERVISOR, "Орлова", "Елена", "Викторовна", "Руководитель смены колл-центра",
        "call_centre",
    ),
    DemoUser("operator", Role.OPERATOR, "Морозова", "Анна", "Сергеевна", "Оператор колл-центра", "call_centre"),
    DemoUser("dispatcher", Role.DISPATCHER, "Белова", "Ольга", "Николаевна", "Диспетчер ТЦСО", "home_tcso"),
    DemoUser(
        "worker", Role.SOCIAL_WORKER, "Соколова", "Марина", "Ивановна", "Социальный работник", "home_tcso",
        public_phone="+79161230001", skills=("car", "heavy_loads", "cash"),
    ),
    DemoUser(
        "volunteer", Role.VOLUNTEER, "Лебедев", "Дмитрий", "Андреевич", "Волонтёр", "home_tcso",
        public_phone="+79161230002", skills=("pets", "cash"),
    ),
    DemoUser(
        "coordinator", Role.COORDINATOR, "Волкова", "Татьяна", "Александровна", "Социальный координатор",
        "hospital",
    ),
    DemoUser(
        "psychologist", Role.PSYCHOLOGIST, "Зайцева", "Ирина", "Михайловна", "Медицинский психолог", "hospital",
        skills=("psychology",),
    ),
    # The city's psychological service: onco-psychologists at the outpatient oncology centres, on duty on the
    # hotlines (the hospital psychologist above answers the hospital's walk-ins and crises).
    DemoUser(
        "oncopsychologist", Role.PSYCHOLOGIST, "Миронова", "Алла", "Сергеевна", "Онкопсихолог", "psych_service",
        skills=("psychology",),
    ),
    DemoUser(
        "navigator", Role.NAVIGATOR, "Кузнецова", "Наталья", "Петровна", "Персональный помощник",
        "oncology_centre", skills=("medical",),
    ),
)  # fmt: skip


# The telephony system's service account of the demo city: (username, first name, last name).
TELEPHONY_ACCOUNT = ("telephony", "Телефонная", "система")


def demo_organisations() -> dict[str, Organisation | None]:
    def first(**lookup: object) -> Organisation | None:
        return Organisation.objects.filter(**lookup).order_by("pk").first()

    return {
        "": None,
        "call_centre": first(name=CALL_CENTRE_NAME),
        "home_tcso": first(kind=Organisation.Kind.TCSO, districts__name=HOME_DISTRICT),
        "hospital": first(kind=Organisation.Kind.HOSPITAL),
        "psych_service": first(name=PSYCH_SERVICE_NAME),
        "oncology_centre": first(kind=Organisation.Kind.ONCOLOGY_CENTRE),
    }


def ensure_demo_users(password: str) -> dict[str, User]:
    """Create the missing demo logins; existing ones are left as they are (their password too)."""
    users = {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])}
    missing = [d for d in DEMO_USERS if d.username not in users]
    if not missing:
        return users
    password_hash = make_password(password)  # slow on purpose (PBKDF2): once for all of them
    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    organisations = demo_organisations()
    skills = {s.code: s for s in Skill.objects.all()}
    for demo in missing:
        user = User.objects.create(
            username=demo.username,
            password=password_hash,
            first_name=demo.given_name,
            last_name=demo.surname,
            is_staff=demo.role == Role.ADMINISTRATOR,
        )
        user.groups.set([groups[demo.role]])
        organisation = organisations[demo.organisation]
        worker, created = Worker.objects.get_or_create(
            user=user,
            defaults={
                "kind": Worker.Kind.VOLUNTEER if demo.role == Role.VOLUNTEER else Worker.Kind.STAFF,
                "surname": demo.surname,
                "given_name": demo.given_name,
                "patronymic": demo.patronymic,
                "position": demo.position,
                "organisation": organisation,
                "public_phone": demo.public_phone,
            },
        )
        if created and demo.role in (Role.SOCIAL_WORKER, Role.VOLUNTEER) and organisation:
            worker.districts.set(organisation.districts.all())
        if created:
            worker.skills.set([skills[code] for code in demo.skills if code in skills])
        users[demo.username] = user
    # The demo logins need no second factor, so that a newcomer can try every role; the login page says so.
    actor = Actor.system(users["admin"])
    for demo in missing:
        exempt_from_second_factor(actor=actor, user=users[demo.username])
    return users


def ensure_telephony_account() -> tuple[User, bool]:
    """The telephony service account, without a password (it uses a token); an existing one is kept."""
    username, first_name, last_name = TELEPHONY_ACCOUNT
    user, created = User.objects.get_or_create(
        username=username, defaults={"password": make_password(None), "first_name": first_name, "last_name": last_name}
    )
    if created:
        user.groups.set([Group.objects.get(name=Role.TELEPHONY)])
    return user, created


def seed(ctx: SeedContext) -> int:
    """Make sure every demo login and the telephony account exist; hand the logins to the later steps in
    ``ctx.users``."""
    existing = User.objects.filter(username__in=[d.username for d in DEMO_USERS]).count()
    ctx.users.update(ensure_demo_users(ctx.password))
    _telephony, telephony_created = ensure_telephony_account()
    return len(DEMO_USERS) - existing + int(telephony_created)
