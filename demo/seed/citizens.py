"""Citizens up to ``--people``, spread over the districts by population, with phones, contact persons,
identity documents and consents.

Written in bulk, not through ``people.services``: the services journal every row and check for
duplicates, and the benchmark needs half a million citizens. Rows are generated as plain tuples and
written with ``demo.bulk.RowInserter`` in batches, one transaction each (``bulk_create`` spends most of
its time compiling values). Each concern has its own ``random.Random`` seeded from ``--seed``, so the
same seed gives the same city.
"""

import datetime
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import connection, transaction

from core.validators import fold_name, format_snils
from demo.bulk import RowInserter
from demo.seed import SeedContext
from demo.seed._names import FullName, Identifiers, name_pools, random_name
from directory.models import District
from people.models import Consent, ContactPerson, DisabilityGroup, IdentityDocument, Person, PersonPhone, Sex

ORDER = 30
LABEL = "Demo city"

MOSCOW = ZoneInfo("Europe/Moscow")
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


def seed(ctx: SeedContext) -> int:
    """Top the citizens up to ``ctx.people``."""
    if ctx.keep_city:
        return 0
    to_add = max(0, ctx.people - Person.objects.count())
    started = time.perf_counter()

    def progress(done: int) -> None:
        rate = done / max(time.perf_counter() - started, 1e-9)
        ctx.progress(f"  {done} / {to_add} citizens ({rate:.0f}/s)")

    return seed_citizens(
        count=to_add,
        seed=ctx.seed,
        recorded_by=ctx.users["operator"],
        batch_size=ctx.batch_size,
        progress=progress,
    )


def summary(added: int, seconds: float) -> str:
    # bench/run.py reads the rate from "(N added in S s (R citizens/s))".
    rate = f" in {seconds:.1f} s ({added / max(seconds, 1e-9):.0f} citizens/s)" if added else ""
    return (
        f"{Person.objects.count()} citizens ({added} added{rate}), {PersonPhone.objects.count()} phones, "
        f"{ContactPerson.objects.count()} contact persons, {IdentityDocument.objects.count()} documents, "
        f"{Consent.objects.count()} consents"
    )
