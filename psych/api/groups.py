"""Support groups in the API (/api/v1/groups).

Every write goes through ``psych.groups`` as the pages' do (the permission, the rules, the journal); a
group is loaded with ``groups.get_visible_group`` (403 for a role that never sees groups, 404 for a group
that is missing or another service's). Members' names are answered to the service's psychologists only
(``psych.manage_group``); a supervisor gets the counts. Every POST honours an ``Idempotency-Key``.
"""

import datetime
from typing import Annotated, Any

from django.contrib.auth.models import User
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from api.errors import InputError, refusal
from api.idempotency import IDEMPOTENCY_DOC, Answer, run_idempotent
from api.pagination import limit_param, offset_param
from api.responses import api_actor, created_answer, dump, idempotent_answer, json_answer
from api.schemas import BODY_ERRORS, ERRORS, ErrorOut, Strict, one_of
from audit import services as audit
from audit.models import Action
from core.exceptions import ValidationError
from core.permissions import require
from core.validators import MAX_ID
from directory.models import Organisation
from people.models import ContactPerson, Person
from psych import groups
from psych.models import GroupSession, SupportGroup

router = Router(tags=["groups"])


# --- schemas ------------------------------------------------------------------------------------------
class GroupRefOut(Schema):
    id: int
    name: str


class GroupFacilitatorOut(Schema):
    username: str
    full_name: str


class GroupOut(Schema):
    id: int
    topic: str
    audience: str
    service: GroupRefOut
    facilitator: GroupFacilitatorOut
    place: GroupRefOut | None
    room: str
    video_link: str
    weekday: int = Field(description="0 is Monday.")
    starts: str = Field(description="HH:MM, Moscow time.")
    duration_minutes: int
    first_on: datetime.date
    sessions_planned: int
    capacity: int
    members: int = Field(description="Members holding a place.")
    waiting: int = Field(description="On the waiting list.")
    is_active: bool
    version: int


class GroupListOut(Schema):
    count: int
    results: list[GroupOut]


class GroupSessionOut(Schema):
    id: int
    number: int
    starts_at: datetime.datetime
    duration_minutes: int
    cancelled: bool
    held: bool
    present: int = Field(description="How many were marked present.")


class GroupMemberOut(Schema):
    id: int
    person_id: int
    name: str = Field(description="Who comes: the patient, or the relative with the patient's name.")
    relative_id: int | None
    status: str
    position: int | None = Field(description="Place on the waiting list; null for a member.")
    joined_at: datetime.datetime


class GroupDetailOut(GroupOut):
    sessions: list[GroupSessionOut]
    member_list: list[GroupMemberOut] | None = Field(
        description="Members and the waiting list; only for the service's psychologists (null otherwise)."
    )


class GroupIn(Strict):
    topic: str = Field(max_length=200)
    audience: str = Field(
        default=SupportGroup.Audience.BOTH.value, max_length=20, json_schema_extra=one_of(SupportGroup.Audience.values)
    )
    facilitator: str = Field(
        default="", max_length=150, description="Username of a psychologist of the service; the caller when empty."
    )
    place_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="Where it meets; null for online.")
    room: str = Field(default="", max_length=100)
    video_link: str = Field(default="", max_length=400, description="https link to the online room.")
    weekday: int = Field(ge=0, le=6, description="0 is Monday.")
    starts: datetime.time = Field(description="Moscow time.")
    duration_minutes: int = Field(default=90, ge=groups.MIN_DURATION, le=groups.MAX_DURATION)
    first_on: datetime.date = Field(description="The first session is on the first ``weekday`` from this date.")
    sessions_planned: int = Field(default=8, ge=1, le=groups.MAX_SESSIONS)
    capacity: int = Field(default=12, ge=1, le=groups.MAX_CAPACITY)


class GroupMemberIn(Strict):
    person_id: int = Field(ge=1, le=MAX_ID, description="The patient (found by GET /people).")
    relative_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="A relative of the patient who comes instead (their contact id)."
    )


class GroupJoinedOut(Schema):
    member_id: int
    status: Annotated[str, Field(json_schema_extra=one_of(["member", "waiting"]))]
    has_place: bool
    position: int | None = Field(description="Place on the waiting list; null when they got a place.")
    members: int
    capacity: int


class GroupMarkIn(Strict):
    member_id: int = Field(ge=1, le=MAX_ID)
    present: bool


class GroupAttendanceIn(Strict):
    marks: list[GroupMarkIn] = Field(min_length=1, max_length=groups.MAX_CAPACITY + 200)


class GroupAttendanceOut(Schema):
    session: GroupSessionOut
    marked: int
    present: int


# --- helpers ------------------------------------------------------------------------------------------
def _group_out(group: Any) -> GroupOut:
    return GroupOut(
        id=group.pk,
        topic=group.topic,
        audience=group.audience,
        service=GroupRefOut(id=group.organisation_id, name=str(group.organisation)),
        facilitator=GroupFacilitatorOut(
            username=group.facilitator.get_username(), full_name=group.facilitator.get_full_name()
        ),
        place=GroupRefOut(id=group.place_id, name=str(group.place)) if group.place_id else None,
        room=group.room,
        video_link=group.video_link,
        weekday=group.weekday,
        starts=group.starts.strftime("%H:%M"),
        duration_minutes=group.duration_minutes,
        first_on=group.first_on,
        sessions_planned=group.sessions_planned,
        capacity=group.capacity,
        members=group.n_members,
        waiting=group.n_waiting,
        is_active=group.is_active,
        version=group.version,
    )


def _session_out(session: GroupSession, present: int) -> GroupSessionOut:
    return GroupSessionOut(
        id=session.pk,
        number=session.number,
        starts_at=session.starts_at,
        duration_minutes=session.duration_minutes,
        cancelled=session.cancelled,
        held=session.held,
        present=present,
    )


def _detail(request: HttpRequest, pk: int, *, record: bool = True) -> dict[str, Any]:
    user = request.user
    group = groups.with_counts(SupportGroup.objects.filter(pk=pk)).get()
    sessions = group.sessions.annotate(n_present=Count("attendance", filter=Q(attendance__present=True)))
    member_list = None
    if user.has_perm("psych.manage_group", group):
        rows = list(group.members.exclude(status=groups.LEFT).select_related("person", "relative"))
        rows.sort(key=lambda m: (m.status != groups.HOLDING, m.joined_at, m.pk))
        position = 0
        member_list = []
        for member in rows:
            position += member.status == groups.WAITING
            member_list.append(
                GroupMemberOut(
                    id=member.pk,
                    person_id=member.person_id,
                    name=groups.participant_name(member),
                    relative_id=member.relative_id,
                    status=member.status,
                    position=position if member.status == groups.WAITING else None,
                    joined_at=member.joined_at,
                )
            )
        if record:
            actor = api_actor(request)
            for person_id in sorted({m.person_id for m in rows}):
                audit.record(
                    actor=actor,
                    action=Action.VIEW,
                    obj=group,
                    person_id=person_id,
                    details={"section": "group_members"},
                )
    out = GroupDetailOut(
        **_group_out(group).model_dump(),
        sessions=[_session_out(s, s.n_present) for s in sessions.order_by("starts_at", "number")],
        member_list=member_list,
    )
    return dump(out)


# --- endpoints ----------------------------------------------------------------------------------------
@router.get(
    "/groups",
    response={200: GroupListOut, **ERRORS},
    operation_id="list_groups",
    url_name="groups",
    summary="List support groups",
)
def list_groups(request: HttpRequest, limit: int = limit_param(), offset: int = offset_param()) -> HttpResponse:
    """The groups of the caller's service (every service's for a city supervisor), running first, with the
    number of members and of those waiting."""
    require(request.user, "psych.view_group")
    found = groups.with_counts(groups.visible_groups(request.user))
    total = found.count()
    page = list(found.order_by("-is_active", "topic", "pk")[offset : offset + limit])
    return json_answer(200, dump(GroupListOut(count=total, results=[_group_out(g) for g in page])))


@router.post(
    "/groups",
    response={201: GroupDetailOut, **BODY_ERRORS, **ERRORS},
    operation_id="create_group",
    summary="Create a support group",
    openapi_extra=IDEMPOTENCY_DOC,
)
def create_group(request: HttpRequest, payload: GroupIn) -> HttpResponse:
    """A psychologist creates a group of their service; its weekly sessions are planned from the schedule."""
    require(request.user, "psych.manage_group")
    actor = api_actor(request)
    place = None
    if payload.place_id is not None:
        place = Organisation.objects.filter(pk=payload.place_id).first()
        if place is None:
            raise InputError({"place_id": [_("No such place.")]})
    facilitator = None
    if payload.facilitator:
        facilitator = User.objects.filter(username=payload.facilitator).first()
        if facilitator is None:
            raise InputError({"facilitator": [_("The facilitator must be a psychologist of your service.")]})
    details = groups.GroupDetails(
        topic=payload.topic,
        audience=payload.audience,
        facilitator=facilitator,
        place=place,
        room=payload.room,
        video_link=payload.video_link,
        weekday=payload.weekday,
        starts=payload.starts,
        duration_minutes=payload.duration_minutes,
        first_on=payload.first_on,
        sessions_planned=payload.sessions_planned,
        capacity=payload.capacity,
    )

    def action() -> Answer:
        try:
            group = groups.create_group(actor=actor, details=details)
        except ValidationError as error:
            raise refusal(error) from error
        return Answer(201, _detail(request, group.pk, record=False))

    return created_answer(request, action, url_name="api:group", id_kwarg="group_id")


@router.get(
    "/groups/{group_id}",
    response={200: GroupDetailOut, 404: ErrorOut, **ERRORS},
    operation_id="get_group",
    url_name="group",
    summary="A support group",
)
def get_group(request: HttpRequest, group_id: int) -> HttpResponse:
    """The group with its sessions; its members by name only for the service's psychologists (journaled)."""
    group = groups.get_visible_group(request.user, group_id)
    return json_answer(200, _detail(request, group.pk))


@router.post(
    "/groups/{group_id}/members",
    response={201: GroupJoinedOut, 404: ErrorOut, **BODY_ERRORS, **ERRORS},
    operation_id="add_group_member",
    summary="Add a member to a group",
    openapi_extra=IDEMPOTENCY_DOC,
)
def add_member(request: HttpRequest, group_id: int, payload: GroupMemberIn) -> HttpResponse:
    """Add a patient (or a relative of theirs who comes): a place if one is free, else the waiting list.
    The answer says which, and the place on the waiting list."""
    group = groups.get_visible_group(request.user, group_id, perm="psych.manage_group")
    actor = api_actor(request)
    person = Person.objects.filter(pk=payload.person_id).first()
    if person is None or not actor.user.has_perm("people.search_person", person):
        raise InputError({"person_id": [_("No such citizen.")]})
    relative = None
    if payload.relative_id is not None:
        relative = ContactPerson.objects.filter(pk=payload.relative_id, person=person).first()
        if relative is None:
            raise InputError({"relative_id": [_("This relative is not the patient's.")]})

    def action() -> Answer:
        try:
            joined = groups.add_member(actor=actor, group=group, person=person, relative=relative)
        except ValidationError as error:
            raise refusal(error) from error
        out = GroupJoinedOut(
            member_id=joined.member.pk,
            status=joined.member.status,
            has_place=joined.has_place,
            position=joined.position,
            members=groups.members_count(group),
            capacity=group.capacity,
        )
        return Answer(201, dump(out))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


@router.post(
    "/groups/{group_id}/sessions/{session_id}/attendance",
    response={200: GroupAttendanceOut, 404: ErrorOut, **BODY_ERRORS, **ERRORS},
    operation_id="mark_group_attendance",
    summary="Mark who came to a session",
    openapi_extra=IDEMPOTENCY_DOC,
)
def mark_attendance(request: HttpRequest, group_id: int, session_id: int, payload: GroupAttendanceIn) -> HttpResponse:
    """Present or absent per member (members at the time of the session); marking again changes the mark.
    Members not sent keep their marks. The session is then held."""
    group = groups.get_visible_group(request.user, group_id, perm="psych.manage_group")
    session = groups.get_session(group, session_id)
    actor = api_actor(request)
    marks = {mark.member_id: mark.present for mark in payload.marks}
    if len(marks) != len(payload.marks):
        raise InputError({"marks": [_("Each member once.")]})

    def action() -> Answer:
        try:
            groups.mark_attendance(actor=actor, session=session, marks=marks)
        except ValidationError as error:
            raise refusal(error) from error
        present = session.attendance.filter(present=True).count()
        out = GroupAttendanceOut(
            session=_session_out(session, present), marked=session.attendance.count(), present=present
        )
        return Answer(200, dump(out))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)
