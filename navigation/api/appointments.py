"""Appointments of the oncology programme in the JSON API (/api/v1/appointments): book a free slot for a
patient, move it, cancel it, record the patient's reply to a reminder and what came of the visit.

Every write goes through ``navigation.appointments`` as the pages' do (they check the permission, validate,
write and journal in one transaction; the slot calendar's database index makes a double booking
impossible). Only the patient's own personal assistant books and changes (``navigation.book_appointment``,
``navigation.change_appointment``); supervisors read. A role with no business in the programme gets 403, an
appointment that is missing or another assistant's patient's 404. A stale ``version`` answers 409 with
``current_version``; a slot taken meanwhile 422 on ``slot_id``, as the psychological service's bookings
do. Every POST honours an ``Idempotency-Key``; every read is journaled.

An appointment's answer says what, when and where, never the suspected diagnosis.
"""

from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router
from pydantic import Field

from api.errors import InputError, refusal
from api.idempotency import IDEMPOTENCY_DOC, Answer, run_idempotent
from api.pagination import limit_param, offset_param
from api.responses import api_actor, created_answer, dump, idempotent_answer, json_answer
from api.schemas import BODY_ERRORS, ERRORS, ConflictOut, ErrorOut, one_of
from core.exceptions import ValidationError
from core.permissions import require
from core.validators import MAX_ID
from navigation import appointments, selectors
from navigation.api.schemas import (
    AppointmentCancelIn,
    AppointmentCreateIn,
    AppointmentListOut,
    AppointmentMoveIn,
    AppointmentOut,
    AppointmentOutcomeIn,
    AppointmentReplyIn,
    appointment_out,
    record_view,
)
from navigation.models import Appointment
from scheduling.models import Slot

router = Router(tags=["appointments"])

Status = Appointment.Status
# The services name the records they are given; the API names the ids it is sent.
FIELD_NAMES = {"slot": "slot_id", "overbook_reason": "reason"}


def _appointments(base: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return base.select_related("journey__case", "booking__slot__resource__organisation__okrug").prefetch_related(
        "reminders"
    )


def _fresh(pk: int) -> dict[str, Any]:
    """The appointment as it is now, for the answer of a write."""
    return dump(appointment_out(_appointments(Appointment.objects.filter(pk=pk)).get()))


def _load(request: HttpRequest, appointment_id: int, perm: str) -> Appointment:
    """The appointment if the caller may ``perm`` it: 403 for a role that may never, 404 for one that is
    missing or not theirs (the same answer, so that nobody learns which appointments exist)."""
    require(request.user, perm)
    found = (
        _appointments(Appointment.objects.filter(pk=appointment_id)).first() if 0 < appointment_id <= MAX_ID else None
    )
    if found is None or not request.user.has_perm(perm, found):
        raise Http404
    return found


def _slot(slot_id: int) -> Slot:
    slot = Slot.objects.select_related("resource__organisation").filter(pk=slot_id).first()
    if slot is None:
        raise InputError({"slot_id": [_("No such slot.")]})
    return slot


def _record_view(request: HttpRequest, appointment: Appointment, section: str) -> None:
    record_view(api_actor(request), appointment, appointment.journey.case.person_id, section)


# --- reading -----------------------------------------------------------------------------------------
@router.get(
    "/appointments",
    response={200: AppointmentListOut, 404: ErrorOut, **ERRORS},
    operation_id="list_appointments",
    url_name="appointments",
    summary="List appointments",
)
def list_appointments(
    request: HttpRequest,
    journey_id: int | None = Query(
        None, ge=1, le=MAX_ID, description="One patient's journey; 404 when it is not one the caller may see."
    ),
    status: Annotated[str, Field(json_schema_extra=one_of(["", *Status.values]))] = Query(
        "", max_length=20, description="Empty for every status."
    ),
    limit: int = limit_param(),
    offset: int = offset_param(),
) -> HttpResponse:
    """Appointments of the journeys the caller may see (a personal assistant their own patients', a
    supervisor every one), earliest first, with their reminders. The reading is journaled."""
    require(request.user, "navigation.view_appointment")
    found = Appointment.objects.filter(journey__in=selectors.visible_journeys(request.user).values("pk"))
    if journey_id is not None:
        found = found.filter(journey=selectors.get_visible_journey(request.user, journey_id))
    if status:
        if status not in Status.values:
            raise InputError({"status": [_("Unknown status.")]})
        found = found.filter(status=status)
    total = found.count()
    page = list(_appointments(found).order_by("booking__slot__starts_at", "pk")[offset : offset + limit])
    for appointment in page:
        _record_view(request, appointment, "appointment_list")
    body = AppointmentListOut(count=total, results=[appointment_out(a) for a in page])
    return json_answer(200, dump(body))


@router.get(
    "/appointments/{appointment_id}",
    response={200: AppointmentOut, 404: ErrorOut, **ERRORS},
    operation_id="get_appointment",
    url_name="appointment",
    summary="An appointment",
)
def get_appointment(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """The appointment: what, when, where, its status, result and reminders. The reading is journaled."""
    appointment = _load(request, appointment_id, "navigation.view_appointment")
    _record_view(request, appointment, "appointment")
    return json_answer(200, dump(appointment_out(appointment)))


# --- booking, moving, cancelling, the outcome --------------------------------------------------------
@router.post(
    "/appointments",
    response={201: AppointmentOut, **BODY_ERRORS, **ERRORS},
    operation_id="book_appointment",
    summary="Book a doctor's visit or a test for a patient",
    openapi_extra=IDEMPOTENCY_DOC,
)
def book(request: HttpRequest, payload: AppointmentCreateIn) -> HttpResponse:
    """The patient's personal assistant books a free slot (``GET /slots``); the reminders are planned (SMS,
    or a call by the assistant). A slot taken meanwhile is refused (422 on ``slot_id``); holding it anyway
    is ``overbook`` with a ``reason``, journaled. Answers the appointment, with its ``Location``."""
    require(request.user, "navigation.book_appointment")
    actor = api_actor(request)
    journey = selectors.visible_journeys(actor.user).filter(pk=payload.journey_id).first()
    if journey is None or not actor.user.has_perm("navigation.book_appointment", journey):
        raise InputError({"journey_id": [_("No such journey among your patients'.")]})
    slot = _slot(payload.slot_id)

    def action() -> Answer:
        try:
            appointment = appointments.book_appointment(
                actor=actor,
                journey=journey,
                slot=slot,
                kind=payload.kind,
                overbook=payload.overbook,
                reason=payload.reason,
            )
        except ValidationError as error:
            raise refusal(error, FIELD_NAMES) from error
        return Answer(201, _fresh(appointment.pk))

    return created_answer(request, action, url_name="api:appointment", id_kwarg="appointment_id")


@router.post(
    "/appointments/{appointment_id}/move",
    response={200: AppointmentOut, 404: ErrorOut, 409: ConflictOut, **BODY_ERRORS, **ERRORS},
    operation_id="move_appointment",
    summary="Move an appointment to another slot",
    openapi_extra=IDEMPOTENCY_DOC,
)
def move(request: HttpRequest, appointment_id: int, payload: AppointmentMoveIn) -> HttpResponse:
    """The new slot is held and the old one freed at once (if the new one is taken, nothing changes); the
    reminders are planned again for the new time."""
    appointment = _load(request, appointment_id, "navigation.change_appointment")
    actor = api_actor(request)
    slot = _slot(payload.slot_id)

    def action() -> Answer:
        try:
            appointments.move_appointment(
                actor=actor,
                appointment=appointment,
                to=slot,
                expected_version=payload.version,
                overbook=payload.overbook,
                reason=payload.reason,
            )
        except ValidationError as error:
            raise refusal(error, FIELD_NAMES) from error
        return Answer(200, _fresh(appointment.pk))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


@router.post(
    "/appointments/{appointment_id}/cancel",
    response={200: AppointmentOut, 404: ErrorOut, 409: ConflictOut, **BODY_ERRORS, **ERRORS},
    operation_id="cancel_appointment",
    summary="Cancel an appointment",
    openapi_extra=IDEMPOTENCY_DOC,
)
def cancel(request: HttpRequest, appointment_id: int, payload: AppointmentCancelIn) -> HttpResponse:
    """Cancels the appointment with its ``reason``: the slot is freed, the reminders not yet sent dropped."""
    appointment = _load(request, appointment_id, "navigation.change_appointment")
    actor = api_actor(request)

    def action() -> Answer:
        try:
            appointments.cancel_appointment(
                actor=actor, appointment=appointment, reason=payload.reason, expected_version=payload.version
            )
        except ValidationError as error:
            raise refusal(error, FIELD_NAMES) from error
        return Answer(200, _fresh(appointment.pk))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


@router.post(
    "/appointments/{appointment_id}/outcome",
    response={200: AppointmentOut, 404: ErrorOut, 409: ConflictOut, **BODY_ERRORS, **ERRORS},
    operation_id="record_appointment_outcome",
    summary="Record whether the patient came, and what came of it",
    openapi_extra=IDEMPOTENCY_DOC,
)
def outcome(request: HttpRequest, appointment_id: int, payload: AppointmentOutcomeIn) -> HttpResponse:
    """After the appointment has begun: ``attended`` or ``missed``, with the ``result``. A missed visit
    gives the assistant a task to call the patient (why, and a new date)."""
    appointment = _load(request, appointment_id, "navigation.change_appointment")
    actor = api_actor(request)

    def action() -> Answer:
        try:
            appointments.record_outcome(
                actor=actor,
                appointment=appointment,
                outcome=payload.outcome,
                result=payload.result,
                expected_version=payload.version,
            )
        except ValidationError as error:
            raise refusal(error, FIELD_NAMES) from error
        return Answer(200, _fresh(appointment.pk))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


@router.post(
    "/appointments/{appointment_id}/reply",
    response={200: AppointmentOut, 404: ErrorOut, 409: ConflictOut, **BODY_ERRORS, **ERRORS},
    operation_id="record_appointment_reply",
    summary="Record the patient's answer to a reminder",
    openapi_extra=IDEMPOTENCY_DOC,
)
def reply(request: HttpRequest, appointment_id: int, payload: AppointmentReplyIn) -> HttpResponse:
    """Before the appointment: the patient will come (``confirmed``), cannot (``cancel``: the appointment is
    cancelled and the slot freed) or wants another time (``move``: a call for the assistant)."""
    appointment = _load(request, appointment_id, "navigation.change_appointment")
    actor = api_actor(request)

    def action() -> Answer:
        try:
            appointments.record_reply(
                actor=actor, appointment=appointment, reply=payload.reply, expected_version=payload.version
            )
        except ValidationError as error:
            raise refusal(error, FIELD_NAMES) from error
        return Answer(200, _fresh(appointment.pk))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)
