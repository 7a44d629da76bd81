"""Business actions on the citizen registry. Each runs in one transaction and is journaled."""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from core.exceptions import ValidationError
from core.services import save_versioned
from people.models import Consent, ContactPerson, IdentityDocument, Person, PersonPhone

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


def _require(user: User, perm: str, obj: Any = None) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(_("You do not have permission to do this."))


def _unique_violation(exc: IntegrityError) -> ValidationError:
    text = str(exc).lower()
    if "snils" in text:
        return ValidationError({"snils": _("A citizen with this SNILS is already registered.")})
    if "oms" in text:
        return ValidationError({"oms_number": _("A citizen with this OMS policy number is already registered.")})
    if "phone" in text:
        return ValidationError({"phones": _("The same phone number is listed twice.")})
    return ValidationError(_("The record could not be saved because it conflicts with another record."))


def _write_phones(person: Person, phones: list[PhoneInput]) -> bool:
    """Replace the person's phones; returns True if anything changed."""
    seen: dict[str, PhoneInput] = {}
    for phone in phones:
        seen.setdefault(phone.number, phone)
    wanted = list(seen.values())
    if wanted and not any(p.is_primary for p in wanted):
        wanted[0].is_primary = True
    current = [(p.number, p.kind, p.is_primary) for p in person.phones.order_by("id")]
    new = [(p.number, p.kind, p.is_primary) for p in wanted]
    if sorted(current) == sorted(new):
        return False
    person.phones.all().delete()
    PersonPhone.objects.bulk_create(
        [PersonPhone(person=person, number=p.number, kind=p.kind, is_primary=p.is_primary) for p in wanted]
    )
    return True


def create_person(*, data: PersonInput, by: User, request: HttpRequest | None = None, channel: str = "ui") -> Person:
    _require(by, "people.add_person")
    values = {name: getattr(data, name) for name in PERSON_FIELDS}
    person = Person(**values, created_by=by)
    person.snils = person.snils or None
    person.oms_number = person.oms_number or None
    try:
        with transaction.atomic():
            person.save(force_insert=True)
            _write_phones(person, data.phones)
            audit.record(
                actor=by,
                action=Action.CREATE,
                obj=person,
                person_id=person.pk,
                fields=[n for n in PERSON_FIELDS if values.get(n) not in (None, "", False)]
                + (["phones"] if data.phones else []),
                request=request,
                channel=channel,
            )
    except IntegrityError as exc:
        raise _unique_violation(exc) from exc
    return person


def update_person(
    *,
    person: Person,
    data: PersonInput,
    version: int,
    by: User,
    request: HttpRequest | None = None,
    channel: str = "ui",
    replace_phones: bool = True,
) -> Person:
    """Save changes made on a card opened at ``version``; refuses if someone saved in between."""
    _require(by, "people.change_person", person)
    before = {name: getattr(person, name) for name in PERSON_FIELDS}
    after = {name: getattr(data, name) for name in PERSON_FIELDS}
    after["snils"] = after["snils"] or None
    after["oms_number"] = after["oms_number"] or None
    for name, value in after.items():
        setattr(person, name, value)
    person.refresh_folded_names()
    changed = audit.changed_fields(before, after)
    try:
        with transaction.atomic():
            save_versioned(
                person,
                expected_version=version,
                fields=[*PERSON_FIELDS, "surname_folded", "given_name_folded", "patronymic_folded"],
            )
            if replace_phones and _write_phones(person, data.phones):
                changed.append("phones")
            audit.record(
                actor=by,
                action=Action.CHANGE,
                obj=person,
                person_id=person.pk,
                fields=changed,
                request=request,
                channel=channel,
            )
    except IntegrityError as exc:
        raise _unique_violation(exc) from exc
    return person


def record_person_view(
    *,
    person: Person,
    by: User,
    request: HttpRequest | None = None,
    channel: str = "ui",
    section: str = "card",
) -> None:
    _require(by, "people.view_person", person)
    audit.record(
        actor=by,
        action=Action.VIEW,
        obj=person,
        person_id=person.pk,
        details={"section": section},
        request=request,
        channel=channel,
    )


def record_search(
    *,
    by: User,
    kind: str,
    results: list[Person],
    request: HttpRequest | None = None,
    channel: str = "ui",
) -> None:
    """Journal a search: what kind of search and which records it showed, never the query itself."""
    audit.record(
        actor=by,
        action=Action.SEARCH,
        object_type="people.person",
        details={"kind": kind, "count": len(results), "shown": [p.pk for p in results[:50]]},
        request=request,
        channel=channel,
    )


def add_contact(
    *,
    person: Person,
    by: User,
    full_name: str,
    relation: str,
    phone: str = "",
    may_contact: bool = False,
    note: str = "",
    request: HttpRequest | None = None,
) -> ContactPerson:
    _require(by, "people.change_person", person)
    with transaction.atomic():
        contact = ContactPerson.objects.create(
            person=person,
            full_name=full_name,
            relation=relation,
            phone=phone,
            may_contact=may_contact,
            note=note,
        )
        audit.record(
            actor=by,
            action=Action.CREATE,
            obj=contact,
            person_id=person.pk,
            fields=["full_name", "relation", "phone", "may_contact"],
            request=request,
        )
    return contact


def set_contact_permission(
    *, contact: ContactPerson, may_contact: bool, by: User, request: HttpRequest | None = None
) -> ContactPerson:
    _require(by, "people.change_person", contact.person)
    with transaction.atomic():
        contact.may_contact = may_contact
        contact.save(update_fields=["may_contact", "updated_at"])
        audit.record(
            actor=by,
            action=Action.CHANGE,
            obj=contact,
            person_id=contact.person_id,
            fields=["may_contact"],
            details={"may_contact": may_contact},
            request=request,
        )
    return contact


def add_document(
    *,
    person: Person,
    by: User,
    kind: str,
    number: str = "",
    issued_on: Any = None,
    status: str = IdentityDocument.Status.OK,
    note: str = "",
    request: HttpRequest | None = None,
) -> IdentityDocument:
    _require(by, "people.change_person", person)
    with transaction.atomic():
        document = IdentityDocument.objects.create(
            person=person,
            kind=kind,
            number=number,
            issued_on=issued_on,
            status=status,
            note=note,
        )
        audit.record(
            actor=by,
            action=Action.CREATE,
            obj=document,
            person_id=person.pk,
            fields=["kind", "number", "status"],
            details={"status": status},
            request=request,
        )
    return document


def set_document_status(
    *,
    document: IdentityDocument,
    status: str,
    by: User,
    note: str = "",
    request: HttpRequest | None = None,
) -> IdentityDocument:
    _require(by, "people.change_person", document.person)
    if status not in IdentityDocument.Status.values:
        raise ValidationError({"status": _("Unknown document status.")})
    with transaction.atomic():
        old = document.status
        document.status = status
        document.status_changed_at = timezone.now()
        if note:
            document.note = note
        document.save(update_fields=["status", "status_changed_at", "note", "updated_at"])
        audit.record(
            actor=by,
            action=Action.CHANGE,
            obj=document,
            person_id=document.person_id,
            fields=["status"],
            details={"from": old, "to": status},
            request=request,
        )
    return document


def give_consent(
    *,
    person: Person,
    scope: str,
    by: User,
    evidence: str = "",
    request: HttpRequest | None = None,
) -> Consent:
    _require(by, "people.change_person", person)
    if scope not in Consent.Scope.values:
        raise ValidationError({"scope": _("Unknown consent scope.")})
    with transaction.atomic():
        if person.consents.filter(scope=scope, withdrawn_at__isnull=True).exists():
            raise ValidationError({"scope": _("This consent is already in force.")})
        consent = Consent.objects.create(person=person, scope=scope, evidence=evidence, recorded_by=by)
        audit.record(
            actor=by,
            action=Action.CREATE,
            obj=consent,
            person_id=person.pk,
            fields=["scope", "evidence"],
            details={"scope": scope},
            request=request,
        )
    return consent


def withdraw_consent(*, consent: Consent, by: User, request: HttpRequest | None = None) -> Consent:
    _require(by, "people.change_person", consent.person)
    with transaction.atomic():
        updated = Consent.objects.filter(pk=consent.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=timezone.now(), withdrawn_by=by, updated_at=timezone.now()
        )
        if not updated:
            raise ValidationError(_("This consent has already been withdrawn."))
        consent.refresh_from_db()
        audit.record(
            actor=by,
            action=Action.CHANGE,
            obj=consent,
            person_id=consent.person_id,
            fields=["withdrawn_at"],
            details={"scope": consent.scope},
            request=request,
        )
    return consent
