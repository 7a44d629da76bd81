"""Consultations of the psychological service in the JSON API (/api/v1/consultations).

Mounted on the one NinjaAPI instance through ``psych/api/__init__.py``, so the `api` kit's authentication,
error shape and handlers apply. Every write goes through ``psych.services`` or ``psych.notes`` as the
pages' do (they check the permission, validate and journal); a consultation is loaded with
``selectors.get_visible_consultation`` (403 for a role that may never, 404 for one that is missing or
another service's). A stale ``version`` answers 409 with ``current_version``; a refusal of the services
422 per field (named as the API names them: ``place_id``, ``slot_id``…), one that concerns the whole
request 422 with it as ``detail``. Every POST (and the PUT of a note) honours an ``Idempotency-Key``.

Metadata only, for everybody who may see a consultation: that it happened, when, its format, mode,
duration, topic and outcome, and whether a note was written. A psychologist of the consultation's service
also gets the client, and ``GET /consultations/{id}`` gives them the note with its addenda (the read is
journaled). The note's text is in no other answer: not in a list, not in the answer of a write (those are
kept for replays, and a note is never stored in clear).
"""

import datetime
from typing import Annotated, Any

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from pydantic import Field

from api.errors import InputError, refusal
from api.idempotency import IDEMPOTENCY_DOC, Answer, run_idempotent
from api.pagination import limit_param, offset_param
from api.responses import api_actor, created_answer, dump, idempotent_answer, json_answer
from api.schemas import BODY_ERRORS, ERRORS, ConflictOut, ErrorOut, one_of
from audit import services as audit
from audit.models import Action
from cases.models import RouteStep
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import require
from core.validators import MAX_ID
from directory.models import Organisation
from people.models import ContactPerson, Person
from psych import notes, selectors, services
from psych.api.schemas import (
    MODES,
    ConfidentialityBreachIn,
    ConfidentialityBreachOut,
    ConsultationAddendumIn,
    ConsultationAddendumSavedOut,
    ConsultationCalledOut,
    ConsultationCallNextIn,
    ConsultationCreateIn,
    ConsultationDetailOut,
    ConsultationFinishIn,
    ConsultationListOut,
    ConsultationMoveIn,
    ConsultationNoteIn,
    ConsultationNoteSavedOut,
    ConsultationOut,
    breach_out,
    consultation_fields,
    full_name,
    note_out,
)
from psych.models import Consultation, NoteAddendum, SessionNote, Topic
from scheduling.models import Slot

router = Router(tags=["consultations"])

Status = Consultation.Status
# The services name the records they are given; the API names the ids it is sent.
FIELD_NAMES = {
    "place": "place_id",
    "relative": "relative_id",
    "slot": "slot_id",
    "topic": "topic_id",
    "route_step": "route_step_id",
    "supervisor": "supervisor_id",
}
SCHEDULED_ONLY = ("slot_id", "format", "topic_id", "route_step_id")
EARLIEST = datetime.date(1900, 1, 1)
FROM_PARAM = Query(None, alias="from", description="Registered on or after this day (Moscow time), YYYY-MM-DD.")
TO_PARAM = Query(None, alias="to", description="Registered on or before this day (Moscow time), YYYY-MM-DD.")


# --- helpers -----------------------------------------------------------------------------------------
def _consultations(base: QuerySet[Consultation]) -> QuerySet[Consultation]:
    return base.select_related("organisation", "place", "psychologist", "topic__parent", "person", "relative").annotate(
        has_note_flag=Exists(SessionNote.objects.filter(consultation=OuterRef("pk")))
    )


def _out(user: Any, consultation: Consultation) -> ConsultationOut:
    return ConsultationOut(
        **consultation_fields(
            consultation,
            private=notes.may_read(user, consultation),
            may_change=user.has_perm("psych.change_consultation", consultation),
        )
    )


def _fresh(user: Any, pk: int) -> dict[str, Any]:
    """The consultation as it is now, for the answer of a write (never with its note)."""
    return dump(_out(user, _consultations(Consultation.objects.filter(pk=pk)).get()))


def _load(request: HttpRequest, consultation_id: int, perm: str = "psych.view_consultation") -> Consultation:
    return selectors.get_visible_consultation(request.user, consultation_id, perm=perm)


def _record_view(actor: Actor, consultation: Consultation, section: str) -> None:
    audit.record(
        actor=actor,
        action=Action.VIEW,
        obj=consultation,
        person_id=consultation.person_id,
        details={"section": section},
    )


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


# --- the list ------------------------------------------------------------------------------------------
@router.get(
    "/consultations",
    response={200: ConsultationListOut, **ERRORS},
    operation_id="list_consultations",
    url_name="consultations",
    summary="List consultations (metadata)",
)
def list_consultations(
    request: HttpRequest,
    status: Annotated[str, Field(json_schema_extra=one_of(["", *Status.values]))] = Query(
        "", max_length=20, description="Empty for every status."
    ),
    format: Annotated[str, Field(json_schema_extra=one_of(["", *Consultation.Format.values]))] = Query(
        "", max_length=20, description="Empty for every format."
    ),
    mode: Annotated[str, Field(json_schema_extra=one_of(["", *Consultation.Mode.values]))] = Query(
        "", max_length=20, description="Empty for every mode."
    ),
    person: int | None = Query(None, ge=1, le=MAX_ID, description="Id of a citizen."),
    date_from: datetime.date | None = FROM_PARAM,
    date_to: datetime.date | None = TO_PARAM,
    limit: int = limit_param(),
    offset: int = offset_param(),
) -> HttpResponse:
    """Consultations the caller may see, newest registered first: a service's psychologists and supervisor
    see the service's, a hospital's coordinator those held at or for the hospital, a city supervisor every
    service's. Metadata only (no list holds a note); the client only for the service's psychologists,
    whose reading of it is journaled."""
    require(request.user, "psych.view_consultation")
    actor = api_actor(request)
    found = selectors.visible_consultations(actor.user)
    for name, value, values, message in (
        ("status", status, Status.values, _("Unknown status.")),
        ("format", format, Consultation.Format.values, _("Unknown format.")),
        ("mode", mode, Consultation.Mode.values, _("Unknown mode.")),
    ):
        if value:
            if value not in values:
                raise InputError({name: [message]})
            found = found.filter(**{name: value})
    if person is not None:
        found = found.filter(person_id=person)
    if date_from is not None:  # (a day before 1900 finds the same; year 1 in Moscow is before UTC's first)
        found = found.filter(created_at__gte=_day_start(max(date_from, EARLIEST)))
    if date_to is not None and date_to < datetime.date.max:  # the last day there is: no bound
        found = found.filter(created_at__lt=_day_start(date_to + datetime.timedelta(days=1)))
    total = found.count()
    page = list(_consultations(found).order_by("-created_at", "-pk")[offset : offset + limit])
    results = [_out(actor.user, c) for c in page]
    for consultation, out in zip(page, results, strict=True):
        if out.client is not None and consultation.person_id is not None:
            _record_view(actor, consultation, "consultation_list")
    return json_answer(200, dump(ConsultationListOut(count=total, results=results)))


# --- registering and calling in ----------------------------------------------------------------------
def _client(actor: Actor, payload: ConsultationCreateIn) -> services.Client:
    person = None
    if payload.person_id is not None:
        person = Person.objects.filter(pk=payload.person_id).first()
        if person is None or not actor.user.has_perm("people.search_person", person):
            raise InputError({"person_id": [_("No such citizen.")]})
    relative = None
    if payload.relative_id is not None:
        relative = ContactPerson.objects.filter(pk=payload.relative_id).first()
        if relative is None:
            raise InputError({"relative_id": [_("This relative is not on the patient's card.")]})
    return services.Client(
        person=person,
        kind=payload.client_kind,
        relative=relative,
        label=payload.client_label,
        phone=payload.client_phone,
        email=payload.client_email,
    )


def _walk_in(actor: Actor, payload: ConsultationCreateIn) -> Consultation:
    misplaced = {name: [_("Only for a scheduled consultation.")] for name in SCHEDULED_ONLY if getattr(payload, name)}
    if misplaced:
        raise InputError(misplaced)
    place = None
    if payload.place_id is not None:
        place = Organisation.objects.filter(pk=payload.place_id).first()
        if place is None:
            raise InputError({"place_id": [_("No such place.")]})
    client = _client(actor, payload)
    return services.register_walk_in(actor=actor, client=client, place=place)


def _booking(actor: Actor, payload: ConsultationCreateIn) -> Consultation:
    if payload.place_id is not None:
        raise InputError({"place_id": [_("Only for a walk-in: a booking is where its slot is.")]})
    if payload.slot_id is None:
        raise InputError({"slot_id": [_("This field is required.")]})
    slot = (
        Slot.objects.select_related("resource__worker__user", "resource__organisation")
        .filter(pk=payload.slot_id)
        .first()
    )
    if slot is None:
        raise InputError({"slot_id": [_("No such slot.")]})
    topic = None
    if payload.topic_id is not None:
        topic = Topic.objects.filter(pk=payload.topic_id, is_active=True).first()
        if topic is None:
            raise InputError({"topic_id": [_("No such topic.")]})
    step = None
    if payload.route_step_id is not None:
        step = RouteStep.objects.select_related("case").filter(pk=payload.route_step_id).first()
        if step is None:
            raise InputError(
                {"route_step_id": [_("This step is not an open step of the patient's route at your hospital.")]}
            )
    client = _client(actor, payload)
    return services.book(actor=actor, slot=slot, client=client, format=payload.format, topic=topic, route_step=step)


@router.post(
    "/consultations",
    response={201: ConsultationOut, **BODY_ERRORS, **ERRORS},
    operation_id="create_consultation",
    summary="Register a walk-in or book a consultation",
    openapi_extra=IDEMPOTENCY_DOC,
)
def create_consultation(request: HttpRequest, payload: ConsultationCreateIn) -> HttpResponse:
    """A psychologist registers someone who came without an appointment (``mode`` walk_in: the next number
    of the place's queue today; a registered patient, a relative of theirs, a name or nobody's name) or
    books a free slot of a psychologist of their service (``mode`` scheduled, with ``slot_id`` and
    ``format``; the client gets an SMS, an online consultation its own room and the link). Answers the
    consultation, with its ``Location``."""
    require(request.user, "psych.register_consultation")
    actor = api_actor(request)
    if payload.mode not in MODES:
        raise InputError({"mode": [_("Choose walk_in or scheduled.")]})

    def action() -> Answer:
        try:
            if payload.mode == Consultation.Mode.WALK_IN:
                consultation = _walk_in(actor, payload)
            else:
                consultation = _booking(actor, payload)
        except ValidationError as error:
            raise refusal(error, FIELD_NAMES) from error
        return Answer(201, _fresh(actor.user, consultation.pk))

    return created_answer(request, action, url_name="api:consultation", id_kwarg="consultation_id")


@router.post(
    "/consultations/next",
    response={200: ConsultationCalledOut, **BODY_ERRORS, **ERRORS},
    operation_id="call_next_consultation",
    summary="Call in whoever has waited longest",
    openapi_extra=IDEMPOTENCY_DOC,
)
def call_next(request: HttpRequest, payload: ConsultationCallNextIn) -> HttpResponse:
    """The psychologist calls in the client who has waited longest at the place; two psychologists calling
    at once call in two different people. Always 200: ``consultation`` is the one called in (now the
    caller's, status called), or null when nobody waits; ``waiting`` counts those still waiting. A retry
    with the same Idempotency-Key answers as the first call did, so nobody is called in twice."""
    require(request.user, "psych.run_queue")
    actor = api_actor(request)
    try:
        service = services.service_of(actor.user)
    except ValidationError as error:
        raise refusal(error, FIELD_NAMES) from error
    place = Organisation.objects.filter(pk=payload.place_id).first()
    if place is None or place.pk not in {p.pk for p in services.places_of(service)}:
        raise InputError({"place_id": [_("Choose one of the places where your service sees clients.")]})

    def action() -> Answer:
        try:
            called = services.call_next(actor=actor, place=place)
        except ValidationError as error:
            raise refusal(error, FIELD_NAMES) from error
        waiting = Consultation.objects.filter(organisation=service, place=place, status=Status.WAITING).count()
        out = ConsultationCalledOut(
            consultation=_out(actor.user, _consultations(Consultation.objects.filter(pk=called.pk)).get())
            if called is not None
            else None,
            waiting=waiting,
        )
        return Answer(200, dump(out))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


# --- one consultation (after /consultations/next, which its path would match) --------------------------
@router.get(
    "/consultations/{consultation_id}",
    response={200: ConsultationDetailOut, 404: ErrorOut, **ERRORS},
    operation_id="get_consultation",
    url_name="consultation",
    summary="A consultation (its note for the service's psychologists only)",
)
def get_consultation(request: HttpRequest, consultation_id: int) -> HttpResponse:
    """The consultation's metadata for whoever may see it. A psychologist of its service also gets the
    client and the ``note`` with its addenda (decrypted; the reading is journaled); for anyone else ``note``
    is null and ``has_note`` says whether one exists."""
    consultation = _load(request, consultation_id)
    actor = api_actor(request)
    _record_view(actor, consultation, "consultation")
    row = _consultations(Consultation.objects.filter(pk=consultation.pk)).get()
    note = notes.read_note(actor=actor, consultation=consultation) if notes.may_read(actor.user, row) else None
    out = ConsultationDetailOut(**_out(actor.user, row).model_dump(), note=note_out(note) if note else None)
    return json_answer(200, dump(out))


# --- moves and the end -------------------------------------------------------------------------------
@router.post(
    "/consultations/{consultation_id}/moves",
    response={200: ConsultationOut, 404: ErrorOut, 409: ConflictOut, **BODY_ERRORS, **ERRORS},
    operation_id="move_consultation",
    summary="Move a consultation to another status",
    openapi_extra=IDEMPOTENCY_DOC,
)
def move_consultation(request: HttpRequest, consultation_id: int, payload: ConsultationMoveIn) -> HttpResponse:
    """``{"to": "in_progress", "version": 2}``: call in, start, send back to the queue, mark as left, as not
    come, or cancel (with a ``reason``; the slot is freed and the client told). The consultation's
    ``moves`` says which moves it allows now; ending it is ``POST …/finish``."""
    consultation = _load(request, consultation_id, perm="psych.change_consultation")
    actor = api_actor(request)

    def action() -> Answer:
        try:
            services.move(
                actor=actor,
                consultation=consultation,
                to=payload.to,
                expected_version=payload.version,
                reason=payload.reason,
            )
        except ValidationError as error:
            raise refusal(error, FIELD_NAMES) from error
        return Answer(200, _fresh(actor.user, consultation.pk))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


@router.post(
    "/consultations/{consultation_id}/finish",
    response={200: ConsultationOut, 404: ErrorOut, 409: ConflictOut, **BODY_ERRORS, **ERRORS},
    operation_id="finish_consultation",
    summary="End a consultation in progress",
    openapi_extra=IDEMPOTENCY_DOC,
)
def finish_consultation(request: HttpRequest, consultation_id: int, payload: ConsultationFinishIn) -> HttpResponse:
    """Ends a consultation in progress with its topic and outcome (both required: the service's figures
    count them); the duration is the time it took unless sent. ``close_step`` marks the step of the route
    of help it answers as done. The note can be written for 24 hours after."""
    consultation = _load(request, consultation_id, perm="psych.change_consultation")
    actor = api_actor(request)
    topic = Topic.objects.filter(pk=payload.topic_id).first() if payload.topic_id is not None else None

    def action() -> Answer:
        try:
            services.finish(
                actor=actor,
                consultation=consultation,
                expected_version=payload.version,
                topic=topic,
                outcome=payload.outcome,
                next_step=payload.next_step,
                duration_minutes=payload.duration_minutes,
                close_step=payload.close_step,
            )
        except ValidationError as error:
            raise refusal(error, FIELD_NAMES) from error
        return Answer(200, _fresh(actor.user, consultation.pk))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


# --- the note ----------------------------------------------------------------------------------------
@router.put(
    "/consultations/{consultation_id}/note",
    response={
        200: ConsultationNoteSavedOut,
        201: ConsultationNoteSavedOut,
        404: ErrorOut,
        409: ConflictOut,
        **BODY_ERRORS,
        **ERRORS,
    },
    operation_id="write_consultation_note",
    summary="Write or rewrite the session note",
    openapi_extra=IDEMPOTENCY_DOC,
)
def write_note(request: HttpRequest, consultation_id: int, payload: ConsultationNoteIn) -> HttpResponse:
    """Psychologists of the consultation's service only. ``version`` 0 writes the first note (201), the
    current version rewrites it (200); another answers 409 with ``current_version``. Allowed while the
    session runs and for 24 hours after its end; later, add an addendum. The note is stored encrypted and
    the answer does not repeat its text."""
    consultation = _load(request, consultation_id, perm="psych.read_note")
    actor = api_actor(request)

    def action() -> Answer:
        try:
            note = notes.write_note(
                actor=actor, consultation=consultation, text=payload.text, expected_version=payload.version
            )
        except ValidationError as error:
            raise refusal(error, FIELD_NAMES) from error
        except ConcurrentEditError as error:
            current = SessionNote.objects.filter(consultation=consultation).values_list("version", flat=True).first()
            raise ConcurrentEditError(current or 0) from error
        out = ConsultationNoteSavedOut(
            consultation_id=consultation.pk,
            version=note.version,
            written_by=full_name(note.written_by),
            updated_at=note.updated_at,
            editable_until=consultation.note_editable_until,
        )
        return Answer(201 if payload.version == 0 else 200, dump(out))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


@router.post(
    "/consultations/{consultation_id}/addenda",
    response={201: ConsultationAddendumSavedOut, 404: ErrorOut, **BODY_ERRORS, **ERRORS},
    operation_id="add_consultation_addendum",
    summary="Add an addendum to the note of a consultation held",
    openapi_extra=IDEMPOTENCY_DOC,
)
def add_addendum(request: HttpRequest, consultation_id: int, payload: ConsultationAddendumIn) -> HttpResponse:
    """Psychologists of the consultation's service only: a correction or an addition to the note of a
    consultation held, which never replaces what was written. Stored encrypted; the answer does not
    repeat its text."""
    consultation = _load(request, consultation_id, perm="psych.read_note")
    actor = api_actor(request)

    def action() -> Answer:
        try:
            addendum = notes.add_addendum(actor=actor, consultation=consultation, text=payload.text)
        except ValidationError as error:
            raise refusal(error, FIELD_NAMES) from error
        out = ConsultationAddendumSavedOut(
            consultation_id=consultation.pk,
            written_by=full_name(addendum.written_by),
            written_at=addendum.written_at,
            addenda=NoteAddendum.objects.filter(consultation=consultation).count(),
        )
        return Answer(201, dump(out))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


@router.post(
    "/consultations/{consultation_id}/breaches",
    response={201: ConfidentialityBreachOut, 404: ErrorOut, **BODY_ERRORS, **ERRORS},
    operation_id="record_confidentiality_breach",
    summary="Record a break of confidentiality to save a life",
    openapi_extra=IDEMPOTENCY_DOC,
)
def record_breach(request: HttpRequest, consultation_id: int, payload: ConfidentialityBreachIn) -> HttpResponse:
    """Psychologists of the consultation's service only: confidentiality was broken because a life was at
    risk — why, to whom it was reported and their reference number, and the supervisor informed (the
    service's own or a city supervisor), who is told at once without the client's name."""
    consultation = _load(request, consultation_id, perm="psych.record_breach")
    actor = api_actor(request)
    supervisor = User.objects.filter(pk=payload.supervisor_id).first() if payload.supervisor_id is not None else None
    reported_at = payload.reported_at
    if reported_at is not None and timezone.is_naive(reported_at):  # a time without an offset is Moscow time
        reported_at = timezone.make_aware(reported_at)

    def action() -> Answer:
        try:
            breach = notes.record_breach(
                actor=actor,
                consultation=consultation,
                reason=payload.reason,
                reported_to=payload.reported_to,
                reported_to_detail=payload.reported_to_detail,
                reference_number=payload.reference_number,
                supervisor=supervisor,
                reported_at=reported_at,
            )
        except ValidationError as error:
            raise refusal(error, FIELD_NAMES) from error
        return Answer(201, dump(breach_out(breach)))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)
