"""Hotline calls in the API (/api/v1/hotline-calls).

What a call shows depends on who asks: its metadata (line, time, kind of caller, topic, risk, hand-over,
follow-ups, whether a safety plan exists) to whoever may see the line's calls; the caller's name and phone
and what was done only to the psychologists of the line's service. A safety plan's text is never in an
answer: it is read on the call's page, where each read is journaled.

``POST /hotline-calls`` logs a call through ``psych.hotline.log_call`` (the same rules as the page): an
emergency one answers with the follow-up it created and who it was given to. Retried safely with an
Idempotency-Key.
"""

import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import AliasChoices, Field

from api.errors import InputError, refusal
from api.idempotency import IDEMPOTENCY_DOC, Answer
from api.pagination import limit_param, offset_param
from api.responses import api_actor, created_answer, dump, json_answer
from api.schemas import BODY_ERRORS, ERRORS, ErrorOut, Strict, one_of
from core.exceptions import ValidationError
from core.permissions import require
from core.validators import MAX_ID
from people.models import Person
from psych import hotline
from psych.models import FollowUp, HotlineCall, HotlineLine, ReportedTo, Topic

router = Router(tags=["hotline"])


class RefOut(Schema):
    id: int
    name: str


class StaffOut(Schema):
    username: str
    full_name: str


class FollowUpOut(Schema):
    id: int
    kind: str
    assigned_to: StaffOut
    due_at: datetime.datetime
    done_at: datetime.datetime | None


class CallOut(Schema):
    id: int
    line: RefOut
    at: datetime.datetime
    duration_minutes: int | None
    taken_by: StaffOut
    caller_kind: str
    caller: str | None = Field(
        description="The name of the citizen who called, or the one a relative gave: only for the psychologists "
        "of the line's service."
    )
    caller_phone: str | None = Field(description="Only for the psychologists of the line's service.")
    person_id: int | None = Field(
        description="The citizen who called, or whom a relative called about: only for the psychologists of the "
        "line's service."
    )
    topic: RefOut | None
    risk: str
    action_taken: str | None = Field(description="What was done: only for the psychologists of the line's service.")
    handed_to: str
    handover_reference: str
    has_safety_plan: bool = Field(description="The plan's text is never in the API.")
    follow_ups: list[FollowUpOut]
    version: int


class CallListOut(Schema):
    count: int
    results: list[CallOut]


class CallCreatedOut(CallOut):
    follow_up: FollowUpOut | None = Field(description="The follow-up the call created (emergency or elevated risk).")


class CallIn(Strict):
    line_id: int = Field(validation_alias=AliasChoices("line_id", "line"), ge=1, le=MAX_ID)
    at: datetime.datetime | None = Field(default=None, description="When the call was; now if not sent.")
    duration_minutes: int | None = Field(default=None, ge=1, le=hotline.MAX_CALL_MINUTES)
    caller_kind: str = Field(max_length=20, json_schema_extra=one_of(HotlineCall.CallerKind.values))
    person_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="The citizen who called, if known.")
    caller_label: str = Field(default="", max_length=hotline.LABEL_LIMIT, description="The name a relative gave.")
    caller_phone: str = Field(default="", max_length=40)
    topic: str = Field(max_length=50, description="The code of the topic (GET the taxonomy in the admin site).")
    risk: str = Field(max_length=20, json_schema_extra=one_of(HotlineCall.Risk.values))
    action_taken: str = Field(max_length=hotline.ACTION_LIMIT, description="What was done.")
    handed_to: str = Field(default="", max_length=20, json_schema_extra=one_of(["", *ReportedTo.values]))
    handover_reference: str = Field(default="", max_length=hotline.REFERENCE_LIMIT)
    safety_plan: str = Field(default="", max_length=hotline.PLAN_LIMIT, description="Stored encrypted.")


def _staff(user: Any) -> StaffOut:
    return StaffOut(username=user.get_username(), full_name=user.get_full_name())


def _follow_up(follow_up: FollowUp) -> FollowUpOut:
    return FollowUpOut(
        id=follow_up.pk,
        kind=follow_up.kind,
        assigned_to=_staff(follow_up.assigned_to),
        due_at=follow_up.due_at,
        done_at=follow_up.done_at,
    )


def _fields(user: Any, call: HotlineCall) -> dict[str, Any]:
    personal = hotline.may_see_caller(user, call)
    caller = None
    if personal:
        if call.caller_kind == HotlineCall.CallerKind.RELATIVE or call.person is None:
            caller = call.caller_label or None
        else:
            caller = call.person.full_name
    return {
        "id": call.pk,
        "line": RefOut(id=call.line_id, name=call.line.name),
        "at": call.at,
        "duration_minutes": call.duration_minutes,
        "taken_by": _staff(call.taken_by),
        "caller_kind": call.caller_kind,
        "caller": caller,
        "caller_phone": (call.caller_phone or None) if personal else None,
        "person_id": call.person_id if personal else None,
        "topic": RefOut(id=call.topic.pk, name=str(call.topic)) if call.topic is not None else None,
        "risk": call.risk,
        "action_taken": call.action_taken if personal else None,
        "handed_to": call.handed_to,
        "handover_reference": call.handover_reference,
        "has_safety_plan": bool(call.safety_plan),
        "follow_ups": [_follow_up(f) for f in call.follow_ups.select_related("assigned_to").order_by("due_at", "pk")],
        "version": call.version,
    }


def _aware(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A time sent without an offset is Moscow time."""
    if moment is None or timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment)


@router.get(
    "/hotline-calls",
    response={200: CallListOut, **ERRORS},
    operation_id="list_hotline_calls",
    url_name="hotline_calls",
    summary="List hotline calls",
)
def list_calls(
    request: HttpRequest,
    line: int | None = Query(None, ge=1, le=MAX_ID, description="Id of a line."),
    risk: Annotated[str, Field(json_schema_extra=one_of(["", *HotlineCall.Risk.values]))] = Query(
        "", max_length=20, description="routine, elevated or emergency; empty for all."
    ),
    limit: int = limit_param(),
    offset: int = offset_param(),
) -> HttpResponse:
    """Calls of the caller's service (every service for a city supervisor), newest first."""
    require(request.user, "psych.view_hotline")
    actor = api_actor(request)
    calls = hotline.visible_calls(actor.user)
    if line is not None:
        calls = calls.filter(line_id=line)
    if risk:
        if risk not in HotlineCall.Risk.values:
            raise InputError({"risk": [_("Unknown risk level.")]})
        calls = calls.filter(risk=risk)
    total = calls.count()
    page = list(calls.order_by("-at", "-pk")[offset : offset + limit])
    for call in page:
        hotline.record_call_view(actor, call, "hotline_call_list")
    body = CallListOut(count=total, results=[CallOut(**_fields(actor.user, call)) for call in page])
    return json_answer(200, dump(body))


@router.get(
    "/hotline-calls/{call_id}",
    response={200: CallOut, 404: ErrorOut, **ERRORS},
    operation_id="get_hotline_call",
    url_name="hotline_call",
    summary="A hotline call",
)
def get_call(request: HttpRequest, call_id: int) -> HttpResponse:
    """One call; the view is journaled."""
    call = hotline.get_visible_call(request.user, call_id)
    actor = api_actor(request)
    hotline.record_call_view(actor, call, "hotline_call")
    return json_answer(200, dump(CallOut(**_fields(actor.user, call))))


@router.post(
    "/hotline-calls",
    response={201: CallCreatedOut, **BODY_ERRORS, **ERRORS},
    operation_id="log_hotline_call",
    summary="Log a hotline call",
    openapi_extra=IDEMPOTENCY_DOC,
)
def log_call(request: HttpRequest, payload: CallIn) -> HttpResponse:
    """A psychologist of the line's service logs a call. Emergency: a follow-up due now for the
    psychologist on duty (told through the outbox); elevated: a call-back within 24 hours for the caller."""
    require(request.user, "psych.log_call")
    actor = api_actor(request)
    line = HotlineLine.objects.select_related("organisation").filter(pk=payload.line_id).first()
    if line is None or not actor.user.has_perm("psych.log_call", line):
        raise InputError({"line_id": [_("No such line of your service.")]})
    topic = Topic.objects.filter(code=payload.topic, is_active=True).first()
    if topic is None:
        raise InputError({"topic": [_("Unknown topic.")]})
    person = None
    if payload.person_id is not None:
        person = Person.objects.filter(pk=payload.person_id).first()
        if person is None or not actor.user.has_perm("people.search_person", person):
            raise InputError({"person_id": [_("No such citizen.")]})
    data = hotline.CallInput(
        line=line,
        caller_kind=payload.caller_kind,
        risk=payload.risk,
        action_taken=payload.action_taken,
        topic=topic,
        person=person,
        caller_label=payload.caller_label,
        caller_phone=payload.caller_phone,
        at=_aware(payload.at),
        duration_minutes=payload.duration_minutes,
        handed_to=payload.handed_to,
        handover_reference=payload.handover_reference,
        safety_plan=payload.safety_plan,
    )

    def action() -> Answer:
        try:
            logged = hotline.log_call(actor=actor, data=data)
        except ValidationError as error:
            raise refusal(error, {"line": "line_id", "person": "person_id"}) from error
        call = hotline.visible_calls(actor.user).get(pk=logged.call.pk)
        out = CallCreatedOut(
            **_fields(actor.user, call),
            follow_up=_follow_up(logged.follow_up) if logged.follow_up is not None else None,
        )
        return Answer(201, dump(out))

    return created_answer(request, action, url_name="api:hotline_call", id_kwarg="call_id")
