"""Shapes of the citizen registry's API requests and answers (pydantic, through django-ninja).

Input schemas only check JSON types; the rules of the registry (SNILS checksum, phones, dates in the
past, known district) are applied by :mod:`people.api.inputs` with the project's validators, so the
messages are the same as on the pages and translated into the request's language.
"""

import datetime

from ninja import Schema
from pydantic import AliasChoices, Field

from api.schemas import Strict, one_of
from core.validators import MAX_ID
from people.models import DisabilityGroup, Person, PersonPhone, Sex
from people.selectors import FoundPerson


class DuplicateCandidateOut(Schema):
    id: int
    full_name: str
    birth_date: datetime.date | None
    reason: str = Field(description="Why it looks like the same person: snils, phone or birth_date.")


class DuplicatesOut(Schema):
    detail: str
    candidates: list[DuplicateCandidateOut]
    errors: dict[str, list[str]] | None = None


class DistrictOut(Schema):
    id: int
    name: str


class PhoneOut(Schema):
    number: str = Field(description="E.164, e.g. +79161234567.")
    kind: str
    is_primary: bool


class FlagsOut(Schema):
    disability_group: str = Field(description='"", "1", "2" or "3".')
    chronic_illness: bool
    lives_alone: bool
    self_isolating: bool


class PersonListItemOut(Schema):
    """One match. With ``card`` false the match is at search level: name, birth date and district only."""

    id: int
    card: bool = Field(
        description="Whether the caller may open the record (GET /people/{id}). When false, version, "
        "primary_phone and matched_as_relative are empty: the caller sees name, birth date and district only."
    )
    version: int | None = Field(description="Null at search level.")
    surname: str
    given_name: str
    patronymic: str
    birth_date: datetime.date | None
    district: DistrictOut | None
    primary_phone: str | None = Field(description="E.164; null at search level.")
    matched_as_relative: bool = Field(default=False, description="Found because a relative has the phone searched for.")


class PersonListOut(Schema):
    count: int = Field(description="Number of matches (the search stops at 500).")
    results: list[PersonListItemOut]


class PersonOut(Schema):
    id: int
    version: int
    surname: str
    given_name: str
    patronymic: str
    birth_date: datetime.date | None
    age: int | None
    sex: str
    address: str
    district: DistrictOut | None
    snils: str | None = Field(description="11 digits.")
    oms_number: str | None = Field(description="16 digits.")
    flags: FlagsOut
    preferred_language: str
    contact_times: str
    phones: list[PhoneOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime


def district_out(person: Person) -> DistrictOut | None:
    district = person.district
    if district is None:
        return None
    return DistrictOut(id=district.pk, name=district.name)


def person_out(person: Person) -> PersonOut:
    return PersonOut(
        id=person.pk,
        version=person.version,
        surname=person.surname,
        given_name=person.given_name,
        patronymic=person.patronymic,
        birth_date=person.birth_date,
        age=person.age,
        sex=person.sex,
        address=person.address,
        district=district_out(person),
        snils=person.snils,
        oms_number=person.oms_number,
        flags=FlagsOut(
            disability_group=person.disability_group,
            chronic_illness=person.chronic_illness,
            lives_alone=person.lives_alone,
            self_isolating=person.self_isolating,
        ),
        preferred_language=person.preferred_language,
        contact_times=person.contact_times,
        phones=[PhoneOut(number=p.number, kind=p.kind, is_primary=p.is_primary) for p in person.phones.all()],
        created_at=person.created_at,
        updated_at=person.updated_at,
    )


def person_list_item(found: FoundPerson) -> PersonListItemOut:
    """A search result as :func:`people.selectors.find_people` shaped it for the caller."""
    district = found.district
    return PersonListItemOut(
        id=found.pk,
        card=found.card,
        version=found.version,
        surname=found.surname,
        given_name=found.given_name,
        patronymic=found.patronymic,
        birth_date=found.birth_date,
        district=DistrictOut(id=district.pk, name=district.name) if district is not None else None,
        primary_phone=found.primary_phone,
        matched_as_relative=found.matched_as_relative,
    )


# --- input ---------------------------------------------------------------------------------------------
class PhoneIn(Strict):
    number: str = Field(description="Any common format: 8 (916) 123-45-67, +7 916 1234567.")
    kind: str = Field(
        default=PersonPhone.Kind.MOBILE.value,
        description="mobile, home, work or other.",
        json_schema_extra=one_of(PersonPhone.Kind.values),
    )
    is_primary: bool = False


class FlagsIn(Strict):
    disability_group: str | None = Field(default=None, json_schema_extra=one_of(DisabilityGroup.values))
    chronic_illness: bool | None = None
    lives_alone: bool | None = None
    self_isolating: bool | None = None


DISTRICT_FIELD = Field(
    default=None,
    validation_alias=AliasChoices("district_id", "district"),
    ge=1,
    le=MAX_ID,
    description="Id of a district.",
)


class PersonFieldsIn(Strict):
    """Fields shared by create and update; on update only the fields sent are changed."""

    patronymic: str | None = None
    birth_date: datetime.date | None = Field(default=None, description="YYYY-MM-DD, not in the future.")
    sex: str | None = Field(default=None, description="female, male or unknown.", json_schema_extra=one_of(Sex.values))
    address: str | None = None
    district_id: int | None = DISTRICT_FIELD
    snils: str | None = Field(default=None, description="Any format: 112-233-445 95 or 11223344595.")
    oms_number: str | None = Field(default=None, description="16 digits.")
    flags: FlagsIn | None = None
    preferred_language: str | None = None
    contact_times: str | None = None
    phones: list[PhoneIn] | None = Field(default=None, description="On update, replaces all phones.")


class PersonCreateIn(PersonFieldsIn):
    surname: str = Field(json_schema_extra={"minLength": 1})
    given_name: str = Field(json_schema_extra={"minLength": 1})
    confirm_not_duplicate: bool = Field(
        default=False,
        description="Send true after a 409 answer listing possible duplicates, if this is a different person.",
    )


class PersonUpdateIn(PersonFieldsIn):
    version: int = Field(ge=0, le=MAX_ID, description="The version of the record the change is based on.")
    surname: str | None = None
    given_name: str | None = None
