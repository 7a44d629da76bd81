"""Generate a demo city: one login per role, the field staff of every TCSO and citizens with their data.

Everything comes from one ``random.Random`` per concern, seeded from ``--seed``, so the same seed gives
the same city. Faker's ru_RU name and street lists are read once and sampled directly (calling Faker per
person is far slower). Citizens are generated as plain rows and written with ``demo.bulk.RowInserter``
in batches, one transaction each: ``bulk_create`` spends most of its time compiling values, and the
benchmark needs half a million citizens.
"""

import datetime
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.db.models import Q
from faker.providers.address.ru_RU import Provider as RussianAddresses
from faker.providers.person.ru_RU import Provider as RussianNames

from core.roles import Role
from core.validators import fold_name, format_snils, oms_check_digit, snils_checksum
from demo.bulk import RowInserter
from directory.models import District, Organisation, Skill, Worker
from directory.reference import CALL_CENTRE_NAME, PSYCH_SERVICE_NAME
from people.models import Consent, ContactPerson, DisabilityGroup, IdentityDocument, Person, PersonPhone, Sex

MOSCOW = ZoneInfo("Europe/Moscow")
HOME_DISTRICT = "Бирюлёво Восточное"

# Codes of the mobile operators most Muscovites have; every number in these ranges is valid.
MOBILE_CODES = (
    "903", "905", "906", "909", "915", "916", "917", "919", "925", "926", "929", "965", "966", "967",
    "968", "977", "985", "999",
)  # fmt: skip
HOME_CODES = ("495", "499")

SOCIAL_WORKERS_PER_TCSO = 6
VOLUNTEERS_PER_TCSO = 2
STREETS_PER_DISTRICT = 14

# Shares chosen to look like the people a city's social services see: mostly pensioners.
SENIOR_SHARE = 0.70
FEMALE_SHARE = {True: 0.64, False: 0.52}  # by is_senior: women outlive men
CHRONIC_ILLNESS = {True: 0.40, False: 0.12}
LIVES_ALONE = {True: 0.35, False: 0.18}
DISABILITY = {True: 0.12, False: 0.06}
DISABILITY_GROUPS = (DisabilityGroup.GROUP_1, DisabilityGroup.GROUP_2, DisabilityGroup.GROUP_3)
DISABILITY_GROUP_WEIGHTS = (0.15, 0.45, 0.40)
SELF_ISOLATING = 0.03
OMS_SHARE = 0.60
SECOND_PHONE = 0.45
SECOND_PHONE_KINDS = (PersonPhone.Kind.MOBILE, PersonPhone.Kind.HOME)
HOME_PHONE_FIRST = {True: 0.30, False: 0.08}
CONTACT_SHARE = 0.20
CONTACT_MAY_CALL = 0.75
DOCUMENT_SHARE = 0.10
CONSENT_SHARE = 0.92
CONTACT_TIMES_SHARE = 0.25

CONTACT_TIMES = (
    "после 10:00",
    "с 11:00 до 18:00",
    "только утром",
    "не звонить после 20:00",
    "лучше после обеда",
    "звонить на домашний",
)
CONSENT_EVIDENCE = (
    "устное согласие, записанный звонок",
    "подписанное заявление в ТЦСО",
    "заявление на mos.ru",
    "согласие при визите социального работника",
)
RELATIONS = (
    ContactPerson.Relation.CHILD,
    ContactPerson.Relation.GRANDCHILD,
    ContactPerson.Relation.SPOUSE,
    ContactPerson.Relation.SIBLING,
    ContactPerson.Relation.OTHER_RELATIVE,
    ContactPerson.Relation.NEIGHBOUR,
    ContactPerson.Relation.FRIEND,
    ContactPerson.Relation.GUARDIAN,
)
RELATION_WEIGHTS = (0.45, 0.10, 0.10, 0.07, 0.05, 0.13, 0.05, 0.05)
FAMILY = frozenset(
    {ContactPerson.Relation.CHILD, ContactPerson.Relation.GRANDCHILD, ContactPerson.Relation.SPOUSE,
     ContactPerson.Relation.SIBLING}
)  # fmt: skip
DOCUMENT_KINDS = (
    IdentityDocument.Kind.PASSPORT,
    IdentityDocument.Kind.SNILS,
    IdentityDocument.Kind.OMS,
    IdentityDocument.Kind.PENSION,
    IdentityDocument.Kind.DISABILITY,
)
DOCUMENT_KIND_WEIGHTS = (0.45, 0.15, 0.15, 0.15, 0.10)
DOCUMENT_STATUSES = tuple(IdentityDocument.Status)
DOCUMENT_STATUS_WEIGHTS = (0.45, 0.20, 0.20, 0.15)

_THREE_IN_A_ROW = re.compile(r"(\d)\1\1")


# --- Name and street lists -------------------------------------------------------------------------
@dataclass(frozen=True)
class NamePools:
    # Surname lists are parallel by index (Смирнов / Смирнова), so relatives can share a family name.
    surnames: dict[str, tuple[str, ...]]
    surname_cum_weights: tuple[float, ...]
    given_names: dict[str, tuple[str, ...]]
    patronymics: dict[str, tuple[str, ...]]
    streets: tuple[str, ...]


@cache
def name_pools() -> NamePools:
    male_surnames = tuple(RussianNames.last_names_male)
    female_surnames = tuple(RussianNames.last_names_female)
    if len(male_surnames) != len(female_surnames):
        raise RuntimeError("Faker's ru_RU surname lists are no longer parallel; pair them by stem.")
    # Faker lists surnames from the most common down; a Zipf-like weight keeps Смирнов common.
    weights = accumulate(1 / (rank + 20) for rank in range(len(male_surnames)))
    return NamePools(
        surnames={Sex.MALE: male_surnames, Sex.FEMALE: female_surnames},
        surname_cum_weights=tuple(weights),
        given_names={
            Sex.MALE: tuple(RussianNames.first_names_male),
            Sex.FEMALE: tuple(RussianNames.first_names_female),
        },
        patronymics={
            Sex.MALE: tuple(RussianNames.middle_names_male),
            Sex.FEMALE: tuple(RussianNames.middle_names_female),
        },
        streets=tuple(sorted({*RussianAddresses.street_titles, *RussianAddresses.street_titles_noflex})),
    )


@dataclass(frozen=True)
class FullName:
    surname: str
    given_name: str
    patronymic: str
    family: int  # index into the surname lists

    def __str__(self) -> str:
        return f"{self.surname} {self.given_name} {self.patronymic}"


def random_name(rng: random.Random, pools: NamePools, sex: str, family: int | None = None) -> FullName:
    if family is None:
        family = rng.choices(range(len(pools.surnames[sex])), cum_weights=pools.surname_cum_weights)[0]
    return FullName(
        surname=pools.surnames[sex][family],
        given_name=rng.choice(pools.given_names[sex]),
        patronymic=rng.choice(pools.patronymics[sex]),
        family=family,
    )


# --- Identifiers -----------------------------------------------------------------------------------
class Identifiers:
    """Draws SNILS, OMS numbers and phones that are valid and unused by anyone in the database."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.snils_taken: set[int] = set()
        self.oms_taken: set[int] = set()
        self.phones_taken: set[int] = set()

    def load_existing(self) -> None:
        snils = Person.objects.values_list("snils", flat=True)
        self.snils_taken.update(int(s[:9]) for s in snils if s and s[:9].isdigit())
        oms = Person.objects.values_list("oms_number", flat=True)
        self.oms_taken.update(int(s[:15]) for s in oms if s and s[:15].isdigit())
        numbers: Iterable[str]
        for numbers in (
            PersonPhone.objects.values_list("number", flat=True),
            ContactPerson.objects.exclude(phone="").values_list("phone", flat=True),
            Worker.objects.exclude(public_phone="").values_list("public_phone", flat=True),
        ):
            self.phones_taken.update(int(n[1:]) for n in numbers if n[1:].isdigit())

    def snils(self) -> str:
        while True:
            # Numbers up to 001-001-998 predate the checksum; draw only from the checked range.
            value = self.rng.randint(1_001_999, 999_999_999)
            first_nine = f"{value:09d}"
            if value not in self.snils_taken and not _THREE_IN_A_ROW.search(first_nine):
                self.snils_taken.add(value)
                return f"{first_nine}{snils_checksum(first_nine):02d}"

    def oms(self) -> str:
        while True:
            value = self.rng.randint(10**14, 10**15 - 1)
            if value not in self.oms_taken:
                self.oms_taken.add(value)
                first_fifteen = str(value)
                return f"{first_fifteen}{oms_check_digit(first_fifteen)}"

    def _phone(self, code: str, lowest: int) -> str:
        while True:
            number = int(f"7{code}{self.rng.randint(lowest, 9_999_999):07d}")
            if number not in self.phones_taken:
                self.phones_taken.add(number)
                return f"+{number}"

    def mobile(self) -> str:
        return self._phone(self.rng.choice(MOBILE_CODES), 0)

    def home_phone(self) -> str:
        # Moscow landline numbers do not start with 0 or 1.
        return self._phone(self.rng.choice(HOME_CODES), 2_000_000)


# --- Citizens --------------------------------------------------------------------------------------
PERSON_COLUMNS = (
    "surname", "given_name", "patronymic", "surname_folded", "given_name_folded", "patronymic_folded",
    "birth_date", "sex", "address", "district_id", "snils", "oms_number", "disability_group",
    "chronic_illness", "lives_alone", "self_isolating", "contact_times", "created_by_id",
)  # fmt: skip
# Rows of the related tables start with the person's SNILS, replaced by the person's id on insert.
PHONE_COLUMNS = ("person_id", "number", "kind", "is_primary")
CONTACT_COLUMNS = ("person_id", "full_name", "relation", "phone", "may_contact")
DOCUMENT_COLUMNS = ("person_id", "kind", "number", "issued_on", "status", "status_changed_at")
CONSENT_COLUMNS = ("person_id", "scope", "given_at", "evidence", "recorded_by_id")
_SNILS = PERSON_COLUMNS.index("snils")


@dataclass
class CitizenBatch:
    people: list[tuple[Any, ...]] = field(default_factory=list)
    phones: list[tuple[Any, ...]] = field(default_factory=list)
    contacts: list[tuple[Any, ...]] = field(default_factory=list)
    documents: list[tuple[Any, ...]] = field(default_factory=list)
    consents: list[tuple[Any, ...]] = field(default_factory=list)


class CitizenWriter:
    """Inserts citizen batches; one transaction per batch."""

    def __init__(self) -> None:
        self.people = RowInserter(Person, PERSON_COLUMNS)
        self.related = [
            (RowInserter(PersonPhone, PHONE_COLUMNS), "phones"),
            (RowInserter(ContactPerson, CONTACT_COLUMNS), "contacts"),
            (RowInserter(IdentityDocument, DOCUMENT_COLUMNS), "documents"),
            (RowInserter(Consent, CONSENT_COLUMNS), "consents"),
        ]

    def save(self, batch: CitizenBatch) -> None:
        with transaction.atomic():
            self.people.insert(batch.people)
            snils = [row[_SNILS] for row in batch.people]
            ids: dict[str | None, int] = {}
            for start in range(0, len(snils), 500):
                ids.update(Person.objects.filter(snils__in=snils[start : start + 500]).values_list("snils", "pk"))
            for inserter, name in self.related:
                inserter.insert((ids[row[0]], *row[1:]) for row in getattr(batch, name))


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class CitizenGenerator:
    """Makes citizens spread over districts in proportion to their population."""

    def __init__(
        self,
        *,
        rng: random.Random,
        identifiers: Identifiers,
        districts: Sequence[District],
        streets: dict[int, tuple[str, ...]],
        today: datetime.date,
        recorded_by: User,
    ) -> None:
        self.rng = rng
        self.ids = identifiers
        self.pools = name_pools()
        self.district_ids = [d.pk for d in districts]
        self.district_cum_weights = list(accumulate(max(d.population, 1) for d in districts))
        self.streets = streets
        self.today = today
        # Times relative to the start of today, so a seed gives the same rows all day long.
        self.midnight = datetime.datetime.combine(today, datetime.time(), tzinfo=MOSCOW)
        self.recorded_by_id = recorded_by.pk
        self.birthdays = {age: _add_years(today, -age) for age in range(0, 101)}

    def _passport_issued(self, birth_date: datetime.date, age: int) -> datetime.date:
        """Russian passports are issued at 14 and replaced at 20 and 45; the current kind exists since 1997."""
        reissue_age = 45 if age >= 45 else 20 if age >= 20 else 14
        issued_on = _add_years(birth_date, reissue_age) + datetime.timedelta(days=self.rng.randint(5, 60))
        if issued_on.year < 1998:  # exchanged from the Soviet passport in 1998-2004
            issued_on = datetime.date(1998, 1, 15) + datetime.timedelta(days=self.rng.randrange(7 * 365))
        return min(issued_on, self.today)

    def batch(self, size: int) -> CitizenBatch:
        batch = CitizenBatch()
        homes = self.rng.choices(self.district_ids, cum_weights=self.district_cum_weights, k=size)
        for district_id in homes:
            self._citizen(district_id, batch)
        return batch

    def _age(self, senior: bool) -> int:
        if senior:
            return min(95, int(self.rng.triangular(65, 96, 68)))
        return min(64, int(self.rng.triangular(18, 65, 58)))

    def _citizen(self, district_id: int, batch: CitizenBatch) -> None:
        rng = self.rng
        senior = rng.random() < SENIOR_SHARE
        sex = Sex.FEMALE if rng.random() < FEMALE_SHARE[senior] else Sex.MALE
        name = random_name(rng, self.pools, sex)
        age = self._age(senior)
        birth_date = self.birthdays[age] - datetime.timedelta(days=rng.randrange(365))
        address = (
            f"г. Москва, ул. {rng.choice(self.streets[district_id])}, "
            f"д. {rng.randint(1, 120)}, кв. {rng.randint(1, 320)}"
        )
        snils = self.ids.snils()
        oms_number = self.ids.oms() if rng.random() < OMS_SHARE else None
        disabled = rng.random() < DISABILITY[senior]
        batch.people.append(
            (
                name.surname,
                name.given_name,
                name.patronymic,
                # What Person.save() would put in the search columns.
                fold_name(name.surname),
                fold_name(name.given_name),
                fold_name(name.patronymic),
                birth_date,
                sex.value,
                address,
                district_id,
                snils,
                oms_number,
                rng.choices(DISABILITY_GROUPS, DISABILITY_GROUP_WEIGHTS)[0].value if disabled else "",
                rng.random() < CHRONIC_ILLNESS[senior],
                rng.random() < LIVES_ALONE[senior],
                rng.random() < SELF_ISOLATING,
                rng.choice(CONTACT_TIMES) if rng.random() < CONTACT_TIMES_SHARE else "",
                self.recorded_by_id,
            )
        )

        home_first = rng.random() < HOME_PHONE_FIRST[senior]
        kinds = [PersonPhone.Kind.HOME if home_first else PersonPhone.Kind.MOBILE]
        if rng.random() < SECOND_PHONE:
            kinds.append(PersonPhone.Kind.MOBILE if home_first else rng.choice(SECOND_PHONE_KINDS))
        for position, kind in enumerate(kinds):
            number = self.ids.home_phone() if kind == PersonPhone.Kind.HOME else self.ids.mobile()
            batch.phones.append((snils, number, kind.value, position == 0))

        may_contact = False
        if rng.random() < CONTACT_SHARE:
            may_contact = self._contact(snils, name, sex, batch)
        if rng.random() < DOCUMENT_SHARE:
            self._document(snils, oms_number, birth_date, age, batch)
        if rng.random() < CONSENT_SHARE:
            given_at = self.midnight - datetime.timedelta(seconds=rng.randrange(3 * 365 * 86400))
            evidence = rng.choice(CONSENT_EVIDENCE)
            batch.consents.append((snils, Consent.Scope.PD_PROCESSING.value, given_at, evidence, self.recorded_by_id))
            if may_contact:
                batch.consents.append(
                    (snils, Consent.Scope.CONTACT_RELATIVES.value, given_at, evidence, self.recorded_by_id)
                )

    def _contact(self, snils: str, name: FullName, sex: str, batch: CitizenBatch) -> bool:
        rng = self.rng
        relation = rng.choices(RELATIONS, RELATION_WEIGHTS)[0]
        if relation == ContactPerson.Relation.SPOUSE:
            contact_sex = Sex.MALE if sex == Sex.FEMALE else Sex.FEMALE
        else:
            contact_sex = rng.choice((Sex.MALE, Sex.FEMALE))
        family = name.family if relation in FAMILY else None
        contact_name = random_name(rng, self.pools, contact_sex, family)
        may_contact = rng.random() < CONTACT_MAY_CALL
        batch.contacts.append((snils, str(contact_name), relation.value, self.ids.mobile(), may_contact))
        return may_contact

    def _document(
        self, snils: str, oms_number: str | None, birth_date: datetime.date, age: int, batch: CitizenBatch
    ) -> None:
        rng = self.rng
        kind = rng.choices(DOCUMENT_KINDS, DOCUMENT_KIND_WEIGHTS)[0]
        # Most documents were issued (or last reissued) within the last fifteen years, never before 14.
        earliest = _add_years(birth_date, 14)
        issued_on = max(earliest, self.today - datetime.timedelta(days=rng.randint(30, 15 * 365)))
        if kind == IdentityDocument.Kind.PASSPORT:
            issued_on = self._passport_issued(birth_date, age)
            # Series: region (45 is Moscow) and the last two digits of the year of issue.
            number = f"45 {issued_on.year % 100:02d} {rng.randint(100000, 999999)}"
        elif kind == IdentityDocument.Kind.SNILS:
            number = format_snils(snils)
        elif kind == IdentityDocument.Kind.OMS:
            number = oms_number or ""
        elif kind == IdentityDocument.Kind.DISABILITY:
            number = f"МСЭ-{self.today.year - rng.randint(0, 10)} № {rng.randint(1000000, 9999999)}"
        else:
            number = f"№ {rng.randint(100000, 999999)}"
        status = rng.choices(DOCUMENT_STATUSES, DOCUMENT_STATUS_WEIGHTS)[0]
        changed_at = self.midnight - datetime.timedelta(days=rng.randrange(365))
        batch.documents.append((snils, kind.value, number, issued_on, status.value, changed_at))


def district_streets(seed: int, districts: Sequence[District]) -> dict[int, tuple[str, ...]]:
    """A fixed handful of streets per district, so neighbours share streets."""
    rng = random.Random(f"streets:{seed}")
    streets = name_pools().streets
    return {d.pk: tuple(rng.sample(streets, STREETS_PER_DISTRICT)) for d in districts}


def seed_citizens(
    *,
    count: int,
    seed: int,
    recorded_by: User,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Add ``count`` citizens; returns how many were added."""
    if count <= 0:
        return 0
    existing = Person.objects.count()
    # Python's ordering, not the database collation, so the seed means the same on every backend.
    districts = sorted(District.objects.all(), key=lambda d: d.name)
    if not districts:
        raise RuntimeError("No districts: run load_reference first.")
    rng = random.Random(f"citizens:{seed}:{existing}")
    identifiers = Identifiers(rng)
    identifiers.load_existing()
    writer = CitizenWriter()
    generator = CitizenGenerator(
        rng=rng,
        identifiers=identifiers,
        districts=districts,
        streets=district_streets(seed, districts),
        today=datetime.datetime.now(tz=MOSCOW).date(),
        recorded_by=recorded_by,
    )
    done = 0
    while done < count:
        size = min(batch_size, count - done)
        writer.save(generator.batch(size))
        done += size
        if progress:
            progress(done)
    refresh_statistics()
    return done


def refresh_statistics() -> None:
    """A bulk load leaves the query planner's statistics stale until autovacuum (PostgreSQL) or never
    (SQLite) catches up; without them the first searches can pick sequential scans."""
    tables = [m._meta.db_table for m in (Person, PersonPhone, ContactPerson, IdentityDocument, Consent)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


# --- Staff -----------------------------------------------------------------------------------------
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
        "psychologist", Role.PSYCHOLOGIST, "Зайцева", "Ирина", "Михайловна", "Психолог", "psych_service",
        skills=("psychology",),
    ),
    DemoUser(
        "navigator", Role.NAVIGATOR, "Кузнецова", "Наталья", "Петровна", "Персональный помощник",
        "oncology_centre", skills=("medical",),
    ),
)  # fmt: skip


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
    return users


def seed_field_staff(*, seed: int) -> int:
    """Six social workers and two volunteers for every TCSO; returns how many were added."""
    rng = random.Random(f"staff:{seed}")
    pools = name_pools()
    groups = {g.name: g for g in Group.objects.filter(name__in=[Role.SOCIAL_WORKER, Role.VOLUNTEER])}
    skills = sorted(Skill.objects.all(), key=lambda s: s.code)
    existing = set(
        User.objects.filter(Q(username__startswith="sw-") | Q(username__startswith="vol-")).values_list(
            "username", flat=True
        )
    )
    tcsos = Organisation.objects.filter(kind=Organisation.Kind.TCSO).prefetch_related("districts").order_by("pk")

    plans: list[tuple[User, Worker, list[int], list[int], Role]] = []
    for tcso in tcsos:
        district_ids = sorted(d.pk for d in tcso.districts.all())
        roster = [("sw", n, Role.SOCIAL_WORKER) for n in range(1, SOCIAL_WORKERS_PER_TCSO + 1)] + [
            ("vol", n, Role.VOLUNTEER) for n in range(1, VOLUNTEERS_PER_TCSO + 1)
        ]
        for prefix, number, role in roster:
            # Draw names for existing users too, so the same username keeps getting the same name.
            sex = Sex.FEMALE if rng.random() < (0.8 if role == Role.SOCIAL_WORKER else 0.5) else Sex.MALE
            name = random_name(rng, pools, sex)
            skill_ids = [s.pk for s in rng.sample(skills, rng.randint(1, 3))] if skills else []
            username = f"{prefix}-{tcso.pk}-{number}"
            if username in existing:
                continue
            user = User(username=username, first_name=name.given_name, last_name=name.surname)
            user.set_unusable_password()
            volunteer = role == Role.VOLUNTEER
            worker = Worker(
                kind=Worker.Kind.VOLUNTEER if volunteer else Worker.Kind.STAFF,
                surname=name.surname,
                given_name=name.given_name,
                patronymic=name.patronymic,
                position="Волонтёр" if volunteer else "Социальный работник",
                organisation=tcso,
                daily_capacity=4 if volunteer else 8,
            )
            plans.append((user, worker, district_ids, skill_ids, role))
    if not plans:
        return 0
    identifiers = Identifiers(rng)
    identifiers.load_existing()
    for _, worker, *_ in plans:
        worker.public_phone = identifiers.mobile()

    with transaction.atomic():
        User.objects.bulk_create([p[0] for p in plans])
        for user, worker, *_ in plans:
            worker.user = user
        Worker.objects.bulk_create([p[1] for p in plans])
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=user.pk, group_id=groups[role].pk) for user, _, _, _, role in plans]
        )
        Worker.districts.through.objects.bulk_create(
            [Worker.districts.through(worker_id=w.pk, district_id=d) for _, w, ds, _, _ in plans for d in ds]
        )
        Worker.skills.through.objects.bulk_create(
            [Worker.skills.through(worker_id=w.pk, skill_id=s) for _, w, _, ss, _ in plans for s in ss]
        )
    return len(plans)
