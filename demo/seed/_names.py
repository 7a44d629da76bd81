"""What the seeding steps share: Russian name and street lists, and identifiers nobody has yet.

Faker's ru_RU name and street lists are read once and sampled directly (calling Faker per person is far
slower). Not a step: modules whose name starts with ``_`` are skipped by ``demo.seed.steps()``.
"""

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import accumulate

from faker.providers.address.ru_RU import Provider as RussianAddresses
from faker.providers.person.ru_RU import Provider as RussianNames

from core.validators import oms_check_digit, snils_checksum
from directory.models import Worker
from people.models import ContactPerson, Person, PersonPhone, Sex

# Codes of the mobile operators most Muscovites have; every number in these ranges is valid.
MOBILE_CODES = (
    "903", "905", "906", "909", "915", "916", "917", "919", "925", "926", "929", "965", "966", "967",
    "968", "977", "985", "999",
)  # fmt: skip
HOME_CODES = ("495", "499")

_THREE_IN_A_ROW = re.compile(r"(\d)\1\1")


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
