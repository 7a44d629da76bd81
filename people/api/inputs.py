"""Check the registry's API input with the registry's rules before a service is called.

Errors are collected per field (``"snils"``, ``"phones.1.number"``) so the client can show all of them
at once; messages are the project's own, translated into the request's language.
"""

import datetime
from typing import Any

from django.core import validators as django_validators
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from api.errors import Errors, InputError, messages_of
from core.validators import normalise_oms, normalise_phone, normalise_snils
from directory.models import District
from people.api.schemas import FlagsIn, PersonCreateIn, PersonFieldsIn, PersonUpdateIn, PhoneIn
from people.inputs import PERSON_FIELDS, PersonInput, PhoneInput
from people.models import DisabilityGroup, Person, PersonPhone, Sex

MAX_PHONES = 5
MAX_LENGTHS = {
    "surname": 100,
    "given_name": 100,
    "patronymic": 100,
    "address": 300,
    "preferred_language": 50,
    "contact_times": 200,
}


class _Cleaner:
    """Collects errors while turning request values into what the services expect."""

    def __init__(self) -> None:
        self.errors: Errors = {}

    def add(self, field: str, *messages: str) -> None:
        self.errors.setdefault(field, []).extend(messages)

    def text(self, field: str, value: str | None) -> str:
        cleaned = " ".join((value or "").split())
        limit = MAX_LENGTHS.get(field)
        if limit is not None:
            try:
                django_validators.MaxLengthValidator(limit)(cleaned)
            except ValidationError as exc:
                self.add(field, *messages_of(exc))
        return cleaned

    def required_name(self, field: str, value: str | None, message: str) -> str:
        cleaned = self.text(field, value)
        if not cleaned:
            self.add(field, message)
        return cleaned

    def birth_date(self, value: datetime.date | None) -> datetime.date | None:
        if value is not None and value > timezone.localdate():
            self.add("birth_date", _("The date cannot be in the future."))
        return value

    def choice(self, field: str, value: str, allowed: list[str]) -> str:
        if value not in allowed:
            shown = ", ".join(f'"{item}"' for item in allowed)
            self.add(field, _("Choose one of: %(choices)s.") % {"choices": shown})
        return value

    def district(self, value: int | None) -> int | None:
        if value is not None and not District.objects.filter(pk=value).exists():
            self.add("district_id", _("There is no district with this id."))
        return value

    def identifier(self, field: str, value: str | None, normalise: Any) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return str(normalise(value))
        except ValidationError as exc:
            self.add(field, *messages_of(exc))
            return None

    def phones(self, phones: list[PhoneIn]) -> list[PhoneInput]:
        if len(phones) > MAX_PHONES:
            self.add("phones", _("List at most %(count)d phones.") % {"count": MAX_PHONES})
        if sum(1 for phone in phones if phone.is_primary) > 1:
            self.add("phones", _("Only one phone can be primary."))
        cleaned: list[PhoneInput] = []
        for index, phone in enumerate(phones):
            try:
                number = normalise_phone(phone.number)
            except ValidationError as exc:
                self.add(f"phones.{index}.number", *messages_of(exc))
                number = ""
            kind = self.choice(f"phones.{index}.kind", phone.kind, PersonPhone.Kind.values)
            cleaned.append(PhoneInput(number=number, kind=kind, is_primary=phone.is_primary))
        return cleaned

    def flags(self, flags: FlagsIn, values: dict[str, Any]) -> None:
        for name in flags.model_fields_set:
            value = getattr(flags, name)
            if name == "disability_group":
                values[name] = self.choice("flags.disability_group", value or "", DisabilityGroup.values)
            else:
                values[name] = bool(value)

    def raise_if_any(self) -> None:
        if self.errors:
            raise InputError(self.errors)


def _clean_fields(payload: PersonFieldsIn, fields: set[str], cleaner: _Cleaner) -> dict[str, Any]:
    """Cleaned values of the PersonInput fields named in ``fields``."""
    values: dict[str, Any] = {}
    if "surname" in fields:
        values["surname"] = cleaner.required_name("surname", getattr(payload, "surname", None), _("Enter the surname."))
    if "given_name" in fields:
        values["given_name"] = cleaner.required_name(
            "given_name", getattr(payload, "given_name", None), _("Enter the given name.")
        )
    for name in ("patronymic", "address", "contact_times"):
        if name in fields:
            values[name] = cleaner.text(name, getattr(payload, name))
    if "preferred_language" in fields:
        values["preferred_language"] = cleaner.text("preferred_language", payload.preferred_language) or "ru"
    if "birth_date" in fields:
        values["birth_date"] = cleaner.birth_date(payload.birth_date)
    if "sex" in fields:
        values["sex"] = cleaner.choice("sex", payload.sex or Sex.UNKNOWN.value, Sex.values)
    if "district_id" in fields:
        values["district_id"] = cleaner.district(payload.district_id)
    if "snils" in fields:
        values["snils"] = cleaner.identifier("snils", payload.snils, normalise_snils)
    if "oms_number" in fields:
        values["oms_number"] = cleaner.identifier("oms_number", payload.oms_number, normalise_oms)
    if "flags" in fields and payload.flags is not None:
        cleaner.flags(payload.flags, values)
    if "phones" in fields:
        values["phones"] = cleaner.phones(payload.phones or [])
    return values


def person_input_for_create(payload: PersonCreateIn) -> PersonInput:
    cleaner = _Cleaner()
    values = _clean_fields(payload, set(PersonCreateIn.model_fields) - {"confirm_not_duplicate"}, cleaner)
    cleaner.raise_if_any()
    return PersonInput(**values)


def person_input_for_update(payload: PersonUpdateIn, person: Person) -> tuple[PersonInput, bool]:
    """The person's current values with the fields sent replaced; and whether the phones are replaced."""
    cleaner = _Cleaner()
    values = _clean_fields(payload, set(payload.model_fields_set) - {"version"}, cleaner)
    cleaner.raise_if_any()
    current: dict[str, Any] = {name: getattr(person, name) for name in PERSON_FIELDS}
    replace_phones = "phones" in values
    current.update(values)
    current.setdefault("phones", [])
    return PersonInput(**current), replace_phones
