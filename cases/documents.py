"""Restoring the patient's lost documents (issue 12 §1): one tracked restoration per document.

A restoration starts when a document is found lost, is applied for somewhere (the district's МФЦ, the
passport office), and ends when the new document comes or when it is not needed any more. Each move
updates the document's status on the citizen's card through the people services: lost, being restored,
restored.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from cases.models import Case, DocumentRestoration
from cases.services import _journal, _text
from core.actor import Actor
from core.exceptions import ValidationError
from core.permissions import require
from core.services import save_versioned
from people import services as people_services
from people.models import IdentityDocument

Status = DocumentRestoration.Status
EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)

# The moves a restoration can make: a document may also come without our application (relatives find
# it, the patient applied before the admission).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.TO_APPLY: frozenset({Status.APPLIED, Status.RECEIVED, Status.CANCELLED}),
    Status.APPLIED: frozenset({Status.RECEIVED, Status.CANCELLED}),
    Status.RECEIVED: frozenset(),
    Status.CANCELLED: frozenset(),
}
OPEN = (Status.TO_APPLY, Status.APPLIED)


def next_moves(restoration: DocumentRestoration) -> frozenset[str]:
    return TRANSITIONS.get(restoration.status, frozenset())


def _check(actor: Actor, case: Case) -> None:
    require(actor.user, "cases.change_case", case)
    if not case.is_open:
        raise ValidationError({"__all__": _("The case is closed.")})


def _check_move(restoration: DocumentRestoration, to: str) -> None:
    if to not in next_moves(restoration):
        raise ValidationError(
            {
                "__all__": _("This restoration is “%(status)s” already: reload the page.")
                % {"status": restoration.get_status_display()}
            }
        )


def _day(value: datetime.date | None, field: str, *, required: bool = True, past: bool = True) -> None:
    if value is None:
        if required:
            raise ValidationError({field: _("Enter the date.")})
        return
    if not EARLIEST <= value <= LATEST:
        raise ValidationError({field: _("Enter a date between 2000 and 2100.")})
    if past and value > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})


def start_restoration(
    *, actor: Actor, case: Case, kind: str = "", document: IdentityDocument | None = None, note: str = ""
) -> DocumentRestoration:
    """Start restoring ``document`` of the patient, or a new document of ``kind`` that the card lacks."""
    _check(actor, case)
    if document is not None and document.person_id != case.person_id:
        raise ValidationError({"document": _("This document is not among the patient's documents.")})
    if document is None and kind not in IdentityDocument.Kind.values:
        raise ValidationError({"kind": _("Choose the document to restore.")})
    note = _text(note, "note", limit=500)
    refused = ValidationError({"__all__": _("This document is being restored already.")})
    if document is not None and DocumentRestoration.objects.filter(document=document, status__in=OPEN).exists():
        raise refused
    try:
        with transaction.atomic():
            if document is None:
                document = people_services.add_document(
                    person=case.person, actor=actor, kind=kind, status=IdentityDocument.Status.LOST
                )
            elif document.status != IdentityDocument.Status.LOST:
                people_services.set_document_status(document=document, status=IdentityDocument.Status.LOST, actor=actor)
            restoration = DocumentRestoration.objects.create(
                case=case, document=document, note=note, created_by=actor.user
            )
            _journal(actor, Action.CHANGE, case, fields=["documents"], restoration=restoration.pk, to=Status.TO_APPLY)
    except IntegrityError as error:  # two coordinators started it at the same moment
        raise refused from error
    return restoration


def record_application(
    *,
    actor: Actor,
    restoration: DocumentRestoration,
    applied_to: str,
    applied_on: datetime.date | None,
    expected_on: datetime.date | None,
    expected_version: int,
) -> DocumentRestoration:
    """The application is in: where, when, and when the document is expected; the card says "being restored"."""
    _check(actor, restoration.case)
    _check_move(restoration, Status.APPLIED)
    problems: dict[str, list[str]] = {}
    try:
        applied_to = _text(applied_to, "applied_to", required=True, limit=300)
    except ValidationError as error:
        problems.update(error.message_dict)
    for day, field, required, past in (
        (applied_on, "applied_on", True, True),
        (expected_on, "expected_on", False, False),
    ):
        try:
            _day(day, field, required=required, past=past)
        except ValidationError as error:
            problems.update(error.message_dict)
    if applied_on and expected_on and expected_on < applied_on and "expected_on" not in problems:
        problems["expected_on"] = [_("The document cannot be ready before the application.")]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        restoration.status = Status.APPLIED
        restoration.applied_to = applied_to
        restoration.applied_on, restoration.expected_on = applied_on, expected_on
        save_versioned(
            restoration,
            expected_version=expected_version,
            fields=["status", "applied_to", "applied_on", "expected_on"],
        )
        people_services.set_document_status(
            document=restoration.document, status=IdentityDocument.Status.RESTORING, actor=actor
        )
        _journal(
            actor, Action.CHANGE, restoration.case, fields=["documents"], restoration=restoration.pk, to=Status.APPLIED
        )
    return restoration


def record_receipt(
    *,
    actor: Actor,
    restoration: DocumentRestoration,
    received_on: datetime.date | None,
    number: str = "",
    expected_version: int,
) -> DocumentRestoration:
    """The new document came; its series and number, when given, go on the card."""
    _check(actor, restoration.case)
    _check_move(restoration, Status.RECEIVED)
    problems: dict[str, list[str]] = {}
    try:
        _day(received_on, "received_on")
    except ValidationError as error:
        problems.update(error.message_dict)
    if received_on and restoration.applied_on and received_on < restoration.applied_on and not problems:
        problems["received_on"] = [_("The document cannot come before the application.")]
    try:
        number = _text(number, "number", limit=50)
    except ValidationError as error:
        problems.update(error.message_dict)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        restoration.status, restoration.received_on = Status.RECEIVED, received_on
        save_versioned(restoration, expected_version=expected_version, fields=["status", "received_on"])
        people_services.set_document_status(
            document=restoration.document, status=IdentityDocument.Status.RESTORED, actor=actor, number=number
        )
        _journal(
            actor, Action.CHANGE, restoration.case, fields=["documents"], restoration=restoration.pk, to=Status.RECEIVED
        )
    return restoration


def cancel_restoration(
    *, actor: Actor, restoration: DocumentRestoration, reason: str, expected_version: int
) -> DocumentRestoration:
    """The document is not needed any more; the reason is kept in the note. The card's document stays
    lost (it was never restored)."""
    _check(actor, restoration.case)
    _check_move(restoration, Status.CANCELLED)
    reason = _text(reason, "reason", required=True, limit=500)
    with transaction.atomic():
        restoration.status, restoration.note = Status.CANCELLED, reason
        save_versioned(restoration, expected_version=expected_version, fields=["status", "note"])
        if restoration.document.status == IdentityDocument.Status.RESTORING:
            people_services.set_document_status(
                document=restoration.document, status=IdentityDocument.Status.LOST, actor=actor
            )
        _journal(
            actor,
            Action.CHANGE,
            restoration.case,
            fields=["documents"],
            restoration=restoration.pk,
            to=Status.CANCELLED,
        )
    return restoration
