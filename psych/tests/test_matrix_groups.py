"""Every role and relationship against every page, action and API endpoint of support groups, cell by cell.

Columns (the ``clinic`` cast): the hospital's psychologist who created the group (own), a colleague
psychologist of the same hospital (coll), a psychologist of another hospital (other), a psychologist of the
oncological service (onco), the hospital's coordinator (coord), the hospital's supervisor (hsup), a city
supervisor (csup), administrator, operator, volunteer, navigator, anonymous. A cell is the expected
status code; through the API a user calls with a token of their own, and without one gets 401.
"""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.tests.conftest import JsonClient
from core.actor import Actor
from people.tests.factories import PersonFactory
from psych import groups
from psych.models import GroupMember, GroupSession, SupportGroup
from psych.tests.conftest import Clinic

pytestmark = pytest.mark.django_db

COLUMNS = ("own", "coll", "other", "onco", "coord", "hsup", "csup", "admin", "oper", "vol", "navig", "anon")

Row = tuple[str, str, Callable[[SupportGroup], str], Callable[[SupportGroup], dict[str, Any]] | None, tuple[int, ...]]
F = 403  # forbidden by role
N = 404  # another service's group: answered as a missing one
R = 302  # done, redirected back (a POST), or redirected to the login page (anonymous)
U = 401  # the API without a token


def _new_group_data(group: SupportGroup) -> dict[str, Any]:
    return {
        "topic": "Новая группа",
        "audience": "both",
        "place": group.place_id,
        "weekday": 1,
        "starts": "18:00",
        "duration_minutes": 90,
        "first_on": timezone.localdate().isoformat(),
        "sessions_planned": 4,
        "capacity": 10,
    }


def _fresh_member(group: SupportGroup) -> GroupMember:
    """A new member of the group, so that every column may remove one."""
    return groups.add_member(actor=Actor(group.facilitator), group=group, person=PersonFactory()).member


def _past_session(group: SupportGroup) -> GroupSession:
    return group.sessions.filter(starts_at__lt=timezone.now()).order_by("number").first()  # type: ignore[return-value]


def _future_session(group: SupportGroup) -> GroupSession:
    """A session still to cancel, so that every column may cancel one."""
    session = group.sessions.filter(cancelled=False, held=False, starts_at__gt=timezone.now()).order_by("number")
    return session.first()  # type: ignore[return-value]


def _marks(group: SupportGroup) -> dict[str, str]:
    member = group.members.filter(status="member").order_by("pk").first()
    assert member is not None
    return {f"mark-{member.pk}": "present"}


ROWS: list[Row] = [
    ("groups list", "get", lambda g: reverse("psych:groups"), None,
     (200, 200, 200, 200, F, 200, 200, F, F, F, F, R)),
    ("new group form", "get", lambda g: reverse("psych:group_create"), None,
     (200, 200, 200, 200, F, F, F, F, F, F, F, R)),
    ("create a group", "post", lambda g: reverse("psych:group_create"), _new_group_data,
     (R, R, R, R, F, F, F, F, F, F, F, R)),
    ("group page", "get", lambda g: reverse("psych:group_detail", args=[g.pk]), None,
     (200, 200, N, N, F, 200, 200, F, F, F, F, R)),
    ("find a member", "get", lambda g: reverse("psych:group_detail", args=[g.pk]) + "?q=Орлов+Пётр", None,
     (200, 200, N, N, F, 200, 200, F, F, F, F, R)),
    ("change form", "get", lambda g: reverse("psych:group_change", args=[g.pk]), None,
     (200, 200, N, N, F, F, F, F, F, F, F, R)),
    ("change a group", "post", lambda g: reverse("psych:group_change", args=[g.pk]),
     lambda g: {**_new_group_data(g), "first_on": g.first_on.isoformat(), "weekday": g.weekday,
                "topic": "Жизнь после диагноза", "version": g.version},
     (R, R, N, N, F, F, F, F, F, F, F, R)),
    ("add a member form", "get",
     lambda g: reverse("psych:group_add_member", args=[g.pk]) + f"?person={PersonFactory().pk}", None,
     (200, 200, N, N, F, F, F, F, F, F, F, R)),
    ("add a member", "post", lambda g: reverse("psych:group_add_member", args=[g.pk]),
     lambda g: {"person": PersonFactory().pk},
     (R, R, N, N, F, F, F, F, F, F, F, R)),
    ("remove a member", "post", lambda g: reverse("psych:group_remove_member", args=[g.pk, _fresh_member(g).pk]), None,
     (R, R, N, N, F, F, F, F, F, F, F, R)),
    ("attendance form", "get", lambda g: reverse("psych:session_attendance", args=[g.pk, _past_session(g).pk]), None,
     (200, 200, N, N, F, F, F, F, F, F, F, R)),
    ("mark attendance", "post", lambda g: reverse("psych:session_attendance", args=[g.pk, _past_session(g).pk]),
     _marks, (R, R, N, N, F, F, F, F, F, F, F, R)),
    ("cancel a session", "post", lambda g: reverse("psych:session_cancel", args=[g.pk, _future_session(g).pk]), None,
     (R, R, N, N, F, F, F, F, F, F, F, R)),
]  # fmt: skip

API = "/api/v1/groups"
API_ROWS: list[Row] = [
    ("API: list groups", "get", lambda g: API, None,
     (200, 200, 200, 200, F, 200, 200, F, F, F, F, U)),
    ("API: create a group", "post", lambda g: API,
     lambda g: {"topic": "Новая группа", "place_id": g.place_id, "weekday": 1, "starts": "18:00",
                "first_on": timezone.localdate().isoformat()},
     (201, 201, 201, 201, F, F, F, F, F, F, F, U)),
    ("API: a group", "get", lambda g: f"{API}/{g.pk}", None,
     (200, 200, N, N, F, 200, 200, F, F, F, F, U)),
    ("API: add a member", "post", lambda g: f"{API}/{g.pk}/members", lambda g: {"person_id": PersonFactory().pk},
     (201, 201, N, N, F, F, F, F, F, F, F, U)),
    ("API: mark attendance", "post", lambda g: f"{API}/{g.pk}/sessions/{_past_session(g).pk}/attendance",
     lambda g: {"marks": [{"member_id": int(next(iter(_marks(g))).split("-")[1]), "present": True}]},
     (200, 200, N, N, F, F, F, F, F, F, F, U)),
]  # fmt: skip

MATRIX_ROWS = {name for name, *_rest in ROWS + API_ROWS}
PERMISSIONS_COVERED = {
    "psych.view_group": ["groups list", "group page", "find a member", "API: list groups", "API: a group"],
    "psych.manage_group": [
        "new group form",
        "create a group",
        "change form",
        "change a group",
        "add a member form",
        "add a member",
        "remove a member",
        "attendance form",
        "mark attendance",
        "cancel a session",
        "API: create a group",
        "API: add a member",
        "API: mark attendance",
    ],
}


def _users(clinic: Clinic) -> dict[str, User | None]:
    return {
        "own": clinic.psychologist,
        "coll": clinic.colleague,
        "other": clinic.stranger,
        "onco": clinic.onco_psychologist,
        "coord": clinic.coordinator,
        "hsup": clinic.hospital_supervisor,
        "csup": clinic.city_supervisor,
        "admin": clinic.administrator,
        "oper": clinic.operator,
        "vol": clinic.volunteer,
        "navig": clinic.navigator,
        "anon": None,
    }


def _the_group(clinic: Clinic) -> SupportGroup:
    """The hospital's group, begun two weeks ago, with a member: made for the first column, kept after."""
    group = SupportGroup.objects.filter(organisation=clinic.hospital, topic="Жизнь после диагноза").first()
    if group is None:
        today = timezone.localdate()
        group = groups.create_group(
            actor=Actor(clinic.psychologist),
            details=groups.GroupDetails(
                topic="Жизнь после диагноза",
                weekday=(today - datetime.timedelta(days=14)).weekday(),
                starts=datetime.time(0, 0),
                first_on=today - datetime.timedelta(days=14),
                place=clinic.hospital,
                capacity=50,
                sessions_planned=8,
            ),
        )
        groups.add_member(actor=Actor(clinic.psychologist), group=group, person=clinic.patient)
    return SupportGroup.objects.select_related("facilitator").get(pk=group.pk)


@pytest.mark.parametrize(("name", "method", "url", "data", "expected"), ROWS, ids=[row[0] for row in ROWS])
def test_matrix(clinic, name, method, url, data, expected):
    got = {}
    for column, user in _users(clinic).items():
        group = _the_group(clinic)
        client = Client()
        if user is not None:
            client.force_login(user)
        response = getattr(client, method)(url(group), data(group) if data else None)
        got[column] = response.status_code
    assert got == dict(zip(COLUMNS, expected, strict=True))


@pytest.mark.parametrize(("name", "method", "url", "data", "expected"), API_ROWS, ids=[row[0] for row in API_ROWS])
def test_api_matrix(clinic, client, name, method, url, data, expected):
    got = {}
    for column, user in _users(clinic).items():
        group = _the_group(clinic)
        token = ApiToken.issue(user=user, name="matrix")[1] if user is not None else None
        api = JsonClient(client, token)
        path = url(group)
        response = api.get(path) if method == "get" else api.post(path, data(group) if data else {})
        got[column] = response.status_code
    assert got == dict(zip(COLUMNS, expected, strict=True))


def test_the_pages_posts_did_what_they_say_for_the_psychologist(clinic):
    """The 302s of the own column are the work done, not a refusal sent back."""
    group = _the_group(clinic)
    client = Client()
    client.force_login(clinic.psychologist)
    session = _past_session(group)
    client.post(reverse("psych:session_attendance", args=[group.pk, session.pk]), _marks(group))
    assert GroupSession.objects.get(pk=session.pk).held
    person = PersonFactory()
    client.post(reverse("psych:group_add_member", args=[group.pk]), {"person": person.pk})
    assert group.members.filter(person=person, status="member").exists()
    future = _future_session(group)
    client.post(reverse("psych:session_cancel", args=[group.pk, future.pk]))
    assert GroupSession.objects.get(pk=future.pk).cancelled
    response = client.post(reverse("psych:group_create"), _new_group_data(group))
    created = SupportGroup.objects.get(topic="Новая группа")
    assert response.url == reverse("psych:group_detail", args=[created.pk])


def test_changing_a_group_on_a_stale_page_says_so_and_keeps_the_other_change(clinic):
    group = _the_group(clinic)
    client = Client()
    client.force_login(clinic.colleague)
    data = {**_new_group_data(group), "first_on": group.first_on.isoformat(), "weekday": group.weekday}
    saved = client.post(reverse("psych:group_change", args=[group.pk]), {**data, "topic": "Новая тема", "version": 1})
    stale = client.post(
        reverse("psych:group_change", args=[group.pk]),
        {**data, "topic": "Другая тема", "version": 1},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert saved.status_code == 302
    assert stale.status_code == 400
    assert "This record was changed by someone else while you were editing it." in stale.content.decode()
    assert SupportGroup.objects.get(pk=group.pk).topic == "Новая тема"
