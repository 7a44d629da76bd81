"""Every role of the psychological service's cast against every hotline page, action and endpoint, cell
by cell.

Columns: the hospital's psychologist who took the call (psych), a colleague of the same service (coll),
a psychologist of another hospital (strg), one of the oncological service (onco), the hospital's
coordinator (coord), the hospital's supervisor (hsup), a city supervisor (csup), and the roles with no
business on the hotlines: administrator, operator, volunteer, navigator, anonymous. The line is the
hospital's 24-hour line. A cell is the expected status code.
"""

import datetime
import itertools
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
from psych import hotline
from psych.models import DutyShift, FollowUp, HotlineCall, HotlineLine
from psych.tests.conftest import Clinic
from psych.tests.test_hotline import call_input, make_lines

pytestmark = pytest.mark.django_db

COLUMNS = ("psych", "coll", "strg", "onco", "coord", "hsup", "csup", "admin", "oper", "vol", "navig", "anon")

F = 403  # forbidden by role
N = 404  # another service's line, call or follow-up: answered as a missing one
R = 302  # done, redirected back (a POST), or redirected to the login page (anonymous)
U = 401  # the API without a token
B = 400  # the call form refused: the line is not one of the user's service
I = 422  # noqa: E741 — the API refused the input: the line is not one of the user's service


@pytest.fixture
def world(clinic: Clinic) -> "World":
    return World(clinic)


class World:
    """The hospital's line with one emergency call; fresh shifts and follow-ups made on demand."""

    def __init__(self, clinic: Clinic) -> None:
        self.clinic = clinic
        self.line: HotlineLine = make_lines(clinic).emergency
        self.call: HotlineCall = hotline.log_call(
            actor=Actor(clinic.psychologist), data=call_input(self.line, clinic, risk="emergency", safety_plan="план")
        ).call
        self.days = itertools.count(1)

    def future_shift(self) -> DutyShift:
        start = timezone.now() + datetime.timedelta(days=next(self.days))
        return DutyShift.objects.create(
            line=self.line,
            psychologist=self.clinic.colleague,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=8),
            created_by=self.clinic.psychologist,
        )

    def shift_data(self) -> dict[str, Any]:
        start = timezone.localtime() + datetime.timedelta(days=30 + next(self.days))
        return {
            "psychologist": self.clinic.colleague.pk,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + datetime.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
        }

    def follow_up(self) -> FollowUp:
        return FollowUp.objects.create(
            call=self.call, kind=FollowUp.Kind.CALL_BACK, assigned_to=self.clinic.psychologist, due_at=timezone.now()
        )

    def done_data(self) -> dict[str, Any]:
        """The form of the follow-up the row's URL has just made."""
        pk = FollowUp.objects.latest("pk").pk
        return {f"f{pk}-version": 1, f"f{pk}-result": "перезвонила"}

    def call_data(self) -> dict[str, Any]:
        return {
            "line": self.line.pk,
            "caller_kind": "anonymous",
            "topic": self.clinic.topic.pk,
            "risk": "routine",
            "action_taken": "Выслушала",
        }


Row = tuple[str, str, Callable[[World], str], Callable[[World], dict[str, Any]] | None, tuple[int, ...]]

ROWS: list[Row] = [
    ("hotlines", "get", lambda w: reverse("psych:hotline"), None,
     (200, 200, 200, 200, F, 200, 200, F, F, F, F, R)),
    ("line roster", "get", lambda w: reverse("psych:line_roster", args=[w.line.pk]), None,
     (200, 200, N, N, F, 200, 200, F, F, F, F, R)),
    ("put on duty", "post", lambda w: reverse("psych:shift_add", args=[w.line.pk]), lambda w: w.shift_data(),
     (R, R, N, N, F, R, R, F, F, F, F, R)),
    ("take off the roster", "post", lambda w: reverse("psych:shift_remove", args=[w.future_shift().pk]), None,
     (R, R, N, N, F, R, R, F, F, F, F, R)),
    ("call log", "get", lambda w: reverse("psych:call_log"), None,
     (200, 200, 200, 200, F, 200, 200, F, F, F, F, R)),
    ("call page", "get", lambda w: reverse("psych:call_detail", args=[w.call.pk]), None,
     (200, 200, N, N, F, 200, 200, F, F, F, F, R)),
    ("call page with the safety plan", "get", lambda w: reverse("psych:call_detail", args=[w.call.pk]) + "?plan=1",
     None, (200, 200, N, N, F, 200, 200, F, F, F, F, R)),
    ("log a call form", "get", lambda w: reverse("psych:call_new"), None,
     (200, 200, 200, 200, F, F, F, F, F, F, F, R)),
    ("log a call", "post", lambda w: reverse("psych:call_new"), lambda w: w.call_data(),
     (R, R, B, B, F, F, F, F, F, F, F, R)),
    ("record a hand-over", "post", lambda w: reverse("psych:call_handover", args=[w.call.pk]),
     lambda w: {"version": HotlineCall.objects.get(pk=w.call.pk).version, "handed_to": "ambulance"},
     (R, R, N, N, F, F, F, F, F, F, F, R)),
    ("record a safety plan", "post", lambda w: reverse("psych:call_safety_plan", args=[w.call.pk]),
     lambda w: {"version": HotlineCall.objects.get(pk=w.call.pk).version, "safety_plan": "план"},
     (R, R, N, N, F, F, F, F, F, F, F, R)),
    ("my follow-ups", "get", lambda w: reverse("psych:follow_ups"), None,
     (200, 200, 200, 200, F, F, F, F, F, F, F, R)),
    ("mark a follow-up done", "post", lambda w: reverse("psych:follow_up_done", args=[w.follow_up().pk]),
     lambda w: w.done_data(),
     (R, R, N, N, F, F, F, F, F, F, F, R)),
]  # fmt: skip

API = "/api/v1/hotline-calls"
API_ROWS: list[Row] = [
    ("API: list hotline calls", "get", lambda w: API, None,
     (200, 200, 200, 200, F, 200, 200, F, F, F, F, U)),
    ("API: a hotline call", "get", lambda w: f"{API}/{w.call.pk}", None,
     (200, 200, N, N, F, 200, 200, F, F, F, F, U)),
    ("API: log a hotline call", "post", lambda w: API,
     lambda w: {"line_id": w.line.pk, "caller_kind": "anonymous", "topic": "diagnosis", "risk": "routine",
                "action_taken": "Выслушала"},
     (201, 201, I, I, F, F, F, F, F, F, F, U)),
]  # fmt: skip

MATRIX_ROWS = {name for name, *_rest in ROWS + API_ROWS}
PERMISSIONS_COVERED = {
    "psych.view_hotline": [
        "hotlines",
        "line roster",
        "call log",
        "call page",
        "call page with the safety plan",
        "API: list hotline calls",
        "API: a hotline call",
    ],
    "psych.log_call": [
        "log a call form",
        "log a call",
        "record a hand-over",
        "record a safety plan",
        "API: log a hotline call",
    ],
    "psych.manage_roster": ["put on duty", "take off the roster"],
    "psych.do_follow_up": ["my follow-ups", "mark a follow-up done"],
}


def _users(clinic: Clinic) -> dict[str, User | None]:
    return {
        "psych": clinic.psychologist,
        "coll": clinic.colleague,
        "strg": clinic.stranger,
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


@pytest.mark.parametrize(("name", "method", "url", "data", "expected"), ROWS, ids=[row[0] for row in ROWS])
def test_matrix(world, name, method, url, data, expected):
    users = _users(world.clinic)
    got = {}
    for column in COLUMNS:
        client = Client()
        if users[column] is not None:
            client.force_login(users[column])
        path = url(world)
        response = getattr(client, method)(path, data(world) if data else None)
        got[column] = response.status_code
    assert got == dict(zip(COLUMNS, expected, strict=True))


@pytest.mark.parametrize(("name", "method", "url", "data", "expected"), API_ROWS, ids=[row[0] for row in API_ROWS])
def test_api_matrix(world, client, name, method, url, data, expected):
    users = _users(world.clinic)
    got = {}
    for column in COLUMNS:
        user = users[column]
        token = ApiToken.issue(user=user, name="matrix")[1] if user is not None else None
        api = JsonClient(client, token)
        path = url(world)
        response = api.get(path) if method == "get" else api.post(path, data(world) if data else {})
        got[column] = response.status_code
    assert got == dict(zip(COLUMNS, expected, strict=True))


def test_the_actions_the_matrix_allows_did_their_work(world):
    """The redirects of the POST rows above are not refusals in disguise: done by the right user, they write."""
    clinic = world.clinic
    client = Client()
    client.force_login(clinic.colleague)
    follow_up = world.follow_up()

    client.post(reverse("psych:shift_add", args=[world.line.pk]), world.shift_data())
    client.post(reverse("psych:call_new"), world.call_data())
    client.post(reverse("psych:follow_up_done", args=[follow_up.pk]), world.done_data())

    assert DutyShift.objects.count() == 1
    assert HotlineCall.objects.count() == 2
    follow_up.refresh_from_db()
    assert follow_up.done_at is not None
