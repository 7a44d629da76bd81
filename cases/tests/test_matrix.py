"""Every role and relationship against every page and action of cases, cell by cell.

Columns: the hospital's coordinator who owns the case (own), a colleague coordinator of the same
hospital (coll), a coordinator of another hospital (other), the hospital's supervisor (hsup), a city
supervisor (csup), and the roles with no business in cases: operator, dispatcher, social worker,
volunteer, psychologist, navigator, administrator, anonymous. A cell is the expected status code.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from cases import services
from cases.models import Case
from cases.tests.conftest import Ward, open_case
from core.actor import Actor

pytestmark = pytest.mark.django_db

COLUMNS = ("own", "coll", "other", "hsup", "csup", "oper", "disp", "socw", "vol", "psych", "navig", "admin", "anon")

Row = tuple[str, str, Callable[[Case], str], Callable[[Case], dict[str, Any]] | None, tuple[int, ...]]
F = 403  # forbidden by role
N = 404  # the case is not this user's: answered as a missing one
R = 302  # done, redirected back (a POST), or redirected to the login page (anonymous)

ROWS: list[Row] = [
    # name, method, url, data, one expected status per column
    ("worklist", "get", lambda c: reverse("cases:worklist"), None,
     (200, 200, 200, 200, 200, F, F, F, F, F, F, F, R)),
    ("case page", "get", lambda c: reverse("cases:detail", args=[c.pk]), None,
     (200, 200, N, 200, 200, F, F, F, F, F, F, F, R)),
    ("find a patient", "get", lambda c: reverse("cases:find") + "?q=Соколова+Мария", None,
     (200, 200, 200, F, F, F, F, F, F, F, F, F, R)),
    ("open a case form", "get", lambda c: reverse("cases:open", args=[c.person_id]), None,
     (200, 200, 200, F, F, F, F, F, F, F, F, F, R)),
    ("record needs", "post", lambda c: reverse("cases:assess", args=[c.pk]), lambda c: {"needs": ["documents"]},
     (R, R, N, F, F, F, F, F, F, F, F, F, R)),
    ("add a step", "post", lambda c: reverse("cases:add_step", args=[c.pk]),
     lambda c: {"title": "Позвонить сыну", "kind": "relatives", "responsible": "coordinator"},
     (R, R, N, F, F, F, F, F, F, F, F, F, R)),
    ("move a step", "post", lambda c: reverse("cases:move_step", args=[c.pk, c.steps.first().pk]),
     lambda c: {"to": "in_progress", "version": 1},
     (R, R, N, F, F, F, F, F, F, F, F, F, R)),
    ("change the stay", "post", lambda c: reverse("cases:update_stay", args=[c.pk]),
     lambda c: {"version": c.version, "department": "Хирургия", "admitted_on": c.stay.admitted_on.isoformat()},
     (R, R, N, F, F, F, F, F, F, F, F, F, R)),
    ("close", "post", lambda c: reverse("cases:close", args=[c.pk]),
     lambda c: {"version": c.version, "outcome": "helped"},
     (R, R, N, F, F, F, F, F, F, F, F, F, R)),
    # The card comes first: whoever may not open it (another hospital's coordinator, a dispatcher of no
    # district of the patient's, a psychologist or navigator without a relation) gets 404 for the card itself.
    ("cases tab of the card", "get", lambda c: reverse("people:tab", args=[c.person_id, "cases"]), None,
     (200, 200, N, 200, 200, F, N, F, F, N, N, F, R)),
    ("print the route", "get", lambda c: reverse("cases:route_pdf", args=[c.pk]), None,
     (200, 200, N, 200, 200, F, F, F, F, F, F, F, R)),
]  # fmt: skip

MATRIX_ROWS = {name for name, *_rest in ROWS}
PERMISSIONS_COVERED = {
    "cases.view_case": ["worklist", "case page", "print the route"],
    "cases.open_case": ["find a patient", "open a case form"],
    "cases.change_case": ["record needs", "add a step", "move a step", "change the stay", "close"],
    "cases.see_cases_tab": ["cases tab of the card"],
}


def _users(ward: Ward, make_user: Any) -> dict[str, User | None]:
    return {
        "own": ward.coordinator,
        "coll": ward.colleague,
        "other": ward.stranger,
        "hsup": ward.hospital_supervisor,
        "csup": ward.city_supervisor,
        "oper": make_user("operator"),
        "disp": make_user("dispatcher"),
        "socw": make_user("social_worker"),
        "vol": make_user("volunteer"),
        "psych": make_user("psychologist"),
        "navig": make_user("navigator"),
        "admin": make_user("administrator"),
        "anon": None,
    }


@pytest.mark.parametrize(("name", "method", "url", "data", "expected"), ROWS, ids=[row[0] for row in ROWS])
def test_matrix(ward, make_user, name, method, url, data, expected):
    users = _users(ward, make_user)
    got = {}
    for column in COLUMNS:
        case = Case.objects.filter(person=ward.patient).first() or open_case(ward)
        if not case.steps.exists():
            services.add_steps(actor=Actor(ward.coordinator), case=case, steps=[services.NewStep(title="Шаг")])
        client = Client()
        if users[column] is not None:
            client.force_login(users[column])
        response = getattr(client, method)(url(case), data(case) if data else None)
        got[column] = response.status_code
    assert got == dict(zip(COLUMNS, expected, strict=True))
