"""Shapes of the consultations API's requests and answers, and the answers built from the records.

Input schemas check JSON types and bounds, and state the enumerations the services check (and word the
refusals of); the rules themselves are the services' (``psych.services``, ``psych.notes``).

What an answer holds depends on who asks: everybody who may see a consultation gets its metadata (that it
happened, when, format, mode, duration, topic, outcome, whether a note exists); the client, the next step,
the reason of a cancellation and the link to the online room only a psychologist of the consultation's
service gets; the note itself only ``GET /consultations/{id}`` answers, to them alone. Answers of writes
never hold a note's text: they are kept for Idempotency-Key replays, and a note is never stored in clear.
"""

import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from api.schemas import Strict, one_of
from core.validators import MAX_ID
from psych import notes, services, workflow
from psych.models import ConfidentialityBreach, Consultation, ReportedTo

# The version columns are 32-bit integers on PostgreSQL and a write sets the next version, which must fit
# as well (else PostgreSQL, or SQLite for a 64-bit one, fails the statement: a server error).
MAX_VERSION = 2**31 - 2
# duration_minutes is a small integer column; the service words the refusal of what it does not allow.
MAX_SMALL = 32767
Status = Consultation.Status
MODES = [Consultation.Mode.WALK_IN.value, Consultation.Mode.SCHEDULED.value]
MOVES = [status for status in Status.values if status != Status.DONE]


# --- requests ----------------------------------------------------------------------------------------
class ConsultationCreateIn(Strict):
    """A walk-in (``mode`` walk_in) gets the next number of the place's queue today; a booking (``mode``
    scheduled) takes a free slot of a psychologist of the caller's service."""

    mode: str = Field(
        max_length=20,
        description="walk_in: the client is here now, without an appointment; scheduled: book a slot.",
        json_schema_extra=one_of(MODES),
    )
    person_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The patient (found by GET /people); null for someone unregistered."
    )
    client_kind: str = Field(
        default=Consultation.ClientKind.PATIENT.value,
        max_length=20,
        description="Who comes: the patient, or a relative of theirs.",
        json_schema_extra=one_of(Consultation.ClientKind.values),
    )
    relative_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The relative who comes, from the patient's card (their contact id)."
    )
    client_label: str = Field(
        default="", max_length=200, description="The name the client gives; empty for an anonymous walk-in."
    )
    client_phone: str = Field(default="", max_length=40, description="A Russian phone number, for the SMS.")
    client_email: str = Field(default="", max_length=254, description="For the link of an online consultation.")
    place_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="walk_in only: the hospital or centre of the queue (may be left out where the service has one).",
    )
    slot_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="scheduled only, required: a free slot.")
    format: str = Field(
        default="",
        max_length=20,
        description="scheduled only, required. An online consultation needs a mobile phone or an e-mail.",
        json_schema_extra=one_of(["", *Consultation.Format.values]),
    )
    topic_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="scheduled only: the topic, if known.")
    route_step_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="scheduled only: the open step «psychologist's consultation» of the patient's route it answers.",
    )


class ConsultationCallNextIn(Strict):
    place_id: int = Field(ge=1, le=MAX_ID, description="The hospital or centre whose queue is called from.")


class ConsultationMoveIn(Strict):
    to: str = Field(
        max_length=20,
        description="The status to move to (see the consultation's ``moves``); ending is POST …/finish.",
        json_schema_extra=one_of(MOVES),
    )
    version: int = Field(ge=0, le=MAX_VERSION, description="The version of the consultation the move is based on.")
    reason: str = Field(default="", max_length=300, description="Required for cancelled; the client is told.")


class ConsultationFinishIn(Strict):
    version: int = Field(ge=0, le=MAX_VERSION, description="The version of the consultation the end is based on.")
    topic_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="Required: the topic (GET a topic list).")
    outcome: str = Field(
        default="", max_length=30, description="Required.", json_schema_extra=one_of(Consultation.Outcome.values)
    )
    next_step: str = Field(default="", max_length=300)
    duration_minutes: int | None = Field(
        default=None,
        ge=0,
        le=MAX_SMALL,
        description=f"1 to {services.MAX_DURATION_MINUTES}; the time since the start when left out.",
    )
    close_step: bool = Field(
        default=False, description="Mark the step of the route of help the consultation answers as done."
    )


class ConsultationNoteIn(Strict):
    text: str = Field(max_length=notes.MAX_NOTE_LENGTH)
    version: int = Field(ge=0, le=MAX_VERSION, description="The note's version the text replaces; 0 writes the first.")


class ConsultationAddendumIn(Strict):
    text: str = Field(max_length=notes.MAX_NOTE_LENGTH)


class ConfidentialityBreachIn(Strict):
    reason: str = Field(max_length=500, description="The risk to life that made it necessary.")
    reported_to: str = Field(max_length=20, json_schema_extra=one_of(ReportedTo.values))
    reported_to_detail: str = Field(default="", max_length=200, description="Whom exactly.")
    reference_number: str = Field(default="", max_length=100, description="Their reference number, if given.")
    supervisor_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="Required: the supervisor informed (the service's own or the city's).",
    )
    reported_at: datetime.datetime | None = Field(default=None, description="When it was reported; now when left out.")


# --- answers -----------------------------------------------------------------------------------------
class ConsultationRefOut(Schema):
    id: int
    name: str


class ConsultationStaffOut(Schema):
    username: str
    full_name: str


class ConsultationClientOut(Schema):
    kind: str = Field(json_schema_extra=one_of(Consultation.ClientKind.values))
    person_id: int | None
    relative_id: int | None
    name: str = Field(description="The relative's or the patient's name, or the name given, or «anonymous».")
    phone: str
    email: str


class ConsultationOut(Schema):
    id: int
    version: int
    service: ConsultationRefOut = Field(description="The psychological service (or hospital team) it belongs to.")
    place: ConsultationRefOut | None = Field(description="The hospital or centre; null for a remote consultation.")
    place_kind: str = Field(json_schema_extra=one_of(Consultation.Place.values))
    format: str = Field(json_schema_extra=one_of(Consultation.Format.values))
    mode: str = Field(json_schema_extra=one_of(Consultation.Mode.values))
    status: str = Field(json_schema_extra=one_of(Status.values))
    ticket: int | None = Field(description="The walk-in's number in the day's queue.")
    psychologist: ConsultationStaffOut | None
    registered_at: datetime.datetime
    queued_at: datetime.datetime | None
    called_at: datetime.datetime | None
    scheduled_at: datetime.datetime | None
    started_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    duration_minutes: int | None
    topic: ConsultationRefOut | None
    outcome: str = Field(description="Empty until the consultation is held.")
    has_note: bool = Field(description="Whether the psychologist has written a note (never its text).")
    case_id: int | None
    route_step_id: int | None
    moves: list[str] = Field(description="The statuses the caller may move the consultation to now.")
    client: ConsultationClientOut | None = Field(description="Only for psychologists of the consultation's service.")
    next_step: str | None = Field(description="Only for psychologists of the consultation's service.")
    cancel_reason: str | None = Field(description="Only for psychologists of the consultation's service.")
    video_link: str | None = Field(description="Only for psychologists of the consultation's service.")


class ConsultationListOut(Schema):
    count: int
    results: list[ConsultationOut]


class ConsultationAddendumOut(Schema):
    text: str
    written_by: str
    written_at: datetime.datetime


class ConsultationNoteOut(Schema):
    text: str = Field(description="Empty while no note is written.")
    version: int = Field(description="0 while no note is written; send it back with PUT …/note.")
    written_by: str | None
    updated_at: datetime.datetime | None
    editable: bool = Field(description="The note may be (re)written now: during the session and 24 hours after.")
    editable_until: datetime.datetime | None
    addenda: list[ConsultationAddendumOut]


class ConsultationDetailOut(ConsultationOut):
    note: ConsultationNoteOut | None = Field(
        description="Only for psychologists of the consultation's service (null otherwise)."
    )


class ConsultationCalledOut(Schema):
    consultation: ConsultationOut | None = Field(description="Who is called in; null when nobody waits.")
    waiting: int = Field(description="How many still wait at the place.")


class ConsultationNoteSavedOut(Schema):
    consultation_id: int
    version: int = Field(description="The note's version now; send it with the next PUT.")
    written_by: str
    updated_at: datetime.datetime
    editable_until: datetime.datetime | None


class ConsultationAddendumSavedOut(Schema):
    consultation_id: int
    written_by: str
    written_at: datetime.datetime
    addenda: int = Field(description="How many addenda the note has now.")


class ConfidentialityBreachOut(Schema):
    id: int
    consultation_id: int
    reason: str
    reported_to: str = Field(json_schema_extra=one_of(ReportedTo.values))
    reported_to_detail: str
    reference_number: str
    reported_at: datetime.datetime
    supervisor: ConsultationStaffOut = Field(description="The supervisor informed (told at once through the outbox).")
    recorded_by: ConsultationStaffOut


# --- building the answers ----------------------------------------------------------------------------
def full_name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


def staff_out(user: Any) -> ConsultationStaffOut:
    return ConsultationStaffOut(username=user.get_username(), full_name=full_name(user))


def client_name(consultation: Consultation) -> str:
    if consultation.relative is not None:
        return consultation.relative.full_name
    if consultation.person is not None:
        return consultation.person.full_name
    return consultation.client_label


def consultation_fields(consultation: Consultation, *, private: bool, may_change: bool) -> dict[str, Any]:
    """The fields of ConsultationOut. ``private``: the caller is a psychologist of the service (``notes.may_read``);
    ``consultation`` carries ``has_note_flag`` (see ``api.consultations._consultations``)."""
    c = consultation
    client = (
        ConsultationClientOut(
            kind=c.client_kind,
            person_id=c.person_id,
            relative_id=c.relative_id,
            name=client_name(c),
            phone=c.client_phone,
            email=c.client_email,
        )
        if private
        else None
    )
    moves = [to for to in MOVES if workflow.allowed(c.status, to)] if may_change else []
    return {
        "id": c.pk,
        "version": c.version,
        "service": ConsultationRefOut(id=c.organisation_id, name=str(c.organisation)),
        "place": ConsultationRefOut(id=c.place_id, name=str(c.place)) if c.place_id and c.place else None,
        "place_kind": c.place_kind,
        "format": c.format,
        "mode": c.mode,
        "status": c.status,
        "ticket": c.ticket,
        "psychologist": staff_out(c.psychologist) if c.psychologist else None,
        "registered_at": c.created_at,
        "queued_at": c.queued_at,
        "called_at": c.called_at,
        "scheduled_at": c.scheduled_at,
        "started_at": c.started_at,
        "ended_at": c.ended_at,
        "duration_minutes": c.duration_minutes,
        "topic": ConsultationRefOut(id=c.topic_id, name=str(c.topic)) if c.topic_id and c.topic else None,
        "outcome": c.outcome,
        "has_note": bool(c.has_note_flag),  # type: ignore[attr-defined]
        "case_id": c.case_id,
        "route_step_id": c.route_step_id,
        "moves": moves,
        "client": client,
        "next_step": c.next_step if private else None,
        "cancel_reason": c.cancel_reason if private else None,
        "video_link": c.video_link if private else None,
    }


def note_out(view: notes.NoteView) -> ConsultationNoteOut:
    return ConsultationNoteOut(
        text=view.text,
        version=view.version,
        written_by=full_name(view.written_by) if view.written_by is not None else None,
        updated_at=view.updated_at,
        editable=view.editable,
        editable_until=view.editable_until,
        addenda=[
            ConsultationAddendumOut(text=a.text, written_by=full_name(a.written_by), written_at=a.written_at)
            for a in view.addenda
        ],
    )


def breach_out(breach: ConfidentialityBreach) -> ConfidentialityBreachOut:
    return ConfidentialityBreachOut(
        id=breach.pk,
        consultation_id=breach.consultation_id,
        reason=breach.reason,
        reported_to=breach.reported_to,
        reported_to_detail=breach.reported_to_detail,
        reference_number=breach.reference_number,
        reported_at=breach.reported_at,
        supervisor=staff_out(breach.supervisor),
        recorded_by=staff_out(breach.recorded_by),
    )
