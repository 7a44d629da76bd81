"""Every role against every page, action and API endpoint: allowed or denied, cell by cell.

The roles are the groups of core/roles.py plus two relationships: `dispatcher_elsewhere` is a dispatcher
of another TCSO, which serves another district (so neither the citizen nor this TCSO's requests are
his), and `other_volunteer` is a volunteer of the same TCSO who holds a task of his own but not the
ones tested.
The `volunteer` holds the live assignment on `World.task` and `World.started_task`, both for
`World.person`, so the "card" row below is also the assigned volunteer being refused the card.

The first two tables say only "allowed" or "refused" per role: a cell is allowed when the page answers
(200, or a redirect after a successful POST) and refused on 403 (or the admin's redirect to its own
login). The grids further down (help requests in the API, the CTI webhook, the dispatcher's actions
and the field worker's tasks, and which requests each list shows) spell out the exact outcome of every
cell, one column per role; their expectations come from core/permissions.py.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from assistance.models import Assignment, HelpRequest, ServiceType, Status
from directory.reference import load_roles
from intake.models import Interaction
from notify.models import OutboxMessage
from people.models import Consent, ContactPerson, IdentityDocument, Person, PersonPhone
from people.tests.factories import DistrictFactory, OrganisationFactory, PersonFactory, WorkerFactory

ROLES = [
    "administrator",
    "supervisor",
    "operator",
    "dispatcher",
    "dispatcher_elsewhere",
    "social_worker",
    "volunteer",
    "other_volunteer",
    "coordinator",
    "psychologist",
    "navigator",
    "telephony",
]
GROUP_OF = {"dispatcher_elsewhere": "dispatcher", "other_volunteer": "volunteer"}
EVERYONE = set(ROLES)
# Cards are read and changed city-wide by the call centre and supervisors, by a dispatcher in his TCSO's
# districts, and by coordinators, psychologists and personal assistants only through a relation that an
# app above `people` registers (people/relations.py): none is registered here, so they search at
# search level and every card answers them 404. SEARCH_GRID below registers one.
SEARCH_LEVEL = {"coordinator", "psychologist", "navigator"}
READERS = {"supervisor", "operator", "dispatcher"}
SEARCHERS = READERS | {"dispatcher_elsewhere"} | SEARCH_LEVEL
EDITORS = {"supervisor", "operator", "dispatcher"}
CREATORS = EDITORS | {"dispatcher_elsewhere", "coordinator", "navigator"}
FIELD_WORKERS = {"social_worker", "volunteer", "other_volunteer"}

# (name, method, url builder, roles allowed)
MATRIX = [
    ("home", "get", lambda f: reverse("home"), EVERYONE),
    ("account", "get", lambda f: reverse("account"), EVERYONE),
    ("admin", "get", lambda f: reverse("admin:index"), {"administrator"}),
    ("admin districts", "get", lambda f: reverse("admin:directory_district_changelist"), {"administrator"}),
    ("people search", "get", lambda f: reverse("people:list") + "?q=Иванова", SEARCHERS),
    ("people create form", "get", lambda f: reverse("people:create"), CREATORS),
    ("card", "get", lambda f: reverse("people:detail", args=[f.person.pk]), READERS),
    ("card contacts tab", "get", lambda f: reverse("people:tab", args=[f.person.pk, "contacts"]), READERS),
    (
        "card journal tab",
        "get",
        lambda f: reverse("people:tab", args=[f.person.pk, "journal"]),
        {"supervisor"},
    ),
    ("edit form", "get", lambda f: reverse("people:edit", args=[f.person.pk]), EDITORS),
    ("add contact", "post", lambda f: reverse("people:contact_add", args=[f.person.pk]), EDITORS),
    (
        "contact permission",
        "post",
        lambda f: reverse("people:contact_permission", args=[f.person.pk, f.contact.pk]),
        EDITORS,
    ),
    ("add document", "post", lambda f: reverse("people:document_add", args=[f.person.pk]), EDITORS),
    (
        "document status",
        "post",
        lambda f: reverse("people:document_status", args=[f.person.pk, f.document.pk]),
        EDITORS,
    ),
    ("give consent", "post", lambda f: reverse("people:consent_give", args=[f.person.pk]), EDITORS),
    (
        "withdraw consent",
        "post",
        lambda f: reverse("people:consent_withdraw", args=[f.person.pk, f.consent.pk]),
        EDITORS,
    ),
    # Call centre, dispatch, field work, reports, outbox.
    (
        "incoming call",
        "get",
        lambda f: reverse("intake:call") + "?phone=89161234567",
        {"operator", "dispatcher", "dispatcher_elsewhere", "supervisor"},
    ),
    (
        "request queue",
        "get",
        lambda f: reverse("assistance:queue"),
        {"dispatcher", "dispatcher_elsewhere", "supervisor"},
    ),
    (
        "request page",
        "get",
        lambda f: reverse("assistance:request", args=[f.help_request.pk]),
        {"operator", "supervisor", "dispatcher"},
    ),
    ("my tasks", "get", lambda f: reverse("assistance:field_tasks"), FIELD_WORKERS),
    (
        "dashboard",
        "get",
        lambda f: reverse("reports:dashboard"),
        {"supervisor", "operator", "dispatcher", "dispatcher_elsewhere"},
    ),
    ("outbox", "get", lambda f: reverse("notify:outbox"), {"supervisor", "administrator"}),
    # Calls and the outbox are not in Django admin for anybody but a superuser (break-glass).
    ("admin calls", "get", lambda f: reverse("admin:intake_interaction_changelist"), set()),
    ("admin outbox", "get", lambda f: "/admin/notify/outboxmessage/", set()),
]
POST_DATA = {
    "add contact": {"full_name": "Иванов Пётр", "relation": "child"},
    "contact permission": {"may_contact": "1"},
    "add document": {"kind": "passport", "status": "ok"},
    "document status": {"status": "lost"},
    "give consent": {"scope": "contact_relatives"},
}


class World:
    """One citizen in this TCSO's district, the users of every role, and six help requests.

    This TCSO («tcso»): `help_request` (new), `accepted_request` (accepted), `task` (assigned to the
    volunteer), `started_task` (the volunteer's, in progress), `other_task` (assigned to the other
    volunteer). Another TCSO («away_tcso», the dispatcher_elsewhere's): `away_request` (new), for a
    citizen of its own district. Calls: `call`, the operator's recorded call of `person`, and `ringing`,
    announced by the telephony, taken by nobody, of no citizen. The outbox: `message`, sent to `person`.
    """

    def __init__(self, make_user):
        load_roles()  # the administrator's admin permissions
        self.person = PersonFactory()
        self.contact = ContactPerson.objects.create(person=self.person, full_name="Сын", relation="child")
        self.document = IdentityDocument.objects.create(person=self.person, kind="passport")
        self.users = {}
        for role in ROLES:
            user = make_user(GROUP_OF.get(role, role), is_staff=(role == "administrator"))
            self.users[role] = user
        self.tcso = OrganisationFactory()
        self.tcso.districts.add(self.person.district)
        self.away_tcso = OrganisationFactory()
        self.away_person = PersonFactory(district=DistrictFactory())
        self.away_tcso.districts.add(self.away_person.district)
        WorkerFactory(user=self.users["dispatcher"], organisation=self.tcso)
        WorkerFactory(user=self.users["dispatcher_elsewhere"], organisation=self.away_tcso)
        self.social_worker = WorkerFactory(user=self.users["social_worker"], organisation=self.tcso)
        self.volunteer = WorkerFactory(user=self.users["volunteer"], organisation=self.tcso, kind="volunteer")
        self.other_volunteer = WorkerFactory(
            user=self.users["other_volunteer"], organisation=self.tcso, kind="volunteer", given_name="Дмитрий"
        )
        self.consent = Consent.objects.create(
            person=self.person, scope="pd_processing", recorded_by=self.users["operator"]
        )
        self.service = ServiceType.objects.create(code="food", name="Продукты", target_hours=24, handles_money=True)
        self.help_request = self._request(Status.NEW)
        self.accepted_request = self._request(Status.ACCEPTED)
        self.task = self._request(Status.ASSIGNED, worker=self.volunteer)
        self.started_task = self._request(Status.IN_PROGRESS, worker=self.volunteer)
        self.other_task = self._request(Status.ASSIGNED, worker=self.other_volunteer)
        self.away_request = self._request(Status.NEW, person=self.away_person, tcso=self.away_tcso)
        # The operator's recorded call of this TCSO's citizen, and a call ringing that nobody has taken.
        self.call = Interaction.objects.create(
            cti_call_id="matrix-call",
            phone="+79167770011",
            person=self.person,
            operator=self.users["operator"],
            outcome="information_only",
            note="Спросила про часы работы",
        )
        self.ringing = Interaction.objects.create(cti_call_id="matrix-ring", phone="+79035550011")
        self.message = OutboxMessage.objects.create(
            channel="sms", recipient="+79161234567", body="Заявка № 7 выполнена.", person_id=self.person.pk
        )
        self.labels = {
            self.help_request.pk: "new",
            self.accepted_request.pk: "accepted",
            self.task.pk: "task",
            self.started_task.pk: "started task",
            self.other_task.pk: "other's task",
            self.away_request.pk: "away",
        }

    def _request(self, status, worker=None, person=None, tcso=None):
        now = timezone.now()
        help_request = HelpRequest.objects.create(
            person=person or self.person,
            service_type=self.service,
            tcso=tcso or self.tcso,
            status=status,
            status_changed_at=now,
            due_at=now,
        )
        if worker is not None:
            Assignment.objects.create(
                request=help_request,
                worker=worker,
                assigned_by=self.users["dispatcher"],
                started_at=now if status == Status.IN_PROGRESS else None,
            )
        return help_request

    def status_of(self, help_request: HelpRequest) -> str:
        return HelpRequest.objects.values_list("status", flat=True).get(pk=help_request.pk)

    def named(self, pks) -> set[str]:
        return {self.labels[pk] for pk in pks}


@pytest.fixture
def world(db, make_user):
    return World(make_user)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "url", "allowed"), MATRIX, ids=[row[0] for row in MATRIX])
def test_permission_matrix(client, world, role, name, method, url, allowed):
    client.force_login(world.users[role])
    target = url(world)
    response = client.post(target, POST_DATA.get(name, {})) if method == "post" else client.get(target)
    if role in allowed:
        assert response.status_code in (200, 302), f"{role} should be allowed: {name}"
        if response.status_code == 302:
            assert "login" not in response.url, f"{role} was sent to log in: {name}"
    else:
        # 403: the role may never; 404: the record exists but is not this user's to see (same as missing).
        refused = response.status_code in (403, 404) or (response.status_code == 302 and "login" in response.url)
        assert refused, f"{role} should be refused: {name} (got {response.status_code})"


@pytest.mark.parametrize(("name", "method", "url", "allowed"), MATRIX, ids=[row[0] for row in MATRIX])
def test_anonymous_is_sent_to_log_in_everywhere(client, world, name, method, url, allowed):
    target = url(world)
    response = client.post(target) if method == "post" else client.get(target)
    assert response.status_code == 302 and "login" in response.url


def test_search_results_never_show_a_citizen_whose_card_would_be_refused(client, world):
    other = PersonFactory(surname=world.person.surname)
    client.force_login(world.users["dispatcher"])
    results = [r.pk for r in client.get(reverse("people:list"), {"q": world.person.surname}).context["results"]]
    assert world.person.pk in results and other.pk not in results


# The API's endpoints: (name, method, path builder, body builder, success status, roles allowed)
API_MATRIX = [
    ("GET /people?q", "get", lambda f: f"/api/v1/people?q={f.person.surname}", None, 200, SEARCHERS),
    ("GET /people/{id}", "get", lambda f: f"/api/v1/people/{f.person.pk}", None, 200, READERS),
    (
        "POST /people",
        "post",
        lambda f: "/api/v1/people",
        lambda f: {"surname": "Новикова", "given_name": "Зоя", "confirm_not_duplicate": True},
        201,
        CREATORS,
    ),
    (
        "PATCH /people/{id}",
        "patch",
        lambda f: f"/api/v1/people/{f.person.pk}",
        lambda f: {"version": f.person.version, "contact_times": "после 12:00"},
        200,
        EDITORS,
    ),
]


# Rows whose refusal comes from the relationship, not the role: the dispatcher of another TCSO may read
# and change citizens, only not this one; coordinators, psychologists and personal assistants may open
# a card a relation gives them, and none does here.
RELATION_DENIED = {
    "GET /people/{id}": {"dispatcher_elsewhere"} | SEARCH_LEVEL,
    "PATCH /people/{id}": {"dispatcher_elsewhere"} | SEARCH_LEVEL,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "success", "allowed"), API_MATRIX, ids=[row[0] for row in API_MATRIX]
)
def test_api_permission_matrix(client, world, role, name, method, path, body, success, allowed):
    _record, token = ApiToken.issue(user=world.users[role], name="matrix")
    headers = {"Authorization": f"Bearer {token}"}
    call = getattr(client, method)
    if body is None:
        response = call(path(world), headers=headers)
    else:
        response = call(path(world), json.dumps(body(world)), content_type="application/json", headers=headers)
    # A role that may never do it gets 403; a record that exists but is not this user's answers 404,
    # exactly as a missing one would (people.selectors.get_visible_person).
    expected = success if role in allowed else 404 if role in RELATION_DENIED.get(name, ()) else 403
    assert response.status_code == expected, f"{role} {name}: {response.status_code} {response.content[:200]}"


@pytest.mark.parametrize(
    ("name", "method", "path", "body", "success", "allowed"), API_MATRIX, ids=[row[0] for row in API_MATRIX]
)
def test_api_without_a_token_answers_401(client, world, name, method, path, body, success, allowed):
    response = getattr(client, method)(path(world))
    assert response.status_code == 401


# ================================================================================================
# Exact outcomes, one column per role.
#
# Column headings of the grids: admin = administrator, super = supervisor, oper = operator,
# disp = dispatcher (this TCSO), disp2 = dispatcher_elsewhere, socw = social_worker, vol = volunteer
# (holds the tasks), vol2 = other_volunteer, coord = coordinator, psych = psychologist,
# navig = navigator, tele = the telephony system's service account, anon = not logged in (no token for
# the API).
# ================================================================================================
ANONYMOUS = "anonymous"
COLUMNS = [*ROLES, ANONYMOUS]

# Outcomes of the pages' POST actions, besides plain status codes (200, 403, 404: nothing changed).
OK = "ok"  # 302 (not to log in), and the change is in the database
NO = "no"  # 302 back to the request page with "You do not have permission to do this."; nothing changed
NOP = "nop"  # 302 to the queue, nothing changed: the request is not in the user's queue, so it is passed over
LOGIN = "login"  # 302 to the log-in page; nothing changed

# Cells where the application does not do what core/permissions.py intends: (row, role) -> why.
# Each is an xfail(strict=True): it turns into a failure the day the application is fixed.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def cells(grid: dict[str, tuple[Any, ...]]) -> list[Any]:
    """One pytest param per (row, role) of ``grid``, with the known bugs marked xfail."""
    params = []
    for name, outcomes in grid.items():
        assert len(outcomes) == len(COLUMNS), f"{name}: {len(outcomes)} cells for {len(COLUMNS)} columns"
        for role, expected in zip(COLUMNS, outcomes, strict=True):
            bug = KNOWN_BUGS.get((name, role))
            marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
            params.append(pytest.param(name, role, expected, id=f"{name} | {role}", marks=marks))
    return params


def database_state() -> tuple[list[Any], ...]:
    """What any refused action must leave exactly as it was."""
    return (
        list(HelpRequest.objects.order_by("pk").values_list("pk", "status", "version", "tcso_id")),
        list(Assignment.objects.order_by("pk").values_list("pk", "worker_id", "outcome", "money_spent", "receipt")),
        list(
            Interaction.objects.order_by("pk").values_list(
                "pk", "cti_call_id", "person_id", "operator_id", "outcome", "note", "phone", "version"
            )
        ),
    )


def as_role(client: Client, world: World, role: str) -> Client:
    if role != ANONYMOUS:
        client.force_login(world.users[role])
    return client


def token_headers(world: World, role: str) -> dict[str, str]:
    headers = {"Accept-Language": "en"}
    if role != ANONYMOUS:
        _record, token = ApiToken.issue(user=world.users[role], name="matrix")
        headers["Authorization"] = f"Bearer {token}"
    return headers


@dataclass(frozen=True)
class Call:
    """One request to a page or an endpoint, and the change it makes when it succeeds."""

    method: str
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] | None = None
    happened: Callable[[World], bool] | None = None


# --- help requests in the JSON API (api/requests_api.py) and the CTI webhook (intake/api.py) -----------
def _move(request: str, to: str, **extra: str) -> Callable[[World], dict[str, Any]]:
    """The body of a status move of ``World.<request>`` (the API's JSON and the page's form alike)."""

    def body(f: World) -> dict[str, Any]:
        return {"to": to, "version": getattr(f, request).version, **extra}

    return body


API_CALLS = {
    "POST /requests": Call(
        "post",
        lambda f: "/api/v1/requests",
        lambda f: {"person_id": f.person.pk, "service_type": "food", "details": "Хлеб, молоко"},
        lambda f: HelpRequest.objects.filter(intake_channel="api", person=f.person).exists(),
    ),
    "GET /requests": Call("get", lambda f: "/api/v1/requests"),
    "GET /requests/{new}": Call("get", lambda f: f"/api/v1/requests/{f.help_request.pk}"),
    "GET /requests/{volunteer's task}": Call("get", lambda f: f"/api/v1/requests/{f.task.pk}"),
    "GET /requests/{away TCSO's}": Call("get", lambda f: f"/api/v1/requests/{f.away_request.pk}"),
    "transitions: new → accepted": Call(
        "post",
        lambda f: f"/api/v1/requests/{f.help_request.pk}/transitions",
        _move("help_request", "accepted"),
        lambda f: f.status_of(f.help_request) == Status.ACCEPTED,
    ),
    "transitions: accepted → assigned": Call(
        "post",
        lambda f: f"/api/v1/requests/{f.accepted_request.pk}/transitions",
        lambda f: {"to": "assigned", "version": f.accepted_request.version, "assignee": f.social_worker.pk},
        lambda f: f.status_of(f.accepted_request) == Status.ASSIGNED,
    ),
    "transitions: new → cancelled": Call(
        "post",
        lambda f: f"/api/v1/requests/{f.help_request.pk}/transitions",
        _move("help_request", "cancelled", reason="Передумала"),
        lambda f: f.status_of(f.help_request) == Status.CANCELLED,
    ),
    "transitions: task → in_progress": Call(
        "post",
        lambda f: f"/api/v1/requests/{f.task.pk}/transitions",
        _move("task", "in_progress"),
        lambda f: f.status_of(f.task) == Status.IN_PROGRESS,
    ),
    "transitions: started → failed": Call(
        "post",
        lambda f: f"/api/v1/requests/{f.started_task.pk}/transitions",
        _move("started_task", "failed", reason="Не открыли дверь"),
        # The worker's failure goes back to the dispatcher (issue 15 §2); a dispatcher's closes the request.
        lambda f: f.status_of(f.started_task) in (Status.FAILED, Status.RETURNED),
    ),
    "GET /service-types": Call("get", lambda f: "/api/v1/service-types"),
    "POST /cti/calls (ring)": Call(
        "post",
        lambda f: "/api/v1/cti/calls",
        lambda f: {"event": "ring", "call_id": "matrix-1", "phone": "8 (916) 123-45-67"},
        lambda f: Interaction.objects.filter(cti_call_id="matrix-1").exists(),
    ),
    # The telephony says the dispatcher took the operator's call: the event that made him its operator.
    "POST /cti/calls (answer: the operator's call to the dispatcher)": Call(
        "post",
        lambda f: "/api/v1/cti/calls",
        lambda f: {"event": "answer", "call_id": "matrix-call", "operator": f.users["dispatcher"].username},
        lambda f: Interaction.objects.get(pk=f.call.pk).operator_id == f.users["dispatcher"].pk,
    ),
}

# fmt: off
API_GRID = {
    #                                    admin super oper disp disp2 socw vol  vol2 coord psych navig tele anon
    "POST /requests":                   (403,  201,  201, 201, 422,  403, 403, 403, 422,  403,  422,  403, 401),
    "GET /requests":                    (403,  200,  200, 200, 200,  403, 403, 403, 200,  403,  200,  403, 401),
    "GET /requests/{new}":              (403,  200,  200, 200, 404,  403, 403, 403, 404,  403, 404,   403, 401),
    "GET /requests/{volunteer's task}": (403,  200,  200, 200, 404,  403, 403, 403, 404,  403, 404,   403, 401),
    "GET /requests/{away TCSO's}":      (403,  200,  200, 404, 200,  403, 403, 403, 404,  403, 404,   403, 401),
    "transitions: new → accepted":      (403,  200,  403, 200, 404,  404, 404, 404, 404,  403, 404,   403, 401),
    "transitions: accepted → assigned": (403,  200,  403, 200, 404,  404, 404, 404, 404,  403, 404,   403, 401),
    "transitions: new → cancelled":     (403,  200,  200, 200, 404,  404, 404, 404, 404,  403, 404,   403, 401),
    "transitions: task → in_progress":  (403,  200,  403, 200, 404,  404, 200, 404, 404,  403, 404,   403, 401),
    "transitions: started → failed":    (403,  200,  403, 200, 404,  404, 200, 404, 404,  403, 404,   403, 401),
    "GET /service-types":               (200,  200,  200, 200, 200,  200, 200, 200, 200,  200,  200,  200, 401),
    "POST /cti/calls (ring)":           (403,  403,  403, 403, 403,  403, 403, 403, 403,  403,  403,  200, 401),
    "POST /cti/calls (answer: the operator's call to the dispatcher)":
                                        (403,  403,  403, 403, 403,  403, 403, 403, 403,  403,  403,  200, 401),
}
# fmt: on


@pytest.mark.parametrize(("name", "role", "expected"), cells(API_GRID))
def test_requests_api_matrix(client, world, name, role, expected):
    call = API_CALLS[name]
    headers = token_headers(world, role)
    before = database_state()
    if call.data is None:
        response = getattr(client, call.method)(call.url(world), headers=headers)
    else:
        body = json.dumps(call.data(world))
        response = getattr(client, call.method)(call.url(world), body, content_type="application/json", headers=headers)
    assert response.status_code == expected, f"{role} {name}: {response.status_code} {response.content[:300]!r}"
    if expected == 422:  # a citizen the caller may not see is answered as no such citizen
        assert set(response.json()["errors"]) == {"person_id"}, response.json()
    succeeded = 200 <= expected < 300
    if call.happened is not None:
        assert call.happened(world) is succeeded
    if not (succeeded and call.happened):
        assert database_state() == before


# --- the dispatcher's actions (assistance/views.py) and the field worker's tasks (field_views.py) ----
def _done_with_money_and_receipt(f: World) -> dict[str, Any]:
    receipt = SimpleUploadedFile("chek.jpg", b"\xff\xd8\xff\xe0 receipt", content_type="image/jpeg")
    return {"version": f.started_task.version, "money_spent": "412,50", "receipt": receipt}


def _done_with_money(f: World) -> bool:
    live = Assignment.objects.get(request=f.started_task)
    return (
        f.status_of(f.started_task) == Status.DONE
        and live.outcome == "done"
        and live.money_spent == Decimal("412.50")
        and live.receipt.name.startswith("receipts/")
    )


def _assigned(request: str) -> Callable[[World], bool]:
    return lambda f: f.status_of(getattr(f, request)) == Status.ASSIGNED


PAGE_CALLS = {
    "request page (new request)": Call("get", lambda f: reverse("assistance:request", args=[f.help_request.pk])),
    "request page (volunteer's task)": Call("get", lambda f: reverse("assistance:request", args=[f.task.pk])),
    "move: new → accepted": Call(
        "post",
        lambda f: reverse("assistance:request_move", args=[f.help_request.pk]),
        _move("help_request", "accepted"),
        lambda f: f.status_of(f.help_request) == Status.ACCEPTED,
    ),
    "move: new → cancelled": Call(
        "post",
        lambda f: reverse("assistance:request_move", args=[f.help_request.pk]),
        _move("help_request", "cancelled", reason="Передумала"),
        lambda f: f.status_of(f.help_request) == Status.CANCELLED,
    ),
    "assign (new request)": Call(
        "post",
        lambda f: reverse("assistance:request_assign", args=[f.help_request.pk]),
        lambda f: {"worker": f.social_worker.pk, "version": f.help_request.version},
        _assigned("help_request"),
    ),
    "transfer to the away TCSO": Call(
        "post",
        lambda f: reverse("assistance:request_transfer", args=[f.help_request.pk]),
        lambda f: {"tcso": f.away_tcso.pk, "version": f.help_request.version, "reason": "Переехала"},
        lambda f: HelpRequest.objects.get(pk=f.help_request.pk).tcso_id == f.away_tcso.pk,
    ),
    "queue: bulk assign (new request)": Call(
        "post",
        lambda f: reverse("assistance:bulk_assign"),
        lambda f: {"requests": [f.help_request.pk], "worker": f.social_worker.pk},
        _assigned("help_request"),
    ),
    "queue: auto-assign": Call("post", lambda f: reverse("assistance:auto_assign"), None, _assigned("help_request")),
    "field task page": Call("get", lambda f: reverse("assistance:field_task", args=[f.task.pk])),
    "field task: start": Call(
        "post",
        lambda f: reverse("assistance:field_task_start", args=[f.task.pk]),
        lambda f: {"version": f.task.version},
        lambda f: f.status_of(f.task) == Status.IN_PROGRESS,
    ),
    "field task: done, 412,50 ₽ + receipt": Call(
        "post",
        lambda f: reverse("assistance:field_task_done", args=[f.started_task.pk]),
        _done_with_money_and_receipt,
        _done_with_money,
    ),
    "field task: could not be done": Call(
        "post",
        lambda f: reverse("assistance:field_task_failed", args=[f.started_task.pk]),
        lambda f: {"version": f.started_task.version, "reason": "Не открыли дверь"},
        # Not a dead end (issue 15 §2): back to the dispatcher, who assigns it again or closes it.
        lambda f: f.status_of(f.started_task) == Status.RETURNED,
    ),
    "card of the task's citizen": Call("get", lambda f: reverse("people:detail", args=[f.task.person_id])),
}

# fmt: off
PAGE_GRID = {
    #                                        admin super oper disp disp2 socw vol  vol2 coord psych navig tele anon
    "request page (new request)":           (403,  200,  200, 200, 404,  403, 403, 403, 404,  403, 404,   403, LOGIN),
    "request page (volunteer's task)":      (403,  200,  200, 200, 404,  403, 403, 403, 404,  403, 404,   403, LOGIN),
    "move: new → accepted":                 (403,  OK,   NO,  OK,  404,  403, 403, 403, 404,  403, 404,  403, LOGIN),
    "move: new → cancelled":                (403,  OK,   OK,  OK,  404,  403, 403, 403, 404,  403, 404,  403, LOGIN),
    "assign (new request)":                 (403,  OK,   NO,  OK,  404,  403, 403, 403, 404,  403, 404,  403, LOGIN),
    "transfer to the away TCSO":            (403,  OK,   NO,  OK,  404,  403, 403, 403, 404,  403, 404,  403, LOGIN),
    "queue: bulk assign (new request)":     (403,  OK,   403, OK,  NOP,  403, 403, 403, 403,  403,  403,  403, LOGIN),
    "queue: auto-assign":                   (403,  403,  403, OK,  NOP,  403, 403, 403, 403,  403,  403,  403, LOGIN),
    "field task page":                      (403,  403,  403, 403, 403,  404, 200, 404, 403,  403,  403,  403, LOGIN),
    "field task: start":                    (403,  403,  403, 403, 403,  404, OK,  404, 403,  403,  403,  403, LOGIN),
    "field task: done, 412,50 ₽ + receipt": (403,  403,  403, 403, 403,  404, OK,  404, 403,  403,  403,  403, LOGIN),
    "field task: could not be done":        (403,  403,  403, 403, 403,  404, OK,  404, 403,  403,  403,  403, LOGIN),
    "card of the task's citizen":           (403,  200,  200, 200, 404,  403, 403, 403, 404,  404,  404,  403, LOGIN),
}
# fmt: on


@pytest.fixture
def media_root(settings, tmp_path):
    """Receipts are saved under a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.usefixtures("media_root")
@pytest.mark.parametrize(("name", "role", "expected"), cells(PAGE_GRID))
def test_dispatch_and_field_actions_matrix(client, world, name, role, expected):
    call = PAGE_CALLS[name]
    as_role(client, world, role)
    before = database_state()
    url = call.url(world)
    headers = {"Accept-Language": "en"}
    if call.method == "post":
        response = client.post(url, call.data(world) if call.data else {}, headers=headers)
    else:
        response = client.get(url, headers=headers)
    got = f"{role} {name}: {response.status_code} {response.get('Location', '')}"
    if expected == OK:
        assert response.status_code == 302 and "login" not in response.url, got
        assert call.happened is not None and call.happened(world), f"{got}: the change is not in the database"
        return
    if isinstance(expected, int):
        assert response.status_code == expected, got
    else:
        assert response.status_code == 302, got
        if expected == LOGIN:
            assert response.url.startswith(reverse("login")), got
        elif expected == NO:
            assert response.url == reverse("assistance:request", args=[world.help_request.pk]), got
            said = [str(m) for m in get_messages(response.wsgi_request)]
            assert "You do not have permission to do this." in said, f"{got}: {said}"
        else:
            assert expected == NOP and response.url == reverse("assistance:queue"), got
    assert database_state() == before, f"{got}: something changed"


# --- calls at the operator's screen (intake/views.py) and the texts of the outbox (notify/views.py) ----
SHOWN = "shown"  # 200, and the screen pop shows the call: its number, its time, who took it
HIDDEN = "hidden"  # 200, the screen pop as for a call id nobody knows: no number, no call
TEXT = "text"  # 200, and the outbox shows the texts of the messages
STATE = "state"  # 200, the outbox shows the delivery state without the texts
TAKEN_BY_SOMEONE_ELSE = "This call was taken by someone else: only its operator or a supervisor may record it."


def _record(call: str, with_person: bool) -> Callable[[World], dict[str, Any]]:
    """The screen pop's "the call produced no request" form for ``World.<call>``, on its current version."""

    def body(f: World) -> dict[str, Any]:
        interaction = getattr(f, call)
        data = {"call": interaction.cti_call_id, "call_version": interaction.version, "outcome": "complaint"}
        return {**data, "note": "Курьер опоздал", **({"person": f.person.pk} if with_person else {})}

    return body


def _recorded_as_complaint(call: str) -> Callable[[World], bool]:
    return lambda f: Interaction.objects.get(pk=getattr(f, call).pk).outcome == "complaint"


CALL_CALLS = {
    "pop: the operator's call": Call("get", lambda f: reverse("intake:call") + "?call=matrix-call"),
    "pop: the ringing call": Call("get", lambda f: reverse("intake:call") + "?call=matrix-ring"),
    "record: the operator's call": Call(
        "post", lambda f: reverse("intake:interaction_create"), _record("call", True), _recorded_as_complaint("call")
    ),
    "record: the ringing call": Call(
        "post",
        lambda f: reverse("intake:interaction_create"),
        _record("ringing", False),
        _recorded_as_complaint("ringing"),
    ),
    "outbox: message texts": Call("get", lambda f: reverse("notify:outbox")),
}

# fmt: off
CALL_GRID = {
    #                               admin  super  oper   disp    disp2   socw vol  vol2 coord psych navig tele anon
    "pop: the operator's call":    (403,   SHOWN, SHOWN, SHOWN,  HIDDEN, 403, 403, 403, 403,  403,  403,  403, LOGIN),
    "pop: the ringing call":       (403,   SHOWN, SHOWN, HIDDEN, HIDDEN, 403, 403, 403, 403,  403,  403,  403, LOGIN),
    "record: the operator's call": (403,   OK,    OK,    NO,     404,    403, 403, 403, 403,  403,  403,  403, LOGIN),
    "record: the ringing call":    (403,   OK,    OK,    NO,     NO,     403, 403, 403, 403,  403,  403,  403, LOGIN),
    "outbox: message texts":       (STATE, TEXT,  403,   403,    403,    403, 403, 403, 403,  403,  403,  403, LOGIN),
}
# fmt: on


@pytest.mark.parametrize(("name", "role", "expected"), cells(CALL_GRID))
def test_calls_and_outbox_matrix(client, world, name, role, expected):
    """Who sees a call's number, who may record a call that is (or is not yet) someone's, who reads texts."""
    call = CALL_CALLS[name]
    as_role(client, world, role)
    before = database_state()
    url = call.url(world)
    headers = {"Accept-Language": "en"}
    if call.method == "post":
        response = client.post(url, call.data(world) if call.data else {}, headers=headers)
    else:
        response = client.get(url, headers=headers)
    got = f"{role} {name}: {response.status_code} {response.get('Location', '')}"
    page = response.content.decode()
    if expected == OK:
        assert response.status_code == 302 and "login" not in response.url, got
        assert call.happened is not None and call.happened(world), f"{got}: the change is not in the database"
        return
    if expected in (SHOWN, HIDDEN):
        assert response.status_code == 200, got
        shown = "777-00-11" in page or "555-00-11" in page
        assert shown is (expected == SHOWN), f"{got}: number shown: {shown}"
        assert ('data-testid="cti-call"' in page) is (expected == SHOWN), got
    elif expected in (TEXT, STATE):
        assert response.status_code == 200, got
        assert 'data-testid="outbox"' in page and "+7 *** ***-45-67" in page, got
        assert ("Заявка № 7 выполнена." in page) is (expected == TEXT), got
    elif isinstance(expected, int):
        assert response.status_code == expected, got
    elif expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith(reverse("login")), got
    else:
        assert expected == NO and response.status_code == 302, got
        assert response.url.startswith(reverse("intake:call")), got
        said = [str(m) for m in get_messages(response.wsgi_request)]
        assert TAKEN_BY_SOMEONE_ELSE in said, f"{got}: {said}"
    assert database_state() == before, f"{got}: something changed"


# --- which requests each list shows ---------------------------------------------------------------
HOME = frozenset({"new", "accepted", "task", "started task", "other's task"})  # this TCSO's, all open
ALL = HOME | {"away"}
AWAY = frozenset({"away"})  # the away TCSO's
MINE = frozenset({"task", "started task"})  # the volunteer's live assignments
HIS = frozenset({"other's task"})  # the other volunteer's
EMPTY: frozenset[str] = frozenset()
DENY = None  # 403 (401, or the log-in page, when not logged in)


def _api_list(query: str = "") -> Callable[[Client, World, str], tuple[int, list[int]]]:
    def fetch(client: Client, world: World, role: str) -> tuple[int, list[int]]:
        response = client.get("/api/v1/requests" + query.format(f=world), headers=token_headers(world, role))
        if response.status_code != 200:
            return response.status_code, []
        body = response.json()
        assert body["count"] == len(body["results"])
        return 200, [r["id"] for r in body["results"]]

    return fetch


def _queue(client: Client, world: World, role: str) -> tuple[int, list[int]]:
    response = as_role(client, world, role).get(reverse("assistance:queue"))
    if response.status_code != 200:
        return response.status_code, []
    return 200, [r.pk for r in response.context["page"].object_list]


def _my_tasks(client: Client, world: World, role: str) -> tuple[int, list[int]]:
    response = as_role(client, world, role).get(reverse("assistance:field_tasks"))
    if response.status_code != 200:
        return response.status_code, []
    return 200, [t.pk for t in [*response.context["today"], *response.context["upcoming"]]]


LISTS = {
    "GET /requests": _api_list(),
    "GET /requests?tcso=this TCSO": _api_list("?tcso={f.tcso.pk}"),
    "request queue page": _queue,
    "my tasks page": _my_tasks,
}

# fmt: off
LIST_GRID = {
    #                                admin super oper  disp  disp2  socw   vol   vol2  coord psych navig tele  anon
    "GET /requests":                (DENY, ALL,  ALL,  HOME, AWAY,  DENY,  DENY, DENY, EMPTY, DENY, EMPTY, DENY, DENY),
    "GET /requests?tcso=this TCSO": (DENY, HOME, HOME, HOME, EMPTY, DENY,  DENY, DENY, EMPTY, DENY, EMPTY, DENY, DENY),
    "request queue page":           (DENY, ALL,  DENY, HOME, AWAY,  DENY,  DENY, DENY, DENY, DENY, DENY, DENY, DENY),
    "my tasks page":                (DENY, DENY, DENY, DENY, DENY,  EMPTY, MINE, HIS,  DENY, DENY, DENY, DENY, DENY),
}
# fmt: on


@pytest.mark.parametrize(("name", "role", "expected"), cells(LIST_GRID))
def test_lists_show_each_role_only_its_requests(client, world, name, role, expected):
    status, pks = LISTS[name](client, world, role)
    if expected is DENY:
        refused = (401, 302) if role == ANONYMOUS else (403,)
        assert status in refused, f"{role} {name}: {status}"
    else:
        assert status == 200, f"{role} {name}: {status}"
        assert len(pks) == len(set(pks)), f"{role} {name}: a request listed twice"
        assert world.named(pks) == expected


# --- whose figures the dashboard shows --------------------------------------------------------------
# fmt: off
DASHBOARD_GRID = {
    #                             admin super   oper    disp    disp2   socw vol  vol2 coord psych navig tele anon
    "dashboard ?tcso=away TCSO": (403,  "away", "away", "home", "away", 403, 403, 403, 403,  403,  403,  403, LOGIN),
    "dashboard, no TCSO chosen": (403,  "city", "city", "home", "away", 403, 403, 403, 403,  403,  403,  403, LOGIN),
}
# fmt: on


@pytest.mark.parametrize(("name", "role", "expected"), cells(DASHBOARD_GRID))
def test_dashboard_scope_matrix(client, world, name, role, expected):
    """Supervisors and the call centre see the city or the TCSO they choose; a dispatcher his own; a
    coordinator of no hospital (this world's) nothing: 403 (his own hospital's: reports/tests)."""
    query = {"tcso": world.away_tcso.pk} if "away" in name else {}
    response = as_role(client, world, role).get(reverse("reports:dashboard"), query)
    if expected == LOGIN:
        assert response.status_code == 302 and "login" in response.url
        return
    if isinstance(expected, int):
        assert response.status_code == expected
        return
    assert response.status_code == 200
    shown = {None: "city", world.tcso.pk: "home", world.away_tcso.pk: "away"}[
        getattr(response.context["tcso"], "pk", None)
    ]
    assert shown == expected, f"{role} {name}: {shown}"


# --- what a search shows of the citizen, and his card, without and with a relation (people/relations.py) ---
FULL = "full"  # 200: the citizen's row with the link to his card and his phone
NAME = "name"  # 200: the row at search level, name, birth date and district; no phone, no card
NOT = "not"  # 200: the citizen is not among the results
ELSE = "elsewhere"  # 200: "registered; served by TCSO X": name, birth date and district; no card, phone, address
PHONE = "+79167770099"


def _search_page(q: Callable[[World], str]) -> Call:
    return Call("get", lambda f: reverse("people:list") + "?" + urlencode({"q": q(f)}))


def _search_api(q: Callable[[World], str]) -> Call:
    return Call("get", lambda f: "/api/v1/people?" + urlencode({"q": q(f)}))


def _name_and_birth_date(f: World) -> str:
    return f"{f.person.surname} {f.person.given_name} {f.person.birth_date:%d.%m.%Y}"


SEARCH_CALLS = {
    "page: name and birth date": _search_page(_name_and_birth_date),
    "page: surname alone": _search_page(lambda f: f.person.surname),
    "page: the phone": _search_page(lambda f: PHONE),
    "API: name and birth date": _search_api(_name_and_birth_date),
    "API: the phone": _search_api(lambda f: PHONE),
    "related: page": _search_page(_name_and_birth_date),
    "related: page, the phone": _search_page(lambda f: PHONE),
    "related: API search": _search_api(_name_and_birth_date),
    "related: card": Call("get", lambda f: reverse("people:detail", args=[f.person.pk])),
    "related: edit form": Call("get", lambda f: reverse("people:edit", args=[f.person.pk])),
    "related: another's card": Call("get", lambda f: reverse("people:detail", args=[f.other.pk])),
    "related: GET /people/{id}": Call("get", lambda f: f"/api/v1/people/{f.person.pk}"),
    "related: PATCH /people/{id}": Call(
        "patch",
        lambda f: f"/api/v1/people/{f.person.pk}",
        lambda f: {"version": f.person.version, "contact_times": "после 12:00"},
        lambda f: Person.objects.get(pk=f.person.pk).contact_times == "после 12:00",
    ),
}

# fmt: off
SEARCH_GRID = {
    # disp2, a dispatcher of another TCSO, is told that the citizen is registered and which TCSO serves them
    # (ELSE: name, birth date and district, no card, phone or address), never "nobody" (issue 15 §2); a
    # surname alone still shows him nothing of another TCSO's districts.
    #                                admin super oper  disp  disp2 socw  vol   vol2  coord psych navig tele  anon
    "page: name and birth date":    (403,  FULL, FULL, FULL, ELSE,  403,  403,  403,  NAME, NAME, NAME, 403,  LOGIN),
    "page: surname alone":          (403,  FULL, FULL, FULL, NOT,  403,  403,  403,  NOT,  NOT,  NOT,  403,  LOGIN),
    "page: the phone":              (403,  FULL, FULL, FULL, ELSE,  403,  403,  403,  NOT,  NOT,  NOT,  403,  LOGIN),
    "API: name and birth date":     (403,  FULL, FULL, FULL, NAME,  403,  403,  403,  NAME, NAME, NAME, 403,  401),
    "API: the phone":               (403,  FULL, FULL, FULL, NAME,  403,  403,  403,  NOT,  NOT,  NOT,  403,  401),
    # The test relations below: coordinators and personal assistants may read and change the citizen's
    # record, psychologists only read it (so the edit form of a card they can open answers 403, and the
    # API, which loads the record for the change, 404); for `World.other`, of the same district and
    # name, no relation holds.
    "related: page":                (403,  FULL, FULL, FULL, ELSE,  403,  403,  403,  FULL, FULL, FULL, 403,  LOGIN),
    "related: page, the phone":     (403,  FULL, FULL, FULL, ELSE,  403,  403,  403,  FULL, FULL, FULL, 403,  LOGIN),
    "related: API search":          (403,  FULL, FULL, FULL, NAME,  403,  403,  403,  FULL, FULL, FULL, 403,  401),
    "related: card":                (403,  200,  200,  200,  404,  403,  403,  403,  200,  200,  200,  403,  LOGIN),
    "related: edit form":           (403,  200,  200,  200,  404,  403,  403,  403,  200,  403,  200,  403,  LOGIN),
    "related: another's card":      (403,  200,  200,  200,  404,  403,  403,  403,  404,  404,  404,  403,  LOGIN),
    "related: GET /people/{id}":    (403,  200,  200,  200,  404,  403,  403,  403,  200,  200,  200,  403,  401),
    "related: PATCH /people/{id}":  (403,  200,  200,  200,  404,  403,  403,  403,  200,  404,  200,  403,  401),
}
# fmt: on


def register_relations(world: World, relation: Callable[..., Any]) -> None:
    """Test relations to `World.person`, as the cases app will register its own: coordinators and
    personal assistants may change the record, psychologists read it."""
    world.other = PersonFactory(district=world.person.district, surname=world.person.surname)
    relation(
        code="matrix_care",
        roles=frozenset({"coordinator", "navigator"}),
        people=lambda user: Q(pk=world.person.pk),
        may_change=True,
    )
    relation(
        code="matrix_therapy",
        roles=frozenset({"psychologist"}),
        people=lambda user: Person.objects.filter(pk=world.person.pk).values("pk"),
    )


def _search_row(response: Any, world: World, api: bool) -> str:
    """FULL, NAME, ELSE or NOT: how the search answer shows `World.person`."""
    if api:
        rows = [r for r in response.json()["results"] if r["id"] == world.person.pk]
        if not rows:
            return NOT
        row = rows[0]
        if row["card"]:
            assert row["version"] == world.person.version and row["primary_phone"] == PHONE, row
            return FULL
        assert row["version"] is None and row["primary_phone"] is None and not row["matched_as_relative"], row
        assert (row["surname"], row["given_name"], row["district"]["id"]) == (
            world.person.surname,
            world.person.given_name,
            world.person.district_id,
        )
        return NAME
    rows = [r for r in response.context["results"] if r.pk == world.person.pk]
    if not rows:
        return NOT
    page = response.content.decode()
    card_link = f'href="{reverse("people:detail", args=[world.person.pk])}"'
    if getattr(rows[0], "elsewhere", False):
        assert not rows[0].card and card_link not in page
        served = re.findall(r'<tr data-testid="served-elsewhere">.*?</tr>', page, re.S)
        assert served and all(
            "href=" not in row and "777-00-99" not in row and world.person.address not in row for row in served
        ), served
        return ELSE
    if rows[0].card:
        assert card_link in page and "777-00-99" in page, "a full row links the card and shows the phone"
        return FULL
    assert card_link not in page and "777-00-99" not in page and world.person.address not in page
    assert 'data-testid="search-level"' in page
    return NAME


@pytest.mark.parametrize(("name", "role", "expected"), cells(SEARCH_GRID))
def test_search_level_and_relations_matrix(request, client, world, name, role, expected):
    """Search-level results without a relation, full results and the card with one; unchanged for the
    call centre, supervisors and dispatchers."""
    PersonPhone.objects.create(person=world.person, number=PHONE, is_primary=True)
    if name.startswith("related:"):
        register_relations(world, request.getfixturevalue("relation"))
    call = SEARCH_CALLS[name]
    api = call.url(world).startswith("/api/")
    headers = token_headers(world, role) if api else {"Accept-Language": "en"}
    if not api:
        as_role(client, world, role)
    before = Person.objects.values_list("pk", "version", "contact_times").get(pk=world.person.pk)
    if call.data is None:
        response = getattr(client, call.method)(call.url(world), headers=headers)
    else:
        body = json.dumps(call.data(world))
        response = getattr(client, call.method)(call.url(world), body, content_type="application/json", headers=headers)
    got = f"{role} {name}: {response.status_code} {response.get('Location', '')}"
    if expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith(reverse("login")), got
    elif isinstance(expected, int):
        assert response.status_code == expected, got
    else:
        assert response.status_code == 200, got
        assert _search_row(response, world, api) == expected, got
    if call.happened is not None:
        assert call.happened(world) is (expected == 200), got
    if expected != 200 or call.happened is None:
        after = Person.objects.values_list("pk", "version", "contact_times").get(pk=world.person.pk)
        assert after == before, f"{got}: the record changed"


# --- every registered permission is exercised by some matrix ---------------------------------------------
# Each permission of the rules (core/permissions.py and every <app>/rules.py) and the rows of this module's
# matrices that exercise it; tests/test_permissions_covered.py fails on a permission no matrix names.
PERMISSIONS_COVERED = {
    "core.use_admin": ["admin", "admin districts"],
    "people.search_person": [
        "people search",
        "GET /people?q",
        "page: name and birth date",
        "API: name and birth date",
    ],
    "people.view_person": [
        "card",
        "card contacts tab",
        "GET /people/{id}",
        "card of the task's citizen",
        "related: card",
        "related: GET /people/{id}",
        "related: page",
    ],
    "people.add_person": ["people create form", "POST /people"],
    "people.change_person": [
        "edit form",
        "add contact",
        "give consent",
        "PATCH /people/{id}",
        "related: edit form",
        "related: PATCH /people/{id}",
    ],
    "audit.view_person_journal": ["card journal tab"],
    "intake.take_calls": ["incoming call", "record: the ringing call"],
    "intake.view_interaction": ["pop: the operator's call", "pop: the ringing call"],
    "intake.change_interaction": ["record: the operator's call", "record: the ringing call"],
    "intake.post_call_events": [
        "POST /cti/calls (ring)",
        "POST /cti/calls (answer: the operator's call to the dispatcher)",
    ],
    "assistance.create_request": ["POST /requests"],
    "assistance.view_request": ["request page (new request)", "GET /requests/{new}", "GET /requests"],
    "assistance.view_queue": ["request queue", "queue: bulk assign (new request)", "queue: auto-assign"],
    "assistance.view_all_queues": ["request queue page"],
    "assistance.dispatch_request": ["move: new → accepted", "assign (new request)", "transitions: new → accepted"],
    "assistance.transfer_request": ["transfer to the away TCSO"],
    "assistance.work_on_request": ["field task: start", "transitions: task → in_progress"],
    "assistance.cancel_request": ["move: new → cancelled", "transitions: new → cancelled"],
    "assistance.view_own_tasks": ["my tasks", "my tasks page", "field task page"],
    "reports.view_dashboard": ["dashboard"],
    "reports.view_city_figures": ["dashboard ?tcso=away TCSO", "dashboard, no TCSO chosen"],
    "notify.view_outbox": ["outbox", "outbox: message texts"],
    "notify.view_message_text": ["outbox: message texts"],
}
MATRIX_ROWS = (
    {row[0] for row in MATRIX}
    | {row[0] for row in API_MATRIX}
    | set(API_GRID)
    | set(PAGE_GRID)
    | set(LIST_GRID)
    | set(DASHBOARD_GRID)
    | set(CALL_GRID)
    | set(SEARCH_GRID)
)
