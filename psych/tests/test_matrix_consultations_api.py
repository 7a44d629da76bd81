"""Every role of the psychological service's cast against every endpoint of the consultations API, cell by
cell.

Columns (the ``clinic`` cast): the hospital's psychologist (psych), a colleague of the same hospital
(coll), a psychologist of another hospital (strg), one of the oncological service (onco), the hospital's
coordinator (coord), the hospital's supervisor (hsup), a city supervisor (csup), and the roles with no
business with consultations: administrator, operator, volunteer, navigator, anonymous. Each user calls
with a token of their own; without one (anonymous) the answer is 401. A cell is the expected status code.

The consultation is the hospital's, held by its psychologist, with a note; a write that uses one up
(a move, the end, the first note, calling in) gets a fresh one for every column.
"""

import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from api.models import ApiToken
from api.tests.conftest import JsonClient
from core.actor import Actor
from psych import notes, services
from psych.models import Consultation
from psych.tests.conftest import Clinic
from psych.tests.test_consultations import slot_of

pytestmark = pytest.mark.django_db

COLUMNS = ("psych", "coll", "strg", "onco", "coord", "hsup", "csup", "admin", "oper", "vol", "navig", "anon")

F = 403  # forbidden by role
N = 404  # another service's consultation: answered as a missing one
U = 401  # the API without a token
I = 422  # noqa: E741 — refused by the service: a slot or a place not of the caller's service

API = "/api/v1/consultations"
Status = Consultation.Status


class Desk:
    """The hospital's consultation held with a note, and fresh ones at each stage made on demand."""

    def __init__(self, clinic: Clinic) -> None:
        self.clinic = clinic
        self.hours = itertools.count(26)
        self.held = self.ended()
        notes.write_note(actor=Actor(clinic.psychologist), consultation=self.held, text="Запись", expected_version=0)

    def booking(self) -> dict[str, Any]:
        """A free slot of the hospital's psychologist, a new one for every column."""
        slot = slot_of(self.clinic.psychologist, hours_ahead=next(self.hours))
        return {"mode": "scheduled", "slot_id": slot.pk, "format": "phone", "client_phone": "+79165550011"}

    def end(self) -> dict[str, Any]:
        return {"version": 2, "topic_id": self.clinic.topic.pk, "outcome": "supported"}

    def breach(self) -> dict[str, Any]:
        return {
            "reason": "угроза жизни",
            "reported_to": "ambulance",
            "supervisor_id": self.clinic.hospital_supervisor.pk,
        }

    def waiting(self) -> Consultation:
        return services.register_walk_in(
            actor=Actor(self.clinic.psychologist), client=services.Client(person=self.clinic.patient)
        )

    def started(self) -> Consultation:
        c = self.waiting()
        return services.move(
            actor=Actor(self.clinic.psychologist), consultation=c, to=Status.IN_PROGRESS, expected_version=c.version
        )

    def ended(self) -> Consultation:
        c = self.started()
        return services.finish(
            actor=Actor(self.clinic.psychologist),
            consultation=c,
            expected_version=c.version,
            topic=self.clinic.topic,
            outcome="supported",
        )


Request = Callable[[Desk], tuple[str, dict[str, Any] | None]]
Row = tuple[str, str, Request, tuple[int, ...]]

API_ROWS: list[Row] = [
    ("API: list consultations", "get", lambda d: (API, None),
     (200, 200, 200, 200, 200, 200, 200, F, F, F, F, U)),
    ("API: a consultation", "get", lambda d: (f"{API}/{d.held.pk}", None),
     (200, 200, N, N, 200, 200, 200, F, F, F, F, U)),
    # Each psychologist registers a walk-in at their own service's place (the onco service has one centre).
    ("API: register a walk-in", "post", lambda d: (API, {"mode": "walk_in", "client_label": "Ольга"}),
     (201, 201, 201, 201, F, F, F, F, F, F, F, U)),
    ("API: book a consultation", "post", lambda d: (API, d.booking()),
     (201, 201, I, I, F, F, F, F, F, F, F, U)),
    ("API: call in the next", "post", lambda d: (f"{API}/next", {"place_id": d.waiting().place_id}),
     (200, 200, I, I, F, F, F, F, F, F, F, U)),
    ("API: move a consultation", "post", lambda d: (f"{API}/{d.waiting().pk}/moves", {"to": "left", "version": 1}),
     (200, 200, N, N, F, F, F, F, F, F, F, U)),
    ("API: end a consultation", "post", lambda d: (f"{API}/{d.started().pk}/finish", d.end()),
     (200, 200, N, N, F, F, F, F, F, F, F, U)),
    ("API: write the note", "put", lambda d: (f"{API}/{d.ended().pk}/note", {"text": "Запись", "version": 0}),
     (201, 201, N, N, F, F, F, F, F, F, F, U)),
    ("API: add an addendum", "post", lambda d: (f"{API}/{d.held.pk}/addenda", {"text": "Уточнение"}),
     (201, 201, N, N, F, F, F, F, F, F, F, U)),
    ("API: record a break of confidentiality", "post", lambda d: (f"{API}/{d.held.pk}/breaches", d.breach()),
     (201, 201, N, N, F, F, F, F, F, F, F, U)),
]  # fmt: skip

MATRIX_ROWS = {name for name, *_rest in API_ROWS}
PERMISSIONS_COVERED = {
    "psych.view_consultation": ["API: list consultations", "API: a consultation"],
    "psych.register_consultation": ["API: register a walk-in", "API: book a consultation"],
    "psych.run_queue": ["API: call in the next"],
    "psych.change_consultation": ["API: move a consultation", "API: end a consultation"],
    "psych.read_note": ["API: a consultation", "API: write the note", "API: add an addendum"],
    "psych.record_breach": ["API: record a break of confidentiality"],
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


def _call(api: JsonClient, method: str, path: str, body: dict[str, Any] | None) -> Any:
    if method == "get":
        return api.get(path)
    if method == "put":
        return api.client.put(path, json.dumps(body), content_type="application/json", headers=api.headers())
    return api.post(path, body or {})


@pytest.mark.parametrize(("name", "method", "request_of", "expected"), API_ROWS, ids=[row[0] for row in API_ROWS])
def test_api_matrix(clinic, client: Client, name, method, request_of, expected):
    desk = Desk(clinic)
    got = {}
    for column, user in _users(clinic).items():
        token = ApiToken.issue(user=user, name="matrix")[1] if user is not None else None
        path, body = request_of(desk)
        got[column] = _call(JsonClient(client, token), method, path, body).status_code
    assert got == dict(zip(COLUMNS, expected, strict=True))


def test_the_own_columns_did_the_work(clinic, client: Client):
    """The 2xx of the psychologist's column are the work done, as the answers say."""
    desk = Desk(clinic)
    api = JsonClient(client, ApiToken.issue(user=clinic.psychologist, name="matrix")[1])
    waiting = desk.waiting()
    assert api.post(f"{API}/{waiting.pk}/moves", {"to": "left", "version": 1}).json()["status"] == "left"
    started = desk.started()
    assert api.post(f"{API}/{started.pk}/finish", desk.end()).json()["status"] == "done"
    assert api.post(API, desk.booking()).json()["status"] == "booked"
    called = api.post(f"{API}/next", {"place_id": desk.waiting().place_id}).json()["consultation"]
    assert called["status"] == "called" and called["psychologist"]["username"] == clinic.psychologist.username
    assert api.get(f"{API}/{desk.held.pk}").json()["note"]["text"] == "Запись"
