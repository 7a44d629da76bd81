"""Contacting the patient's relatives and other close people, with the patient's consent (issue 12 §1).

The coordinator records the patient's consent from the case page (the same action records the consent to
share data with a TCSO), then logs every attempt to reach someone: a contact person already on the
citizen's card, or someone new who, once reached, may join the card's contact persons.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import Action
from cases import selectors
from cases.models import Case, RelativeCall
from cases.services import _journal, _text
from core.actor import Actor
from core.exceptions import ValidationError
from core.permissions import require
from core.validators import normalise_phone
from people import services as people_services
from people.models import Consent, ContactPerson

# The consents a coordinator records from the case page.
CASE_CONSENT_SCOPES = (Consent.Scope.CONTACT_RELATIVES, Consent.Scope.SHARE_WITH_TCSO)


def _require_open(actor: Actor, case: Case) -> None:
    require(actor.user, "cases.change_case", case)
    if not case.is_open:
        raise ValidationError({"__all__": _("The case is closed.")})


def record_consent(*, actor: Actor, case: Case, scope: str, evidence: str) -> Consent:
    """The patient's consent of ``scope``, with how it was given («said so in front of the coordinator»)."""
    _require_open(actor, case)
    if scope not in CASE_CONSENT_SCOPES:
        raise ValidationError({"scope": _("Unknown consent scope.")})
    evidence = _text(evidence, "evidence", required=True, limit=300)
    with transaction.atomic():
        consent = people_services.give_consent(person=case.person, scope=scope, actor=actor, evidence=evidence)
        _journal(actor, Action.CHANGE, case, fields=["consents"], scope=scope, consent=consent.pk)
    return consent


def not_patients_contact() -> str:
    """The one answer for a contact person who is missing and for one of another citizen."""
    return _("This contact person is not among the patient's contacts.")


def _phone(value: str) -> str:
    try:
        return normalise_phone(value)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from error


def log_relative_call(
    *,
    actor: Actor,
    case: Case,
    contact: ContactPerson | None = None,
    full_name: str = "",
    relation: str = "",
    phone: str = "",
    outcome: str,
    note: str = "",
    add_to_contacts: bool = False,
) -> RelativeCall:
    """Log one attempt to reach a relative or another close person of the patient.

    A contact person of the card gives the name, relation and phone not typed in. Someone new needs a
    name, a relation and a valid phone; a call to a phone that one of the patient's contact persons has is
    linked to that contact person. Someone new who was reached joins the card's contact persons when
    ``add_to_contacts`` (allowed to be contacted: the patient agreed), never twice.
    """
    _require_open(actor, case)
    if selectors.active_consent(case.person, Consent.Scope.CONTACT_RELATIVES) is None:
        raise ValidationError(
            {
                "__all__": _(
                    "The patient has not agreed that we contact relatives. Ask the patient and record the "
                    "consent first."
                )
            }
        )
    if contact is not None and contact.person_id != case.person_id:
        raise ValidationError({"contact": not_patients_contact()})
    problems: dict[str, list[str]] = {}

    try:
        full_name = _text(full_name, "full_name", required=contact is None, limit=300) or (
            contact.full_name if contact else ""
        )
    except ValidationError as error:
        problems.update(error.message_dict)
    if (relation and relation not in ContactPerson.Relation.values) or (not relation and contact is None):
        problems["relation"] = [_("Choose who the person is to the patient.")]
    relation = relation or (contact.relation if contact else "")
    raw_phone = phone.strip() if phone else ""
    if not raw_phone and contact is not None and contact.phone:
        phone = contact.phone
    else:
        try:
            phone = _phone(raw_phone)
        except ValidationError as error:
            problems.update(error.message_dict)
    if outcome not in RelativeCall.Outcome.values:
        problems["outcome"] = [_("Choose how the call went.")]
    try:
        note = _text(note, "note", limit=1000)
    except ValidationError as error:
        problems.update(error.message_dict)
    if problems:
        raise ValidationError(problems)

    with transaction.atomic():
        if contact is None:
            contact = case.person.contacts.filter(phone=phone).order_by("pk").first()
        if contact is None and add_to_contacts and outcome == RelativeCall.Outcome.REACHED:
            contact = people_services.add_contact(
                person=case.person, actor=actor, full_name=full_name, relation=relation, phone=phone, may_contact=True
            )
        call = RelativeCall.objects.create(
            case=case,
            contact=contact,
            full_name=full_name,
            relation=relation,
            phone=phone,
            outcome=outcome,
            note=note,
            called_by=actor.user,
        )
        _journal(
            actor,
            Action.CHANGE,
            case,
            fields=["relative_calls"],
            call=call.pk,
            contact=contact.pk if contact else None,
            outcome=outcome,
        )
    return call
