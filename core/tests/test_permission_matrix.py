"""Every role against every page and action of the registry: allowed or denied, cell by cell.

A role's cell is "ok" when the page answers (200, or a redirect after a successful POST) and "no" when
it is refused (403, or the admin's redirect to its own login). `dispatcher_elsewhere` is a dispatcher
whose TCSO does not serve the citizen's district: the relationship part of the rules.
"""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from assistance.models import HelpRequest, ServiceType
from directory.reference import load_roles
from people.models import Consent, ContactPerson, IdentityDocument
from people.tests.factories import OrganisationFactory, PersonFactory, WorkerFactory

ROLES = [
    "administrator",
    "supervisor",
    "operator",
    "dispatcher",
    "dispatcher_elsewhere",
    "social_worker",
    "volunteer",
    "coordinator",
    "psychologist",
    "navigator",
]
EVERYONE = set(ROLES)
READERS = {"supervisor", "operator", "dispatcher", "coordinator", "psychologist", "navigator"}
SEARCHERS = READERS | {"dispatcher_elsewhere"}
EDITORS = {"supervisor", "operator", "dispatcher", "coordinator", "navigator"}
CREATORS = EDITORS | {"dispatcher_elsewhere"}

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
        {"operator", "supervisor", "coordinator", "navigator", "dispatcher"},
    ),
    ("my tasks", "get", lambda f: reverse("assistance:field_tasks"), {"social_worker", "volunteer"}),
    (
        "dashboard",
        "get",
        lambda f: reverse("reports:dashboard"),
        {"supervisor", "operator", "dispatcher", "dispatcher_elsewhere"},
    ),
    ("outbox", "get", lambda f: reverse("notify:outbox"), {"supervisor", "administrator"}),
]
POST_DATA = {
    "add contact": {"full_name": "Иванов Пётр", "relation": "child"},
    "contact permission": {"may_contact": "1"},
    "add document": {"kind": "passport", "status": "ok"},
    "document status": {"status": "lost"},
    "give consent": {"scope": "contact_relatives"},
}


class World:
    def __init__(self, make_user):
        load_roles()  # the administrator's admin permissions
        self.person = PersonFactory()
        self.contact = ContactPerson.objects.create(person=self.person, full_name="Сын", relation="child")
        self.document = IdentityDocument.objects.create(person=self.person, kind="passport")
        self.users = {}
        for role in ROLES:
            group = "dispatcher" if role == "dispatcher_elsewhere" else role
            user = make_user(group, is_staff=(role == "administrator"))
            self.users[role] = user
        home_tcso = OrganisationFactory()
        home_tcso.districts.add(self.person.district)
        WorkerFactory(user=self.users["dispatcher"], organisation=home_tcso)
        WorkerFactory(user=self.users["dispatcher_elsewhere"], organisation=OrganisationFactory())
        self.consent = Consent.objects.create(
            person=self.person, scope="pd_processing", recorded_by=self.users["operator"]
        )
        service = ServiceType.objects.create(code="food", name="Продукты", target_hours=24)
        self.help_request = HelpRequest.objects.create(
            person=self.person, service_type=service, tcso=home_tcso, due_at=timezone.now()
        )


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
        refused = response.status_code == 403 or (response.status_code == 302 and "login" in response.url)
        assert refused, f"{role} should be refused: {name} (got {response.status_code})"


@pytest.mark.parametrize(("name", "method", "url", "allowed"), MATRIX, ids=[row[0] for row in MATRIX])
def test_anonymous_is_sent_to_log_in_everywhere(client, world, name, method, url, allowed):
    target = url(world)
    response = client.post(target) if method == "post" else client.get(target)
    assert response.status_code == 302 and "login" in response.url


def test_search_results_never_show_a_citizen_whose_card_would_be_refused(client, world):
    other = PersonFactory(surname=world.person.surname)
    client.force_login(world.users["dispatcher"])
    results = client.get(reverse("people:list"), {"q": world.person.surname}).context["results"]
    assert world.person in results and other not in results


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
    expected = success if role in allowed else 403
    assert response.status_code == expected, f"{role} {name}: {response.status_code} {response.content[:200]}"


@pytest.mark.parametrize(
    ("name", "method", "path", "body", "success", "allowed"), API_MATRIX, ids=[row[0] for row in API_MATRIX]
)
def test_api_without_a_token_answers_401(client, world, name, method, path, body, success, allowed):
    response = getattr(client, method)(path(world))
    assert response.status_code == 401
