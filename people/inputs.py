"""What the registry's services are given: a citizen's fields as plain values, already normalised.

Forms (people/forms.py) and the API (people/api/inputs.py) turn what users typed into these; the
services and the duplicate check (people/selectors.py) take them.
"""

from dataclasses import dataclass, field
from typing import Any

from people.models import PersonPhone

PERSON_FIELDS = [
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "sex",
    "address",
    "district_id",
    "latitude",
    "longitude",
    "snils",
    "oms_number",
    "disability_group",
    "chronic_illness",
    "lives_alone",
    "self_isolating",
    "preferred_language",
    "contact_times",
]


@dataclass
class PhoneInput:
    number: str  # E.164, already normalised by the form or schema
    kind: str = PersonPhone.Kind.MOBILE
    is_primary: bool = False


@dataclass
class PersonInput:
    surname: str
    given_name: str
    patronymic: str = ""
    birth_date: Any = None
    sex: str = "unknown"
    address: str = ""
    district_id: int | None = None
    latitude: Any = None
    longitude: Any = None
    snils: str | None = None
    oms_number: str | None = None
    disability_group: str = ""
    chronic_illness: bool = False
    lives_alone: bool = False
    self_isolating: bool = False
    preferred_language: str = "ru"
    contact_times: str = ""
    phones: list[PhoneInput] = field(default_factory=list)
