"""Every role and relationship against every page, action and API endpoint of cases, cell by cell.

Columns: the hospital's coordinator who owns the case (own), a colleague coordinator of the same
hospital (coll), a coordinator of another hospital (other), the hospital's supervisor (hsup), a city
supervisor (csup), and the roles with no business in cases: operator, dispatcher, social worker,
volunteer, psychologist (of no hospital: it sees the crisis list only), navigator, administrator,
anonymous. A cell is the expected status code; through the API a user calls with a token of their own,
and without one (anonymous) gets 401.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.tests.conftest import JsonClient
from assistance.models import ServiceType
from assistance.tests.factories import ServiceTypeFactory
from cases import crisis, documents, family, handoffs, selectors, services
from cases.models import Case, CrisisAlert, DocumentRestoration, Handoff, RouteStep
from cases.tests.conftest import Ward, open_case
from core.actor import Actor
from directory.models import Organisation
from people.models import Consent
from people.tests.factories import OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db

COLUMNS = ("own", "coll", "other", "hsup", "csup", "oper", "disp", "socw", "vol", "psych", "navig", "admin", "anon")

Row = tuple[str, str, Callable[[Case], str], Callable[[Case], dict[str, Any]] | None, tuple[int, ...]]
F = 403  # forbidden by role
N = 404  # the case is not this user's: answered as a missing one
R = 302  # done, redirected back (a POST), or redirected to the login page (anonymous)
U = 401  # the API without a token

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
    ("record a consent", "post", lambda c: reverse("cases:record_consent", args=[c.pk]),
     lambda c: {"scope": "share_with_tcso", "evidence": "сказала устно при координаторе"},
     (R, R, N, F, F, F, F, F, F, F, F, F, R)),
    ("log a call to a relative", "post", lambda c: reverse("cases:log_call", args=[_consented(c).pk]),
     lambda c: {"full_name": "Соколов Павел", "relation": "child", "phone": "+79161234567", "outcome": "no_answer"},
     (R, R, N, F, F, F, F, F, F, F, F, F, R)),
    ("start restoring a document", "post", lambda c: reverse("cases:start_restoration", args=[c.pk]),
     lambda c: {"kind": "passport"},
     (R, R, N, F, F, F, F, F, F, F, F, F, R)),
    ("record an application", "post",
     lambda c: reverse("cases:record_application", args=[c.pk, _new_restoration(c).pk]),
     lambda c: {"version": 1, "applied_to": "МФЦ", "applied_on": timezone.localdate().isoformat()},
     (R, R, N, F, F, F, F, F, F, F, F, F, R)),
    ("record a receipt", "post", lambda c: reverse("cases:record_receipt", args=[c.pk, _new_restoration(c).pk]),
     lambda c: {"version": 1, "received_on": timezone.localdate().isoformat()},
     (R, R, N, F, F, F, F, F, F, F, F, F, R)),
    ("cancel a restoration", "post",
     lambda c: reverse("cases:cancel_restoration", args=[c.pk, _new_restoration(c).pk]),
     lambda c: {"version": 1, "reason": "нашёлся"},
     (R, R, N, F, F, F, F, F, F, F, F, F, R)),
    # Hand-offs to the TCSO. A dispatcher of no TCSO sees an empty list; the withdrawal is by whoever
    # registered the request or a colleague of their organisation (assistance.cancel_request).
    ("hand-offs list", "get", lambda c: reverse("cases:handoffs"), None,
     (200, 200, 200, 200, 200, F, 200, F, F, F, F, F, R)),
    ("hand over to the TCSO", "post", lambda c: reverse("cases:hand_over", args=[_ready_to_hand(c).pk]),
     lambda c: {"step": _fresh_step(c).pk, "service_type": _service().pk, "urgency": "normal"},
     (R, R, N, F, F, F, F, F, F, F, F, F, R)),
    ("withdraw a hand-off", "post", lambda c: reverse("cases:withdraw_handoff", args=[c.pk, _live_handoff(c).pk]),
     lambda c: {"version": 1, "reason": "остаётся в больнице"},
     (R, R, N, F, F, F, F, F, F, F, F, F, R)),
    # Crises. The psychologist column works for no hospital: it sees an empty crisis list, and the crisis
    # of this hospital is not its to take (test_crisis has the hospital's own psychologists).
    ("crisis list", "get", lambda c: reverse("cases:crises"), None,
     (200, 200, 200, 200, 200, F, F, F, F, 200, F, F, R)),
    ("mark a crisis", "post", lambda c: reverse("cases:mark_crisis", args=[_no_crisis(c).pk]),
     lambda c: {"note": "говорит, что не хочет жить"},
     (R, R, N, F, F, F, F, F, F, F, F, F, R)),
    ("take a crisis", "post", lambda c: reverse("cases:answer_crisis", args=[_open_crisis(c).pk]), None,
     (F, F, F, F, F, F, F, F, F, N, F, F, R)),
    ("end a crisis", "post", lambda c: reverse("cases:end_crisis", args=[_open_crisis(c).pk]),
     lambda c: {"outcome": "успокоилась"},
     (R, R, N, F, F, F, F, F, F, N, F, F, R)),
]  # fmt: skip


def _consented(case: Case) -> Case:
    """The case, its patient having agreed that we contact relatives (so that every column may log a call)."""
    if selectors.active_consent(case.person, Consent.Scope.CONTACT_RELATIVES) is None:
        assert case.coordinator is not None
        family.record_consent(
            actor=Actor(case.coordinator), case=case, scope=Consent.Scope.CONTACT_RELATIVES, evidence="устно"
        )
    return case


def _new_restoration(case: Case) -> DocumentRestoration:
    """A restoration of a new lost document, at version 1, so that every column may move one."""
    assert case.coordinator is not None
    return documents.start_restoration(actor=Actor(case.coordinator), case=case, kind="other")


def _service() -> ServiceType:
    return ServiceTypeFactory(code="home_care", name="Надомное обслуживание", handles_money=False)


def _ready_to_hand(case: Case) -> Case:
    """The case, its patient's district served by a TCSO and the consent to share with it recorded."""
    if not Organisation.objects.filter(kind=Organisation.Kind.TCSO, districts=case.person.district_id).exists():
        OrganisationFactory(kind=Organisation.Kind.TCSO).districts.add(case.person.district_id)
    if selectors.active_consent(case.person, Consent.Scope.SHARE_WITH_TCSO) is None:
        assert case.coordinator is not None
        family.record_consent(
            actor=Actor(case.coordinator), case=case, scope=Consent.Scope.SHARE_WITH_TCSO, evidence="устно"
        )
    return case


def _fresh_step(case: Case) -> RouteStep:
    assert case.coordinator is not None
    (step,) = services.add_steps(
        actor=Actor(case.coordinator),
        case=case,
        steps=[services.NewStep(title="Надомное обслуживание", kind="home_care")],
    )
    return step


def _live_handoff(case: Case) -> Handoff:
    """A new live hand-off of the case (by its coordinator), at version 1, so that every column may withdraw one."""
    assert case.coordinator is not None
    _ready_to_hand(case)
    step = _fresh_step(case)
    step.case = case
    return handoffs.create_handoff(actor=Actor(case.coordinator), step=step, service_type=_service())


def _no_crisis(case: Case) -> Case:
    """The case with no open crisis, so that every column may mark one."""
    CrisisAlert.objects.filter(case=case, ended_at__isnull=True).update(
        ended_at=timezone.now(), ended_by=case.coordinator, outcome="—"
    )
    return case


def _open_crisis(case: Case) -> CrisisAlert:
    """The case's open crisis, marked anew when the column before ended it."""
    assert case.coordinator is not None
    return case.crises.filter(ended_at__isnull=True).first() or crisis.mark_crisis(
        actor=Actor(case.coordinator), case=case, note="плачет"
    )


def _next_move(step: RouteStep) -> dict[str, Any]:
    """A move the step can make now, so that every column moves it: planned ⇄ not needed."""
    return {"to": "not_needed" if step.status == "planned" else "planned", "version": step.version}


def _case_to_close(case: Case) -> Case:
    """A new case of the hospital with nothing left to do, so that every column may close one."""
    stay = services.StayDetails(admitted_on=timezone.localdate())
    assert case.coordinator is not None
    return services.open_hospital_case(
        actor=Actor(case.coordinator), person=PersonFactory(), reason="поступил", stay=stay
    )


API = "/api/v1/cases"
API_ROWS: list[Row] = [
    ("API: list cases", "get", lambda c: API, None,
     (200, 200, 200, 200, 200, F, F, F, F, F, F, F, U)),
    ("API: open a case", "post", lambda c: API,
     lambda c: {"person_id": PersonFactory().pk, "reason": "поступил", "emergency_not_admitted": True},
     (201, 201, 201, F, F, F, F, F, F, F, F, F, U)),
    ("API: a case", "get", lambda c: f"{API}/{c.pk}", None,
     (200, 200, N, 200, 200, F, F, F, F, F, F, F, U)),
    ("API: change the stay", "patch", lambda c: f"{API}/{c.pk}",
     lambda c: {"version": c.version, "department": "Хирургия"},
     (200, 200, N, F, F, F, F, F, F, F, F, F, U)),
    ("API: close a case", "patch", lambda c: f"{API}/{_case_to_close(c).pk}",
     lambda c: {"version": 1, "outcome": "helped"},
     (200, 200, N, F, F, F, F, F, F, F, F, F, U)),
    ("API: the route", "get", lambda c: f"{API}/{c.pk}/steps", None,
     (200, 200, N, 200, 200, F, F, F, F, F, F, F, U)),
    ("API: add steps", "post", lambda c: f"{API}/{c.pk}/steps",
     lambda c: {"steps": [{"title": "Позвонить сыну", "kind": "relatives"}]},
     (201, 201, N, F, F, F, F, F, F, F, F, F, U)),
    ("API: move a step", "post", lambda c: f"{API}/{c.pk}/steps/{c.steps.first().pk}/moves",
     lambda c: _next_move(c.steps.first()),
     (200, 200, N, F, F, F, F, F, F, F, F, F, U)),
    ("API: record needs", "post", lambda c: f"{API}/{c.pk}/assessments", lambda c: {"needs": ["documents"]},
     (201, 201, N, F, F, F, F, F, F, F, F, F, U)),
    ("API: hand-offs", "get", lambda c: f"{API}/{c.pk}/handoffs", None,
     (200, 200, N, 200, 200, F, F, F, F, F, F, F, U)),
    ("API: hand over", "post", lambda c: f"{API}/{_ready_to_hand(c).pk}/handoffs",
     lambda c: {"step_id": _fresh_step(c).pk, "service_type": _service().code},
     (201, 201, N, F, F, F, F, F, F, F, F, F, U)),
    ("API: withdraw a hand-off", "post", lambda c: f"{API}/{c.pk}/handoffs/{_live_handoff(c).pk}/withdrawal",
     lambda c: {"version": 1, "reason": "остаётся в больнице"},
     (200, 200, N, F, F, F, F, F, F, F, F, F, U)),
]  # fmt: skip

MATRIX_ROWS = {name for name, *_rest in ROWS + API_ROWS}
PERMISSIONS_COVERED = {
    "cases.view_case": [
        "worklist",
        "case page",
        "print the route",
        "API: list cases",
        "API: a case",
        "API: the route",
        "API: hand-offs",
    ],
    "cases.open_case": ["find a patient", "open a case form", "API: open a case"],
    "cases.change_case": [
        "record needs",
        "add a step",
        "move a step",
        "change the stay",
        "close",
        "mark a crisis",
        "API: change the stay",
        "API: close a case",
        "API: add steps",
        "API: move a step",
        "API: record needs",
        "record a consent",
        "log a call to a relative",
        "start restoring a document",
        "record an application",
        "record a receipt",
        "cancel a restoration",
        "hand over to the TCSO",
        "withdraw a hand-off",
        "API: hand over",
        "API: withdraw a hand-off",
    ],
    "cases.see_cases_tab": ["cases tab of the card"],
    "cases.view_crises": ["crisis list"],
    "cases.view_handoffs": ["hand-offs list"],
    "cases.answer_crisis": ["take a crisis"],
    "cases.end_crisis": ["end a crisis"],
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


def _the_case(ward: Ward) -> Case:
    """The patient's case at the hospital, with a step: opened for the first column, kept for the others."""
    case = Case.objects.filter(person=ward.patient).first() or open_case(ward)
    if not case.steps.exists():
        services.add_steps(actor=Actor(ward.coordinator), case=case, steps=[services.NewStep(title="Шаг")])
    return Case.objects.get(pk=case.pk)


@pytest.mark.parametrize(("name", "method", "url", "data", "expected"), ROWS, ids=[row[0] for row in ROWS])
def test_matrix(ward, make_user, name, method, url, data, expected):
    users = _users(ward, make_user)
    got = {}
    for column in COLUMNS:
        case = _the_case(ward)
        client = Client()
        if users[column] is not None:
            client.force_login(users[column])
        response = getattr(client, method)(url(case), data(case) if data else None)
        got[column] = response.status_code
    assert got == dict(zip(COLUMNS, expected, strict=True))


@pytest.mark.parametrize(("name", "method", "url", "data", "expected"), API_ROWS, ids=[row[0] for row in API_ROWS])
def test_api_matrix(ward, make_user, client, name, method, url, data, expected):
    users = _users(ward, make_user)
    got = {}
    for column in COLUMNS:
        case = _the_case(ward)
        user = users[column]
        token = ApiToken.issue(user=user, name="matrix")[1] if user is not None else None
        api = JsonClient(client, token)
        path = url(case)
        response = api.get(path) if method == "get" else getattr(api, method)(path, data(case) if data else {})
        got[column] = response.status_code
    assert got == dict(zip(COLUMNS, expected, strict=True))
