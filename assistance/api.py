"""Help requests in the JSON API: register, list, read, move through the life cycle; the catalogue.

Mounted on the one NinjaAPI instance in opora/api.py, so the `api` kit's authentication, error shape
(``{"detail": ..., "errors": {...}}``) and exception handlers apply. Status moves go through
``assistance.services.transition`` like the pages do: a stale ``version`` answers 409 with
``current_version``, a move the life cycle does not allow 422, a move the user may not make 403.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import AliasChoices, Field

from api.errors import InputError
from api.idempotency import IDEMPOTENCY_DOC, Answer, run_idempotent
from api.pagination import limit_param, offset_param
from api.responses import api_actor, created_answer, idempotent_answer, json_answer
from api.schemas import BODY_ERRORS, ERRORS, ConflictOut, ErrorOut, Strict, one_of
from assistance import reference, services, workflow
from assistance.models import Assignment, HelpRequest, IntakeChannel, ServiceType, Status, Urgency
from assistance.selectors import get_visible_request, visible_requests
from audit import services as audit
from audit.models import Action
from core.actor import Actor
from core.permissions import require
from core.validators import MAX_ID
from directory.models import Worker
from people.models import Person

router = Router(tags=["requests"])


# --- shapes ----------------------------------------------------------------------------------------
class RequestCreateIn(Strict):
    person_id: int = Field(
        validation_alias=AliasChoices("person_id", "person"), ge=1, le=MAX_ID, description="Id of the citizen."
    )
    service_type: str = Field(description="Code from GET /service-types, e.g. food.")
    details: str = Field(default="", max_length=5000, description="What is needed, in words.")
    address: str = Field(default="", max_length=300, description="Where; the citizen's address if empty.")
    urgency: str = Field(
        default=Urgency.NORMAL.value, description="normal or urgent.", json_schema_extra=one_of(Urgency.values)
    )
    window_start: datetime.datetime | None = Field(default=None, description="ISO 8601; Moscow time if no offset.")
    window_end: datetime.datetime | None = None
    night_visit: bool = Field(
        default=False,
        description="The citizen asks for a visit outside working hours (auto-assign otherwise leaves a night"
        " window to the dispatcher).",
    )


class WindowIn(Strict):
    window_start: datetime.datetime = Field(description="ISO 8601; Moscow time if no offset.")
    window_end: datetime.datetime = Field(description="ISO 8601; after window_start and not yet past.")
    version: int = Field(ge=0, le=MAX_ID, description="The version of the request the change is based on.")
    night_visit: bool = Field(default=False, description="The citizen asks for a visit outside working hours.")
    reason: str = Field(default="", max_length=500, description="What was agreed with the citizen.")


class TransitionIn(Strict):
    to: str = Field(
        description="accepted, assigned, in_progress, done, failed or cancelled.",
        # "returned" is what "failed" from the worker who holds the task leads to, never a target itself.
        json_schema_extra=one_of(s for s in Status.values if s not in (Status.NEW, Status.RETURNED)),
    )
    version: int = Field(ge=0, le=MAX_ID, description="The version of the request the move is based on.")
    assignee: int | None = Field(default=None, ge=1, le=MAX_ID, description="Id of the worker, for “assigned”.")
    reason: str = Field(default="", max_length=300, description="Required for failed and cancelled.")
    money_spent: Decimal | None = Field(
        default=None,
        ge=0,
        max_digits=10,
        decimal_places=2,
        description="Roubles; required for “done” when money is handled.",
    )


class CodeNameOut(Schema):
    code: str
    name: str


class IdNameOut(Schema):
    id: int
    name: str


class AssigneeOut(Schema):
    id: int
    full_name: str
    kind: str


class RequestOut(Schema):
    id: int
    version: int
    person: IdNameOut
    service_type: CodeNameOut
    tcso: IdNameOut
    channel: str
    urgency: str
    details: str
    address: str
    window_start: datetime.datetime | None
    window_end: datetime.datetime | None
    night_visit: bool
    due_at: datetime.datetime
    is_overdue: bool
    status: str
    status_changed_at: datetime.datetime
    closed_at: datetime.datetime | None
    close_reason: str
    assignee: AssigneeOut | None = Field(description="The worker of the live (or, once closed, the last) assignment.")
    created_at: datetime.datetime
    updated_at: datetime.datetime


class RequestListOut(Schema):
    count: int
    results: list[RequestOut]


class ServiceTypeOut(Schema):
    code: str
    name: str
    target_hours: int
    handles_money: bool
    required_skills: list[str] = Field(description="Codes of the skills a worker needs.")


# --- helpers ---------------------------------------------------------------------------------------
def _requests() -> QuerySet[HelpRequest]:
    return HelpRequest.objects.select_related("person", "service_type", "tcso").prefetch_related("assignments__worker")


def request_out(help_request: HelpRequest, assignments: list[Assignment] | None = None) -> dict[str, Any]:
    """The JSON of a request; ``assignments`` (newest first) saves a query where the caller knows them."""
    if assignments is None:
        assignments = list(help_request.assignments.all())  # newest first
    worker = assignments[0].worker if assignments else None
    out = RequestOut(
        id=help_request.pk,
        version=help_request.version,
        person=IdNameOut(id=help_request.person.pk, name=help_request.person.full_name),
        service_type=CodeNameOut(code=help_request.service_type.code, name=help_request.service_type.name),
        tcso=IdNameOut(id=help_request.tcso.pk, name=help_request.tcso.name),
        channel=help_request.intake_channel,
        urgency=help_request.urgency,
        details=help_request.details,
        address=help_request.address,
        window_start=help_request.window_start,
        window_end=help_request.window_end,
        night_visit=help_request.night_visit,
        due_at=help_request.due_at,
        is_overdue=help_request.is_overdue,
        status=help_request.status,
        status_changed_at=help_request.status_changed_at,
        closed_at=help_request.closed_at,
        close_reason=help_request.close_reason,
        assignee=AssigneeOut(id=worker.pk, full_name=worker.full_name, kind=worker.kind) if worker else None,
        created_at=help_request.created_at,
        updated_at=help_request.updated_at,
    )
    return out.model_dump(mode="json")


# A time window is agreed with a citizen for a visit: years outside these are a typing error.
WINDOW_YEARS = range(2000, 2101)


def _aware(value: datetime.datetime | None, field: str) -> datetime.datetime | None:
    """Moscow time if the client gave no offset; in UTC, as the database gives times back."""
    if value is None:
        return None
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        value = value.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        value = None
    if value is None or value.year not in WINDOW_YEARS:
        raise InputError({field: [_("Enter a date and time between the years 2000 and 2100.")]})
    return value


def _record_view(actor: Actor, help_request: HelpRequest, section: str) -> None:
    audit.record(
        actor=actor,
        action=Action.VIEW,
        obj=help_request,
        person_id=help_request.person_id,
        details={"section": section},
    )


def _reload(pk: int) -> dict[str, Any]:
    return request_out(_requests().get(pk=pk))


# --- endpoints -------------------------------------------------------------------------------------
@router.post(
    "/requests",
    response={201: RequestOut, **BODY_ERRORS, **ERRORS},
    operation_id="create_request",
    summary="Register a help request",
    openapi_extra=IDEMPOTENCY_DOC,
)
def create_request(request: HttpRequest, payload: RequestCreateIn) -> HttpResponse:
    """Register a need of a citizen; it goes to the TCSO of the citizen's district with a due time
    from the service's target time (a quarter of it when urgent)."""
    require(request.user, "assistance.create_request")
    actor = api_actor(request)
    # get() rather than first(): no ORDER BY to build, and this is the busiest endpoint. The schema
    # bounds the id, so it always fits the column.
    try:
        person: Person | None = Person.objects.get(pk=payload.person_id)
    except Person.DoesNotExist:
        person = None
    data = services.RequestInput(
        service_type=reference.active_service(payload.service_type),
        details=payload.details,
        address=payload.address,
        urgency=payload.urgency,
        window_start=_aware(payload.window_start, "window_start"),
        window_end=_aware(payload.window_end, "window_end"),
        night_visit=payload.night_visit,
        intake_channel=IntakeChannel.API,
    )
    # The service checks again when it writes; asked here first, every field's problem is answered at once.
    if problems := services.check_request(person=person, data=data, actor=actor):
        raise InputError({("person_id" if field == "person" else field): found for field, found in problems.items()})
    assert person is not None

    def action() -> Answer:
        created = services.create_request(person=person, data=data, actor=actor)
        # A new request has no assignment yet, and its person, service and TCSO are at hand.
        return Answer(201, request_out(created, assignments=[]))

    return created_answer(request, action, url_name="api:request", id_kwarg="request_id")


@router.get(
    "/requests",
    response={200: RequestListOut, **ERRORS},
    operation_id="list_requests",
    url_name="requests",
    summary="List help requests",
)
def list_requests(
    request: HttpRequest,
    status: str = Query("", description="A status (new, accepted, assigned, …), or “open” for every open one."),
    tcso: int | None = Query(None, ge=1, le=MAX_ID, description="Id of a TCSO."),
    person: int | None = Query(None, ge=1, le=MAX_ID, description="Id of a citizen."),
    limit: int = limit_param(),
    offset: int = offset_param(),
) -> HttpResponse:
    """Requests the caller may see (dispatchers: their TCSO's), soonest due first."""
    require(request.user, "assistance.view_request")
    actor = api_actor(request)
    found = (
        visible_requests(actor.user)
        .select_related("person", "service_type", "tcso")
        .prefetch_related("assignments__worker")
    )
    if status == "open":
        found = found.filter(status__in=workflow.OPEN)
    elif status:
        if status not in Status.values:
            raise InputError({"status": [_("Unknown status.")]})
        found = found.filter(status=status)
    if tcso is not None:
        found = found.filter(tcso_id=tcso)
    if person is not None:
        found = found.filter(person_id=person)
    found = found.order_by("due_at", "pk")
    page = list(found[offset : offset + limit])
    for help_request in page:
        _record_view(actor, help_request, "request_list")
    return json_answer(200, {"count": found.count(), "results": [request_out(r) for r in page]})


@router.get(
    "/requests/{request_id}",
    response={200: RequestOut, 404: ErrorOut, **ERRORS},
    operation_id="get_request",
    url_name="request",
    summary="A help request",
)
def get_request(request: HttpRequest, request_id: int) -> HttpResponse:
    help_request = get_visible_request(request.user, request_id)  # type: ignore[arg-type]
    _record_view(api_actor(request), help_request, "request")
    return json_answer(200, request_out(help_request))


@router.post(
    "/requests/{request_id}/transitions",
    response={200: RequestOut, 404: ErrorOut, 409: ConflictOut, **BODY_ERRORS, **ERRORS},
    operation_id="transition_request",
    summary="Move a help request to another status",
    openapi_extra=IDEMPOTENCY_DOC,
)
def transition_request(request: HttpRequest, request_id: int, payload: TransitionIn) -> HttpResponse:
    """``{"to": "assigned", "assignee": 12, "version": 3}``; ``failed`` and ``cancelled`` need a reason."""
    # A field worker may move the task he holds, though he does not read requests through the API.
    help_request = get_visible_request(
        request.user,  # type: ignore[arg-type]
        request_id,
        perms=("assistance.view_request", "assistance.work_on_request"),
    )
    assignee = None
    if payload.assignee is not None:
        assignee = Worker.objects.filter(pk=payload.assignee).first()
        if assignee is None:
            raise InputError({"assignee": [_("No such worker.")]})

    def action() -> Answer:
        services.transition(
            help_request=help_request,
            to=payload.to,
            actor=api_actor(request),
            version=payload.version,
            reason=payload.reason,
            assignee=assignee,
            money_spent=payload.money_spent,
        )
        return Answer(200, _reload(help_request.pk))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


@router.post(
    "/requests/{request_id}/window",
    response={200: RequestOut, 404: ErrorOut, 409: ConflictOut, **BODY_ERRORS, **ERRORS},
    operation_id="reschedule_request",
    summary="Move the visit to a new time window",
    openapi_extra=IDEMPOTENCY_DOC,
)
def reschedule_request(request: HttpRequest, request_id: int, payload: WindowIn) -> HttpResponse:
    """A new window agreed with the citizen, for a request not yet begun or brought back undone; the
    request is due by its end. ``{"window_start": "2026-12-08T15:00", "window_end": "2026-12-08T18:00",
    "version": 7}``."""
    help_request = get_visible_request(request.user, request_id)  # type: ignore[arg-type]
    start = _aware(payload.window_start, "window_start")
    end = _aware(payload.window_end, "window_end")
    assert start is not None and end is not None  # required by the schema

    def action() -> Answer:
        services.reschedule(
            help_request=help_request,
            window_start=start,
            window_end=end,
            night_visit=payload.night_visit,
            reason=payload.reason,
            actor=api_actor(request),
            version=payload.version,
        )
        return Answer(200, _reload(help_request.pk))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


@router.get(
    "/service-types",
    response={200: list[ServiceTypeOut], 401: ErrorOut},
    operation_id="list_service_types",
    summary="The service catalogue",
)
def list_service_types(request: HttpRequest) -> HttpResponse:
    """Active services, in catalogue order, with the target time in hours and the skills they need."""
    types = ServiceType.objects.filter(is_active=True).prefetch_related("required_skills")
    body = [
        ServiceTypeOut(
            code=t.code,
            name=t.name,
            target_hours=t.target_hours,
            handles_money=t.handles_money,
            required_skills=sorted(s.code for s in t.required_skills.all()),
        ).model_dump(mode="json")
        for t in types
    ]
    return json_answer(200, body)
