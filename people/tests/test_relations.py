"""Search-level access and cards opened by a relation (people/relations.py).

Coordinators, psychologists and personal assistants find any citizen by name, birth date and district
only, and open a card only when a relation registered by an app above `people` holds. The `relation`
fixture (root conftest.py) registers a test relation for one test, as the cases app will register its
own in ``CasesConfig.ready()``.
"""

import json
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Q
from django.urls import reverse

from api.models import ApiToken
from audit.models import AuditEvent
from core.actor import Actor
from people import relations, services
from people.inputs import PersonInput
from people.models import Person
from people.selectors import find_people, get_visible_person, parse_query, visible_people
from people.tests.factories import DistrictFactory, PersonFactory, PhoneFactory

pytestmark = pytest.mark.django_db

SEARCH_LEVEL_ROLES = ["coordinator", "psychologist", "navigator"]


@pytest.fixture
def patient(db):
    """A citizen with a phone, an address, a SNILS and a chronic illness: what search level must not show."""
    person = PersonFactory(surname="Соколова", given_name="Вера", chronic_illness=True, address="ул. Тайная, д. 7")
    PhoneFactory(person=person, number="+79165550101")
    return person


@pytest.fixture
def stranger(db):
    """A citizen of the same name, for whom no relation holds."""
    person = PersonFactory(surname="Соколова", given_name="Вера", birth_date=None, district=DistrictFactory())
    PhoneFactory(person=person, number="+79165550202")
    return person


def _api(client, user, method, path, body=None):
    _record, token = ApiToken.issue(user=user, name="test")
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    if body is None:
        return getattr(client, method)(path, headers=headers)
    return getattr(client, method)(path, json.dumps(body), content_type="application/json", headers=headers)


def _ward_of(user, *people):
    """The relation the tests register: ``user`` may open exactly ``people``'s cards."""
    pks = {p.pk for p in people}
    return {"people": lambda u: Q(pk__in=pks) if u.pk == user.pk else Q(pk__in=[])}


# --- without a relation: search level only ------------------------------------------------------------
@pytest.mark.parametrize("role", SEARCH_LEVEL_ROLES)
def test_search_level_role_finds_a_citizen_without_phone_address_or_snils(client, make_user, patient, role):
    client.force_login(make_user(role))
    response = client.get(reverse("people:list"), {"q": "Соколова Вера"})
    page = response.content.decode()
    [row] = response.context["results"]
    assert (row.pk, row.card, row.full_name) == (patient.pk, False, patient.full_name)
    assert row.version is None and row.primary_phone is None
    assert patient.full_name in page and "05.03.1944" in page and patient.district.name in page
    snils = patient.snils
    formatted_snils = f"{snils[:3]}-{snils[3:6]}-{snils[6:9]} {snils[9:]}"
    for secret in ("555-01-01", "+79165550101", patient.address, snils, formatted_snils):
        assert secret not in page
    assert reverse("people:detail", args=[patient.pk]) not in page


@pytest.mark.parametrize("role", SEARCH_LEVEL_ROLES)
def test_search_level_role_gets_404_on_the_card_as_for_a_missing_one(client, make_user, patient, role):
    client.force_login(make_user(role))
    for url in (
        reverse("people:detail", args=[patient.pk]),
        reverse("people:tab", args=[patient.pk, "contacts"]),
        reverse("people:edit", args=[patient.pk]),
        reverse("people:detail", args=[patient.pk + 1000]),
    ):
        assert client.get(url).status_code == 404, url
    assert not AuditEvent.objects.filter(action="view", person_id=patient.pk).exists()


@pytest.mark.parametrize("role", SEARCH_LEVEL_ROLES)
def test_search_level_role_in_the_api_sees_name_birth_date_and_district_only(client, make_user, patient, role):
    user = make_user(role)
    body = _api(client, user, "get", "/api/v1/people?q=Соколова+Вера+05.03.1944").json()
    assert body["results"] == [
        {
            "id": patient.pk,
            "card": False,
            "version": None,
            "surname": "Соколова",
            "given_name": "Вера",
            "patronymic": "Петровна",
            "birth_date": "1944-03-05",
            "district": {"id": patient.district_id, "name": patient.district.name},
            "primary_phone": None,
            "matched_as_relative": False,
        }
    ]
    assert _api(client, user, "get", f"/api/v1/people/{patient.pk}").status_code == 404
    change = {"version": 1, "address": "x"}
    assert _api(client, user, "patch", f"/api/v1/people/{patient.pk}", change).status_code == 404
    assert Person.objects.get(pk=patient.pk).address == "ул. Тайная, д. 7"


@pytest.mark.parametrize("q", ["8 916 555-01-01", "Соколова", "05.03.1944", "Соколова 05", "Соколов Вера"], ids=str)
def test_a_phone_a_surname_alone_a_birth_date_or_part_of_a_surname_finds_nobody_at_search_level(make_user, patient, q):
    """A phone or SNILS would tell whose it is; a surname or a birth date alone would list strangers."""
    assert find_people(make_user("coordinator"), parse_query(q)) == []


def test_a_snils_finds_nobody_at_search_level_in_the_api(client, make_user, patient):
    body = _api(client, make_user("coordinator"), "get", f"/api/v1/people?snils={patient.snils}").json()
    assert body == {"count": 0, "results": []}


def test_a_search_at_search_level_is_journaled_with_the_rows_shown_at_search_level(client, make_user, patient):
    client.force_login(make_user("coordinator"))
    client.get(reverse("people:list"), {"q": "Соколова Вера"})
    event = AuditEvent.objects.get(action="search")
    assert event.details == {"kind": "name", "count": 1, "shown": [patient.pk], "search_level": [patient.pk]}


def test_the_search_page_tells_a_search_level_role_how_to_find_a_citizen(client, make_user, patient):
    client.force_login(make_user("navigator"))
    page = client.get(reverse("people:list"), {"q": "Соколова"}, headers={"Accept-Language": "en"}).content.decode()
    assert 'data-testid="search-level-hint"' in page
    assert "type the full surname and the given name or the date of birth" in page


@pytest.mark.parametrize("role", ["operator", "supervisor"])
def test_the_call_centre_and_supervisors_still_see_full_rows_and_open_every_card(client, make_user, patient, role):
    client.force_login(make_user(role))
    response = client.get(reverse("people:list"), {"q": "Соколова"})
    assert [(r.pk, r.card, r.primary_phone) for r in response.context["results"]] == [
        (patient.pk, True, "+79165550101")
    ]
    assert client.get(reverse("people:detail", args=[patient.pk])).status_code == 200


def test_a_dispatcher_opens_only_his_districts_citizens_and_is_told_who_serves_the_others(
    client, dispatcher_for, patient, stranger
):
    client.force_login(dispatcher_for(patient.district))
    response = client.get(reverse("people:list"), {"q": "Соколова Вера"})
    # Another TCSO's citizen is answered "registered; served by ..." (issue 15 §2), without a card to open.
    assert [(r.pk, r.card, r.elsewhere) for r in response.context["results"]] in (
        [(patient.pk, True, False), (stranger.pk, False, True)],
        [(stranger.pk, False, True), (patient.pk, True, False)],  # SQLite sorts the empty birth date first
    )
    assert client.get(reverse("people:detail", args=[stranger.pk])).status_code == 404


def test_a_coordinator_who_registers_a_citizen_finds_him_at_search_level(client, make_user):
    client.force_login(make_user("coordinator"))
    data = {
        "surname": "Гусева",
        "given_name": "Нина",
        "birth_date": "01.02.1950",
        "sex": "female",
        "preferred_language": "ru",
        "phones-TOTAL_FORMS": "1",
        "phones-INITIAL_FORMS": "0",
        "phones-0-number": "",
        "phones-0-kind": "mobile",
    }
    response = client.post(reverse("people:create"), data, follow=True, headers={"Accept-Language": "en"})
    person = Person.objects.get(surname="Гусева")
    assert response.redirect_chain[-1][0] == reverse("people:list") + "?" + urlencode({"q": "Гусева Нина 01.02.1950"})
    assert [(r.pk, r.card) for r in response.context["results"]] == [(person.pk, False)]
    assert "Their card opens to you once your work with them is recorded." in response.content.decode()


def test_a_coordinator_sees_the_requests_only_of_a_citizen_a_relation_opens(client, town, relation):
    help_request = town.new_request()
    client.force_login(town.coordinator)
    url = reverse("assistance:request", args=[help_request.pk])
    assert client.get(url).status_code == 404
    relation(code="test_requests", roles=frozenset({"coordinator"}), **_ward_of(town.coordinator, town.person))
    page = client.get(url).content.decode()
    assert town.person.full_name in page
    assert reverse("people:detail", args=[town.person.pk]) in page


# --- with a relation ----------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["coordinator", "navigator"])
def test_a_relation_opens_and_lets_change_exactly_the_related_cards(
    client, make_user, relation, patient, stranger, role
):
    user = make_user(role)
    relation(code="test_ward", roles=frozenset({role}), may_change=True, **_ward_of(user, patient))
    client.force_login(user)
    assert client.get(reverse("people:detail", args=[patient.pk])).status_code == 200
    assert client.get(reverse("people:edit", args=[patient.pk])).status_code == 200
    assert client.get(reverse("people:detail", args=[stranger.pk])).status_code == 404
    assert client.get(reverse("people:edit", args=[stranger.pk])).status_code == 404
    answer = _api(client, user, "patch", f"/api/v1/people/{patient.pk}", {"version": 1, "contact_times": "утром"})
    assert answer.status_code == 200 and answer.json()["contact_times"] == "утром"
    refused = _api(client, user, "patch", f"/api/v1/people/{stranger.pk}", {"version": 1, "contact_times": "утром"})
    assert refused.status_code == 404
    assert list(visible_people(user)) == [patient]
    assert AuditEvent.objects.filter(action="view", person_id=patient.pk, actor_id=user.pk).exists()


def test_a_relation_gives_full_rows_of_its_people_and_search_level_rows_of_the_others(
    client, make_user, relation, patient, stranger
):
    user = make_user("coordinator")
    relation(code="test_ward", roles=frozenset({"coordinator"}), **_ward_of(user, patient))
    response = _api(client, user, "get", "/api/v1/people?q=Соколова+Вера")
    rows = {r["id"]: (r["card"], r["primary_phone"]) for r in response.json()["results"]}
    assert rows == {patient.pk: (True, "+79165550101"), stranger.pk: (False, None)}
    # Its own people it finds by phone too; the stranger's phone finds nobody.
    assert [r.pk for r in find_people(user, parse_query("8 916 555-01-01"))] == [patient.pk]
    assert find_people(user, parse_query("8 916 555-02-02")) == []


def test_a_relation_is_only_for_its_roles(make_user, relation, patient):
    relation(code="test_ward", roles=frozenset({"coordinator"}), people=lambda user: Q(pk=patient.pk))
    assert make_user("coordinator").has_perm("people.view_person", patient)
    assert not make_user("psychologist").has_perm("people.view_person", patient)
    assert not make_user("volunteer").has_perm("people.view_person", patient)
    assert not visible_people(make_user("navigator")).exists()


def test_a_read_only_relation_opens_the_card_but_refuses_changes(make_user, relation, patient):
    user = make_user("psychologist")
    relation(code="test_therapy", roles=frozenset({"psychologist"}), people=lambda u: Q(pk=patient.pk))
    assert get_visible_person(user, patient.pk) == patient
    assert not user.has_perm("people.change_person", patient)
    data = PersonInput(surname="Соколова", given_name="Вера", address="ул. Новая, д. 1")
    with pytest.raises(PermissionDenied):
        services.update_person(person=patient, data=data, version=patient.version, actor=Actor(user))
    assert Person.objects.get(pk=patient.pk).address == "ул. Тайная, д. 7"


def test_a_relation_given_as_a_queryset_of_ids_works_as_a_q(make_user, relation, patient, stranger):
    user = make_user("navigator")
    relation(
        code="test_ids",
        roles=frozenset({"navigator"}),
        people=lambda u: Person.objects.filter(pk=patient.pk).values("pk"),
    )
    assert user.has_perm("people.view_person", patient) and not user.has_perm("people.view_person", stranger)
    assert list(visible_people(user)) == [patient]


def test_the_predicate_is_asked_once_per_citizen_and_request(client, make_user, relation, patient):
    user = make_user("coordinator")
    asked: list[int] = []

    def predicate(u, person):
        asked.append(person.pk)
        return person.pk == patient.pk

    relation(
        code="test_counted",
        roles=frozenset({"coordinator"}),
        predicate=predicate,
        people=lambda u: Q(pk=patient.pk),
        may_change=True,
    )
    client.force_login(user)
    assert client.get(reverse("people:detail", args=[patient.pk])).status_code == 200
    assert asked == [patient.pk]  # the card asks view and change, for the card and every tab: once


def test_answers_kept_on_the_user_are_dropped_by_forget_relations_and_by_a_registry_change(
    make_user, relation, patient
):
    user = make_user("coordinator")
    wards: set[int] = set()
    relation(code="test_live", roles=frozenset({"coordinator"}), people=lambda u: Q(pk__in=wards))
    assert not user.has_perm("people.view_person", patient)
    wards.add(patient.pk)  # a case is opened in the same request
    assert not user.has_perm("people.view_person", patient)
    relations.forget_relations(user)
    assert user.has_perm("people.view_person", patient)
    relations.unregister_relation("test_live")
    assert not user.has_perm("people.view_person", patient)


def test_the_registry_refuses_a_second_relation_of_a_code_and_unknown_roles(relation):
    relation(code="test_once", roles=frozenset({"coordinator"}), people=lambda u: Q(pk__in=[]))
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        relations.register_relation(
            relations.Relation(code="test_once", roles=frozenset({"navigator"}), people=lambda u: Q(pk__in=[]))
        )
    with pytest.raises(ImproperlyConfigured, match="unknown roles"):
        relations.register_relation(
            relations.Relation(code="test_typo", roles=frozenset({"cordinator"}), people=lambda u: Q(pk__in=[]))
        )
    assert [r.code for r in relations.registered_relations() if r.code.startswith("test_")] == ["test_once"]


def test_no_relation_is_registered_in_people_itself():
    """`people` opens the extension point; the relations come from the apps above it."""
    assert all(not getattr(r.people, "__module__", "").startswith("people.") for r in relations.registered_relations())
