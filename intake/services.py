"""Business actions of the call centre: logging a call with its requests, recording a call that
produced no request, and the telephony (CTI) events. Each runs in one transaction and is journaled.

A call the telephony announced is recorded only by its operator or a supervisor (a call nobody has
taken yet by whoever may see it), with the version the user saw; a refused record saves nothing."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.models import HelpRequest, Urgency
from assistance.services import RequestInput, create_request, open_duplicates
from audit import services as audit
from audit.models import Action
from core.actor import Actor
from core.exceptions import ConcurrentEditError, PermissionDenied, ValidationError
from core.permissions import require
from core.services import save_versioned
from core.validators import clean_text
from intake import tallies
from intake.models import Direction, Interaction, Medium, Outcome
from people import services as people_services
from people.inputs import PersonInput
from people.models import Consent, ContactPerson, Person

# Outcomes an operator can choose for a call that produced no request.
NO_REQUEST_OUTCOMES = (Outcome.INFORMATION_ONLY, Outcome.COMPLAINT, Outcome.WRONG_NUMBER, Outcome.CALLBACK_NEEDED)


# --- working hours ----------------------------------------------------------------------------------
def call_centre_hours() -> tuple[datetime.time, datetime.time]:
    """The call centre's opening and closing time (Moscow), from OPORA_CALL_CENTRE_HOURS "08:00-21:00"."""
    start, end = settings.OPORA_CALL_CENTRE_HOURS.split("-")
    return datetime.time.fromisoformat(start.strip()), datetime.time.fromisoformat(end.strip())


def hours_label() -> str:
    start, end = call_centre_hours()
    return f"{start:%H:%M}–{end:%H:%M}"


def is_open(now: datetime.datetime | None = None) -> bool:
    start, end = call_centre_hours()
    local = timezone.localtime(now or timezone.now()).time()
    return start <= local < end


def closed_notice() -> str:
    return _("The call centre works %(hours)s. Outside these hours only urgent requests are taken.") % {
        "hours": hours_label()
    }


# --- logging a call with requests -------------------------------------------------------------------
@dataclass
class RowInput:
    """One request of a call, and whether the operator confirmed it despite an open duplicate."""

    data: RequestInput
    confirm_duplicate: bool = False


class RowErrors(Exception):
    """Some rows of a call cannot be saved; nothing was saved. ``rows[i]`` maps field names to messages."""

    def __init__(self, rows: list[dict[str, list[str]]], general: list[str] | None = None) -> None:
        super().__init__("rows not valid")
        self.rows = rows
        self.general = general or []


def row_problems(
    *, person: Person, rows: Sequence[RowInput], now: datetime.datetime | None = None
) -> tuple[list[dict[str, list[str]]], list[list[HelpRequest]]]:
    """What stops each row from being saved (open duplicates not confirmed, a non-urgent request out of
    hours), and the open duplicates found for each row."""
    open_now = is_open(now)
    errors: list[dict[str, list[str]]] = []
    duplicates: list[list[HelpRequest]] = []
    for row in rows:
        row_errors: dict[str, list[str]] = {}
        found = open_duplicates(person, row.data.service_type) if row.data.service_type else []
        duplicates.append(found)
        if found and not row.confirm_duplicate:
            row_errors["confirm_duplicate"] = [
                _("The citizen already has an open request for this service. Tick “create anyway” to add another.")
            ]
        if not open_now and row.data.urgency != Urgency.URGENT:
            row_errors["urgency"] = [
                _("The call centre works %(hours)s. Outside these hours only urgent requests are taken.")
                % {"hours": hours_label()}
            ]
        errors.append(row_errors)
    return errors, duplicates


def person_problems(person: Person) -> list[str]:
    """What stops any request of this citizen from being taken, known before the operator reads back."""
    if person.district_id is None:
        return [_("The citizen's district is not known: fill in the address and district first.")]
    return []


def _caller_contact(person: Person | None, contact: ContactPerson | None) -> ContactPerson | None:
    if contact is not None and (person is None or contact.person_id != person.pk):
        raise ValidationError({"caller_contact": _("This contact person is not the citizen's.")})
    return contact


def _call_for(cti_call_id: str | None) -> Interaction | None:
    """The call with this telephony id, locked for the rest of the transaction."""
    if not cti_call_id:
        return None
    return (
        Interaction.objects.select_for_update(of=("self",))
        .select_related("person", "operator__worker")
        .filter(cti_call_id=cti_call_id)
        .first()
    )


def _call_to_record(*, actor: Actor, cti_call_id: str | None, version: int | None) -> Interaction | None:
    """The existing call a user records, locked, after checking that he may change it and saw its latest
    version; None when there is no such call yet (the record then creates it).

    A call recorded by nobody yet may be recorded without a version (the page was opened before the
    telephony announced the call); once someone has recorded it, only with the version last recorded."""
    call = _call_for(cti_call_id)
    if call is None:
        return None
    if not actor.user.has_perm("intake.change_interaction", call):
        raise PermissionDenied(
            _("This call was taken by someone else: only its operator or a supervisor may record it.")
        )
    if version is None and call.outcome == Outcome.PENDING:
        return call
    if version != call.version:
        raise ConcurrentEditError(current_version=call.version)
    return call


def _save_record(call: Interaction, *, fields: list[str]) -> Interaction:
    """Write what a person recorded: a new call, or the next version of an existing one."""
    if call.pk is None:
        call.save()
        return call
    return save_versioned(call, expected_version=call.version, fields=fields)


def log_call(
    *,
    person: Person,
    rows: Sequence[RowInput],
    actor: Actor,
    note: str = "",
    phone: str = "",
    caller_contact: ContactPerson | None = None,
    cti_call_id: str | None = None,
    version: int | None = None,
) -> Interaction:
    """Create every request of a call and the interaction linking them, all or nothing.

    ``phone``: the caller's number (E.164), kept with the call even when the telephony did not announce it.
    ``caller_contact``: the citizen's relative or contact who called on the citizen's behalf.
    ``version``: the version of the telephony's call (``cti_call_id``) the operator saw, if he saw it."""
    require(actor.user, "intake.take_calls")
    require(actor.user, "people.view_person", person)
    if not rows:
        raise RowErrors([], [_("Add at least one request.")])
    if problems := person_problems(person):
        raise RowErrors([{} for _row in rows], problems)
    _caller_contact(person, caller_contact)
    errors, _duplicates = row_problems(person=person, rows=rows)
    if any(errors):
        raise RowErrors(errors)
    general: list[str] = []
    with transaction.atomic():
        call = _call_to_record(actor=actor, cti_call_id=cti_call_id, version=version)
        created: list[HelpRequest] = []
        for index, row in enumerate(rows):
            try:
                created.append(create_request(person=person, data=row.data, actor=actor))
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, messages in exc.message_dict.items():
                        if field == "person":
                            general.extend(m for m in messages if m not in general)
                        else:
                            errors[index].setdefault(field, []).extend(messages)
                else:
                    general.extend(exc.messages)
        if any(errors) or general:
            transaction.set_rollback(True)
            raise RowErrors(errors, general)
        counted = tallies.rows_of(call)
        interaction = call or Interaction(
            cti_call_id=cti_call_id or None, direction=Direction.INBOUND, medium=Medium.PHONE
        )
        interaction.person = person
        interaction.phone = interaction.phone or phone
        interaction.caller_contact = caller_contact
        interaction.operator = interaction.operator or actor.user
        interaction.outcome = Outcome.REQUEST_CREATED
        interaction.callback_due_at = None
        interaction.note = _clean_note(note)
        _save_record(
            interaction,
            fields=["person", "phone", "caller_contact", "operator", "outcome", "callback_due_at", "note"],
        )
        tallies.moved(counted, interaction)
        interaction.requests.add(*created)
        audit.record(
            actor=actor,
            action=Action.CREATE if call is None else Action.CHANGE,
            obj=interaction,
            person_id=person.pk,
            fields=["person", "outcome", "requests", "note"] + (["caller_contact"] if caller_contact else []),
            details={"requests": [r.pk for r in created]},
        )
    return interaction


def record_interaction(
    *,
    person: Person | None,
    outcome: str,
    actor: Actor,
    note: str = "",
    phone: str = "",
    caller_contact: ContactPerson | None = None,
    callback_due_at: datetime.datetime | None = None,
    cti_call_id: str | None = None,
    version: int | None = None,
) -> Interaction:
    """Record a call that produced no request: information only, a complaint, a wrong number, or a call
    that needs a callback (by ``callback_due_at``: it then waits on the operators' list of callbacks).

    ``version``: the version of the telephony's call (``cti_call_id``) the operator saw, if he saw it."""
    require(actor.user, "intake.take_calls")
    if person is not None:
        require(actor.user, "people.view_person", person)
    if outcome not in NO_REQUEST_OUTCOMES:
        raise ValidationError({"outcome": _("Choose how the call ended.")})
    if outcome == Outcome.COMPLAINT and not note.strip():
        raise ValidationError({"note": _("Write down what the complaint is about.")})
    if outcome == Outcome.CALLBACK_NEEDED:
        if callback_due_at is None:
            raise ValidationError({"callback_due_at": _("Enter when to call back.")})
        if not (person or phone):
            raise ValidationError({"callback_due_at": _("A callback needs the caller's number or the citizen.")})
    else:
        callback_due_at = None
    _caller_contact(person, caller_contact)
    cleaned_note = _clean_note(note)
    with transaction.atomic():
        call = _call_to_record(actor=actor, cti_call_id=cti_call_id, version=version)
        counted = tallies.rows_of(call)
        interaction = call or Interaction(
            cti_call_id=cti_call_id or None, direction=Direction.INBOUND, medium=Medium.PHONE
        )
        interaction.person = person
        interaction.phone = interaction.phone or phone
        interaction.caller_contact = caller_contact
        interaction.operator = interaction.operator or actor.user
        interaction.outcome = outcome
        interaction.callback_due_at = callback_due_at
        interaction.note = cleaned_note
        _save_record(
            interaction,
            fields=["person", "phone", "caller_contact", "operator", "outcome", "callback_due_at", "note"],
        )
        tallies.moved(counted, interaction)
        details: dict[str, object] = {"outcome": outcome}
        if callback_due_at is not None:
            details["callback_due_at"] = callback_due_at.isoformat()
        audit.record(
            actor=actor,
            action=Action.CREATE if call is None else Action.CHANGE,
            obj=interaction,
            person_id=person.pk if person else None,
            fields=["person", "outcome", "note"] + (["callback_due_at"] if callback_due_at else []),
            details=details,
        )
    return interaction


def mark_called_back(*, interaction: Interaction, actor: Actor) -> Interaction:
    """Take a callback off the operators' list: somebody called the citizen back."""
    require(actor.user, "intake.take_calls")
    require(actor.user, "intake.view_interaction", interaction)
    with transaction.atomic():
        call = Interaction.objects.select_for_update().get(pk=interaction.pk)
        if call.callback_due_at is None:
            raise ValidationError(_("This call does not wait for a callback."))
        if call.called_back_at is not None:
            raise ValidationError(_("Somebody has already called back."))
        call.called_back_at = timezone.now()
        call.called_back_by = actor.user
        call.save(update_fields=["called_back_at", "called_back_by", "updated_at"])
        audit.record(
            actor=actor,
            action=Action.CHANGE,
            obj=call,
            person_id=call.person_id,
            fields=["called_back_at"],
        )
    return call


# --- registering an unknown caller ------------------------------------------------------------------
def consent_evidence(*, phone: str, cti_call_id: str | None, at: datetime.datetime | None = None) -> str:
    """How the consent was given: said on this call, with its number and time."""
    local = timezone.localtime(at or timezone.now())
    text = _("Given orally on a call from %(phone)s at %(time)s") % {
        "phone": phone or "—",
        "time": f"{local:%d.%m.%Y %H:%M}",
    }
    if cti_call_id:
        text += " " + _("(telephony call %(call)s)") % {"call": cti_call_id}
    return text[:300]


def register_caller(
    *,
    data: PersonInput,
    actor: Actor,
    consent_given: bool,
    phone: str = "",
    cti_call_id: str | None = None,
    confirm_not_duplicate: bool = False,
) -> Person:
    """Register an unknown caller during the call: the citizen with a district (no request can be routed
    without one) and the consent to the processing of personal data, the call as its evidence; all or
    nothing. :class:`people.services.DuplicateFound` when the caller may already be registered."""
    require(actor.user, "intake.take_calls")
    errors: dict[str, list[str]] = {}
    if data.district_id is None:
        errors["district"] = [_("Choose the district: requests are routed to the TCSO that serves it.")]
    if not consent_given:
        errors["consent"] = [
            _("Without the consent to the processing of personal data the citizen cannot be registered.")
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        person = people_services.create_person(data=data, actor=actor, confirm_not_duplicate=confirm_not_duplicate)
        people_services.give_consent(
            person=person,
            scope=Consent.Scope.PD_PROCESSING,
            actor=actor,
            evidence=consent_evidence(phone=phone, cti_call_id=cti_call_id),
        )
    return person


def _clean_note(note: str) -> str:
    """The operator's note in NFC; invisible and control characters are refused, for every caller."""
    try:
        return clean_text(note, multiline=True).strip()
    except ValidationError as exc:
        raise ValidationError({"note": list(exc.messages)}) from exc


# --- telephony events -------------------------------------------------------------------------------
CTI_EVENTS = ("ring", "answer", "hangup")


def cti_event(
    *,
    event: str,
    call_id: str,
    phone: str,
    actor: Actor,
    operator_username: str | None = None,
) -> Interaction:
    """Record a telephony event: ``ring`` opens the call, ``answer`` notes who took it, ``hangup`` closes
    it with its duration (from the answer, or from the ring if it was never answered).

    Only the telephony system's service account posts events; the operator it names must be an active
    user who takes calls (anyone else is answered as no such user). The events change the call's timing
    and operator, not what people recorded, so they leave its version alone."""
    require(actor.user, "intake.post_call_events")
    if event not in CTI_EVENTS:
        raise ValidationError({"event": _("Unknown event.")})
    operator = None
    if operator_username:
        operator = User.objects.filter(username=operator_username, is_active=True).first()
        if operator is None or not operator.has_perm("intake.take_calls"):
            raise ValidationError({"operator": _("No active user with this name.")})
    now = timezone.now()
    with transaction.atomic():
        call = _call_for(call_id)
        created = call is None
        if call is None:
            call = Interaction(
                cti_call_id=call_id,
                direction=Direction.INBOUND,
                medium=Medium.PHONE,
                started_at=now,
                phone=phone,
            )
        if phone and not call.phone:
            call.phone = phone
        if operator is not None:
            call.operator = operator
        if event == "answer" and call.answered_at is None:
            call.answered_at = now
        if event == "hangup" and call.ended_at is None:
            call.ended_at = now
            begin = call.answered_at or call.started_at
            call.duration_seconds = max(0, int((now - begin).total_seconds()))
        if created:
            call.save()
            tallies.moved([], call)
        else:
            call.save(update_fields=["phone", "operator", "answered_at", "ended_at", "duration_seconds", "updated_at"])
        audit.record(
            actor=actor,
            action=Action.CREATE if created else Action.CHANGE,
            obj=call,
            person_id=call.person_id,
            fields=["phone", "operator", event],
            details={"event": event},
        )
    return call
