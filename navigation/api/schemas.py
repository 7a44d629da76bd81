"""Shapes of the navigation API's requests and answers, and the answers built from the records.

Input schemas check JSON types and bounds, and state the enumerations the services check (and word the
refusals of); the rules themselves are the services' (``navigation.services``, ``navigation.appointments``).
An appointment's answer says what, when and where, never the suspected diagnosis: a referral's answer
carries it, and only its readers (the assistant who registered it, the patient's assistant, a supervisor)
get it.
"""

import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from api.schemas import Strict, one_of
from audit import services as audit
from audit.models import Action
from core.actor import Actor
from core.validators import MAX_ID, try_normalise_phone
from directory.models import Organisation
from navigation.appointments import OUTCOMES
from navigation.models import Appointment, Journey, Referral, Reminder, Reply, Stage
from scheduling.models import Resource, Slot

# The version columns are 32-bit integers on PostgreSQL and a write sets the next version, which must fit
# as well (else PostgreSQL, or SQLite for a 64-bit one, fails the statement: a server error).
MAX_VERSION = 2**31 - 2
# Times of slots and searches: years outside these are a typing error (and would overflow in UTC).
YEARS = range(2000, 2101)


# --- requests ----------------------------------------------------------------------------------------
class ReferralCreateIn(Strict):
    person_id: int = Field(ge=1, le=MAX_ID, description="The patient (found by GET /people).")
    polyclinic_id: int = Field(ge=1, le=MAX_ID, description="The polyclinic that made the referral.")
    referring_doctor: str = Field(max_length=200, description="Who referred, e.g. «Петров И. С., терапевт».")
    referred_on: datetime.date = Field(description="The date of the referral: today or up to a year ago.")
    diagnosis: str = Field(max_length=10, description="The suspected diagnosis: an ICD-10 code, C00–D48, e.g. C50.")
    urgency: str = Field(
        default=Referral.Urgency.ROUTINE.value, max_length=20, json_schema_extra=one_of(Referral.Urgency.values)
    )
    note: str = Field(default="", max_length=500)


class ReferralAgreeIn(Strict):
    reminders_by: str = Field(
        max_length=20,
        description="How the patient wants to be reminded of appointments.",
        json_schema_extra=one_of(Referral.Contact.values),
    )
    evidence: str = Field(max_length=300, description="How the consent was given, e.g. «устно, в поликлинике».")
    version: int = Field(ge=0, le=MAX_VERSION, description="The version of the referral the answer is based on.")


class ReferralRefuseIn(Strict):
    reason: str = Field(max_length=300, description="Why the patient declined; kept for the consent rate.")
    version: int = Field(ge=0, le=MAX_VERSION, description="The version of the referral the answer is based on.")


class AppointmentCreateIn(Strict):
    journey_id: int = Field(ge=1, le=MAX_ID, description="The patient's journey (the id of their programme's case).")
    slot_id: int = Field(ge=1, le=MAX_ID, description="A free slot (GET /slots).")
    kind: str = Field(max_length=20, json_schema_extra=one_of(Appointment.Kind.values))
    overbook: bool = Field(default=False, description="Hold the slot although it is taken: needs a reason.")
    reason: str = Field(default="", max_length=300, description="Why the slot is overbooked (journaled).")


class AppointmentMoveIn(Strict):
    slot_id: int = Field(ge=1, le=MAX_ID, description="The new slot; the old one is freed.")
    version: int = Field(ge=0, le=MAX_VERSION, description="The version of the appointment the move is based on.")
    overbook: bool = Field(default=False, description="Hold the new slot although it is taken: needs a reason.")
    reason: str = Field(default="", max_length=300, description="Why the slot is overbooked (journaled).")


class AppointmentCancelIn(Strict):
    reason: str = Field(max_length=300, description="Why the appointment is cancelled.")
    version: int = Field(
        ge=0, le=MAX_VERSION, description="The version of the appointment the cancellation is based on."
    )


class AppointmentOutcomeIn(Strict):
    outcome: str = Field(
        max_length=20,
        description="Whether the patient came; a missed visit gives the assistant a task to call them.",
        json_schema_extra=one_of([str(o) for o in OUTCOMES]),
    )
    result: str = Field(default="", max_length=2000, description="What came of the visit.")
    version: int = Field(ge=0, le=MAX_VERSION, description="The version of the appointment the outcome is based on.")


class AppointmentReplyIn(Strict):
    reply: str = Field(
        max_length=20,
        description="What the patient answered a reminder: confirmed (will come), cancel (the appointment is "
        "cancelled and its slot freed), move (the assistant gets a call to find another time).",
        json_schema_extra=one_of(Reply.values),
    )
    version: int = Field(ge=0, le=MAX_VERSION, description="The version of the appointment the reply is based on.")


# --- answers -----------------------------------------------------------------------------------------
class ReferralPersonOut(Schema):
    id: int
    name: str


class PolyclinicOut(Schema):
    id: int
    name: str


class DiagnosisOut(Schema):
    code: str
    name: str


class AssistantOut(Schema):
    name: str
    phone: str | None = Field(description="The assistant's direct phone for the patient, E.164; null if none.")
    hours: str = Field(description="When the assistant takes calls, e.g. «пн–пт 09:00–18:00».")


class JourneyRefOut(Schema):
    id: int = Field(description="The journey's id (its case's); GET /appointments?journey_id=… lists its visits.")
    stage: str = Field(json_schema_extra=one_of(Stage.values))
    assistant: AssistantOut


class ReferralOut(Schema):
    id: int
    version: int
    person: ReferralPersonOut
    polyclinic: PolyclinicOut
    referring_doctor: str
    referred_on: datetime.date
    diagnosis: DiagnosisOut = Field(description="The suspected diagnosis (ICD-10).")
    urgency: str = Field(json_schema_extra=one_of(Referral.Urgency.values))
    note: str
    consent: str = Field(
        description="The patient's answer to the offer of a personal assistant.",
        json_schema_extra=one_of(Referral.Consent.values),
    )
    reminders_by: str = Field(description="Empty until the patient agrees.")
    refusal_reason: str
    consent_recorded_at: datetime.datetime | None
    journey: JourneyRefOut | None = Field(description="The journey the agreement opened; null before it.")
    registered_at: datetime.datetime


class ReferralListOut(Schema):
    count: int
    results: list[ReferralOut]


class ResourceOut(Schema):
    id: int
    name: str
    code: str = Field(description="The type of doctor or device, e.g. oncologist, ct, mri.")


class FacilityOut(Schema):
    id: int
    name: str
    address: str
    okrug: str | None = Field(description="The okrug's name; null when not set.")


class SlotOut(Schema):
    id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    resource: ResourceOut
    facility: FacilityOut


class SlotListOut(Schema):
    count: int = Field(description="How many slots the answer holds (the search stops at ``limit``).")
    results: list[SlotOut]


class ReminderOut(Schema):
    offset_minutes: int = Field(description="How long before the appointment.")
    channel: str = Field(json_schema_extra=one_of(Reminder.Channel.values))
    due_at: datetime.datetime
    sent_at: datetime.datetime | None


class AppointmentOut(Schema):
    id: int
    version: int
    journey_id: int
    kind: str = Field(json_schema_extra=one_of(Appointment.Kind.values))
    status: str = Field(json_schema_extra=one_of(Appointment.Status.values))
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    facility: FacilityOut
    resource: ResourceOut
    result: str
    cancel_reason: str
    reply: str = Field(
        description="The patient's answer to a reminder, as recorded; empty when none.",
        json_schema_extra=one_of(["", *Reply.values]),
    )
    reminders: list[ReminderOut]


class AppointmentListOut(Schema):
    count: int
    results: list[AppointmentOut]


# --- building the answers ----------------------------------------------------------------------------
def assistant_out(user: Any) -> AssistantOut:
    """The assistant as the patient's card names them (``navigation.printing``): name, direct phone, hours."""
    worker = getattr(user, "worker", None)
    capacity = getattr(user, "navigation_capacity", None)
    name = worker.full_name if worker is not None and worker.full_name else user.get_full_name()
    phone = try_normalise_phone(worker.public_phone) if worker is not None and worker.public_phone else None
    return AssistantOut(
        name=name or user.get_username(), phone=phone, hours=capacity.hours if capacity is not None else ""
    )


def journey_ref(journey: Journey) -> JourneyRefOut:
    return JourneyRefOut(id=journey.pk, stage=journey.stage, assistant=assistant_out(journey.assistant))


def referral_out(referral: Referral) -> ReferralOut:
    journey = getattr(referral.case, "journey", None) if referral.case_id else None
    return ReferralOut(
        id=referral.pk,
        version=referral.version,
        person=ReferralPersonOut(id=referral.person_id, name=referral.person.full_name),
        polyclinic=PolyclinicOut(id=referral.polyclinic_id, name=str(referral.polyclinic)),
        referring_doctor=referral.referring_doctor,
        referred_on=referral.referred_on,
        diagnosis=DiagnosisOut(code=referral.diagnosis.code, name=referral.diagnosis.name),
        urgency=referral.urgency,
        note=referral.note,
        consent=referral.consent,
        reminders_by=referral.reminders_by,
        refusal_reason=referral.refusal_reason,
        consent_recorded_at=referral.consent_recorded_at,
        journey=journey_ref(journey) if journey is not None else None,
        registered_at=referral.created_at,
    )


def facility_out(organisation: Organisation) -> FacilityOut:
    okrug = organisation.okrug
    return FacilityOut(
        id=organisation.pk,
        name=str(organisation),
        address=organisation.address,
        okrug=okrug.name if okrug is not None else None,
    )


def resource_out(resource: Resource) -> ResourceOut:
    return ResourceOut(id=resource.pk, name=resource.name, code=resource.code)


def slot_out(slot: Slot) -> SlotOut:
    return SlotOut(
        id=slot.pk,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        resource=resource_out(slot.resource),
        facility=facility_out(slot.resource.organisation),
    )


def appointment_out(appointment: Appointment) -> AppointmentOut:
    """``appointment`` with its booking's slot, resource and facility selected and its reminders prefetched."""
    slot = appointment.booking.slot
    return AppointmentOut(
        id=appointment.pk,
        version=appointment.version,
        journey_id=appointment.journey_id,
        kind=appointment.kind,
        status=appointment.status,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        facility=facility_out(slot.resource.organisation),
        resource=resource_out(slot.resource),
        result=appointment.result,
        cancel_reason=appointment.cancel_reason,
        reply=appointment.reply,
        reminders=[
            ReminderOut(offset_minutes=r.offset_minutes, channel=r.channel, due_at=r.due_at, sent_at=r.sent_at)
            for r in sorted(appointment.reminders.all(), key=lambda r: (r.due_at, r.pk))
        ],
    )


# --- the API's words for the services' refusals, and the journal of reads ----------------------------
def record_view(actor: Actor, obj: Any, person_id: int, section: str) -> None:
    """A read of a patient's record through the API, journaled as the other programmes' reads are."""
    audit.record(actor=actor, action=Action.VIEW, obj=obj, person_id=person_id, details={"section": section})
