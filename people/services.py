"""Business actions on the citizen registry. Each runs in one transaction and is journaled."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from core.actor import Actor
from core.exceptions import ValidationError
from core.permissions import require
from core.services import save_versioned
from core.validators import clean_text
from people import selectors
from people.inputs import PERSON_FIELDS, PersonInput, PhoneInput
from people.models import Consent, ContactPerson, IdentityDocument, Person, PersonPhone


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


class DuplicateFound(Exception):
    """The citizen may already be registered; nothing was saved.

    ``same_snils``: a registered citizen has this SNILS — the same person, which no confirmation can
    override. Otherwise the caller may register anyway once the user confirms it is someone else.
    """

    def __init__(self, candidates: list[selectors.DuplicateCandidate]) -> None:
        self.candidates = candidates
        self.same_snils = any(c.reason == "snils" for c in candidates)
        if self.same_snils:
            self.message = _("A citizen with this SNILS is already registered.")
        else:
            self.message = _(
                "This citizen may already be registered. Check the candidates; if this is a different "
                "person, confirm it and save again."
            )
        super().__init__(self.message)


def check_duplicates(*, data: PersonInput, actor: Actor, confirm_not_duplicate: bool = False) -> None:
    """Refuse a registration that may be a duplicate: the same SNILS always, a similar name with the same
    phone or birth date unless the user confirmed it is someone else. The candidates shown are journaled."""
    candidates = selectors.duplicates_for(data)
    if not candidates:
        return
    found = DuplicateFound(candidates)
    if confirm_not_duplicate and not found.same_snils:
        return
    # The candidates' names and birth dates are about to be shown: that is a read of their records.
    record_search(actor=actor, kind="duplicate_check", results=[c.person for c in candidates])
    raise found


# Texts of a citizen's record that are cleaned like names: one line each.
TEXT_FIELDS = ("surname", "given_name", "patronymic", "address", "contact_times")
EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)


def clean_person_input(data: PersonInput) -> None:
    """Normalise the record's texts (NFC) in place; refuse invisible characters and impossible birth dates.

    A zero-width space in a surname would make two records of one citizen look different to the duplicate
    check and to the search, so it is refused here, for every caller, before anything is compared.
    """
    errors: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:
        try:
            setattr(data, name, clean_text(getattr(data, name) or ""))
        except ValidationError as exc:
            errors[name] = list(exc.messages)
    if data.birth_date is not None and data.birth_date < EARLIEST_BIRTH_DATE:
        errors["birth_date"] = [_("Enter a date of birth after 1900.")]
    if errors:
        raise ValidationError(errors)


def create_person(*, data: PersonInput, actor: Actor, confirm_not_duplicate: bool = False) -> Person:
    """Register a citizen, unless they may already be registered (:class:`DuplicateFound`)."""
    require(actor.user, "people.add_person")
    clean_person_input(data)
    check_duplicates(data=data, actor=actor, confirm_not_duplicate=confirm_not_duplicate)
    values = {name: getattr(data, name) for name in PERSON_FIELDS}
    person = Person(**values, created_by=actor.user)
    person.snils = person.snils or None
    person.oms_number = person.oms_number or None
    try:
        with transaction.atomic():
            person.save(force_insert=True)
            _write_phones(person, data.phones)
            audit.record(
                actor=actor,
                action=Action.CREATE,
                obj=person,
                person_id=person.pk,
                fields=[n for n in PERSON_FIELDS if values.get(n) not in (None, "", False)]
                + (["phones"] if data.phones else []),
            )
    except IntegrityError as exc:
        raise _unique_violation(exc) from exc
    return person


def update_person(
    *,
    person: Person,
    data: PersonInput,
    version: int,
    actor: Actor,
    replace_phones: bool = True,
) -> Person:
    """Save changes made on a card opened at ``version``; refuses if someone saved in between."""
    require(actor.user, "people.change_person", person)
    clean_person_input(data)
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
                actor=actor,
                action=Action.CHANGE,
                obj=person,
                person_id=person.pk,
                fields=changed,
            )
    except IntegrityError as exc:
        raise _unique_violation(exc) from exc
    return person


def record_person_view(
    *,
    person: Person,
    actor: Actor,
    section: str = "card",
) -> None:
    require(actor.user, "people.view_person", person)
    audit.record(
        actor=actor,
        action=Action.VIEW,
        obj=person,
        person_id=person.pk,
        details={"section": section},
    )


def record_search(
    *,
    actor: Actor,
    kind: str,
    results: Sequence[Person | selectors.FoundPerson],
) -> None:
    """Journal a search: what kind of search and which records it showed, never the query itself.

    Rows shown at search level (name, birth date and district only) are named apart, in ``search_level``.
    """
    details: dict[str, Any] = {"kind": kind, "count": len(results), "shown": [p.pk for p in results[:50]]}
    search_level = [p.pk for p in results[:50] if isinstance(p, selectors.FoundPerson) and not p.card]
    if search_level:
        details["search_level"] = search_level
    audit.record(actor=actor, action=Action.SEARCH, object_type="people.person", details=details)


def add_contact(
    *,
    person: Person,
    actor: Actor,
    full_name: str,
    relation: str,
    phone: str = "",
    may_contact: bool = False,
    note: str = "",
) -> ContactPerson:
    require(actor.user, "people.change_person", person)
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
            actor=actor,
            action=Action.CREATE,
            obj=contact,
            person_id=person.pk,
            fields=["full_name", "relation", "phone", "may_contact"],
        )
    return contact


def set_contact_permission(*, contact: ContactPerson, may_contact: bool, actor: Actor) -> ContactPerson:
    require(actor.user, "people.change_person", contact.person)
    with transaction.atomic():
        contact.may_contact = may_contact
        contact.save(update_fields=["may_contact", "updated_at"])
        audit.record(
            actor=actor,
            action=Action.CHANGE,
            obj=contact,
            person_id=contact.person_id,
            fields=["may_contact"],
            details={"may_contact": may_contact},
        )
    return contact


def add_document(
    *,
    person: Person,
    actor: Actor,
    kind: str,
    number: str = "",
    issued_on: Any = None,
    status: str = IdentityDocument.Status.OK,
    note: str = "",
) -> IdentityDocument:
    require(actor.user, "people.change_person", person)
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
            actor=actor,
            action=Action.CREATE,
            obj=document,
            person_id=person.pk,
            fields=["kind", "number", "status"],
            details={"status": status},
        )
    return document


def set_document_status(
    *,
    document: IdentityDocument,
    status: str,
    actor: Actor,
    note: str = "",
    number: str = "",
) -> IdentityDocument:
    """Move a document to ``status``; ``number``, when given, is the series and number of the new one."""
    require(actor.user, "people.change_person", document.person)
    if status not in IdentityDocument.Status.values:
        raise ValidationError({"status": _("Unknown document status.")})
    with transaction.atomic():
        old = document.status
        document.status = status
        document.status_changed_at = timezone.now()
        if note:
            document.note = note
        if number:
            document.number = number
        document.save(update_fields=["status", "status_changed_at", "note", "number", "updated_at"])
        audit.record(
            actor=actor,
            action=Action.CHANGE,
            obj=document,
            person_id=document.person_id,
            fields=["status", "number"] if number else ["status"],
            details={"from": old, "to": status},
        )
    return document


def give_consent(
    *,
    person: Person,
    scope: str,
    actor: Actor,
    evidence: str = "",
) -> Consent:
    require(actor.user, "people.change_person", person)
    if scope not in Consent.Scope.values:
        raise ValidationError({"scope": _("Unknown consent scope.")})
    with transaction.atomic():
        if person.consents.filter(scope=scope, withdrawn_at__isnull=True).exists():
            raise ValidationError({"scope": _("This consent is already in force.")})
        consent = Consent.objects.create(person=person, scope=scope, evidence=evidence, recorded_by=actor.user)
        audit.record(
            actor=actor,
            action=Action.CREATE,
            obj=consent,
            person_id=person.pk,
            fields=["scope", "evidence"],
            details={"scope": scope},
        )
    return consent


def withdraw_consent(*, consent: Consent, actor: Actor) -> Consent:
    require(actor.user, "people.change_person", consent.person)
    with transaction.atomic():
        updated = Consent.objects.filter(pk=consent.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=timezone.now(), withdrawn_by=actor.user, updated_at=timezone.now()
        )
        if not updated:
            raise ValidationError(_("This consent has already been withdrawn."))
        consent.refresh_from_db()
        audit.record(
            actor=actor,
            action=Action.CHANGE,
            obj=consent,
            person_id=consent.person_id,
            fields=["withdrawn_at"],
            details={"scope": consent.scope},
        )
    return consent
