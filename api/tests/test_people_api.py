import datetime
import re

import pytest
from django.utils import timezone

from api.tests.factories import DistrictFactory, PersonFactory, PhoneFactory, valid_snils
from audit.models import AuditEvent
from people.models import Person

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people"


def person_url(person: Person | int) -> str:
    return f"{PEOPLE}/{person if isinstance(person, int) else person.pk}"


def new_person_body(district, **overrides):
    body = {
        "surname": "Соколова",
        "given_name": "Вера",
        "patronymic": "Андреевна",
        "birth_date": "1938-09-14",
        "sex": "female",
        "district_id": district.pk,
        "address": "г. Москва, ул. Зелёная, д. 1",
        "snils": "112-233-445 95",
        "phones": [
            {"number": "8 (916) 555-12-34", "kind": "mobile", "is_primary": True},
            {"number": "+7 495 123-45-67", "kind": "home"},
        ],
    }
    body.update(overrides)
    return body


# --- search ------------------------------------------------------------------------------------------
def test_operator_finds_a_person_by_a_phone_written_the_russian_way(operator_api, person):
    response = operator_api.get(PEOPLE, {"phone": "8 (916) 123-45-67"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["id"] == person.pk
    assert item["surname"] == "Петрова"
    assert item["primary_phone"] == "+79161234567"
    assert item["district"] == {"id": person.district_id, "name": person.district.name}
    assert item["version"] == person.version
    assert item["birth_date"] == "1941-06-22"


@pytest.mark.parametrize("params", [{"q": "+7 916 1234567"}, {"q": "Петрова Г.И."}, {"snils": "SNILS"}])
def test_search_by_q_box_or_snils(operator_api, person, params):
    if params.get("snils") == "SNILS":
        params = {"snils": person.snils_display}
    body = operator_api.get(PEOPLE, params).json()
    assert [item["id"] for item in body["results"]] == [person.pk]


def test_search_is_journaled_with_channel_api(operator_api, person):
    operator_api.get(PEOPLE, {"phone": "8 (916) 123-45-67"})
    event = AuditEvent.objects.filter(action="search").latest("id")
    assert event.origin == "api"
    assert event.details["shown"] == [person.pk]
    assert "916" not in str(event.details)  # the query itself is never journaled


def test_search_pages_with_limit_and_offset(operator_api, district):
    for given_name in ("Анна", "Бэлла", "Вера"):
        PersonFactory(surname="Лебедева", given_name=given_name, district=district)
    first = operator_api.get(PEOPLE, {"q": "Лебедева", "limit": 2}).json()
    rest = operator_api.get(PEOPLE, {"q": "Лебедева", "limit": 2, "offset": 2}).json()
    assert first["count"] == rest["count"] == 3
    assert [p["given_name"] for p in first["results"]] == ["Анна", "Бэлла"]
    assert [p["given_name"] for p in rest["results"]] == ["Вера"]


def test_search_without_a_query_is_a_400_with_a_clear_message(operator_api, person):
    response = operator_api.get(PEOPLE)
    assert response.status_code == 400
    body = response.json()
    assert "q" in body["detail"] and "phone" in body["detail"]
    assert body["errors"]["q"]


def test_search_with_an_impossible_phone_names_the_field(operator_api, person):
    response = operator_api.get(PEOPLE, {"phone": "12"})
    assert response.status_code == 422
    assert response.json()["errors"]["phone"]


def test_search_limit_out_of_range_is_a_422(operator_api, person):
    response = operator_api.get(PEOPLE, {"q": "Петрова", "limit": 0})
    assert response.status_code == 422
    assert "limit" in response.json()["errors"]


# --- roles -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["volunteer", "social_worker"])
def test_field_roles_are_refused_on_every_endpoint(api_as, user_with_role, person, district, role):
    api = api_as(user_with_role(role))
    calls = [
        api.get(PEOPLE, {"phone": "8 (916) 123-45-67"}),
        api.post(PEOPLE, new_person_body(district)),
        api.get(person_url(person)),
        api.patch(person_url(person), {"version": person.version, "address": "elsewhere"}),
    ]
    assert [r.status_code for r in calls] == [403, 403, 403, 403]
    assert all(r.json()["detail"] for r in calls)
    assert Person.objects.count() == 1
    person.refresh_from_db()
    assert person.address != "elsewhere"


def test_dispatcher_sees_people_of_his_districts_only(api_as, dispatcher_for, person):
    api = api_as(dispatcher_for(person.district))
    outsider = PersonFactory(surname="Петрова", district=DistrictFactory())
    assert api.get(person_url(person)).status_code == 200
    # Someone else's citizen answers as a missing one: ids reveal nothing.
    assert api.get(person_url(outsider)).status_code == 404
    found = api.get(PEOPLE, {"q": "Петрова"}).json()
    assert [p["id"] for p in found["results"]] == [person.pk]


def test_dispatcher_cannot_change_a_person_outside_his_districts(api_as, dispatcher_for, person):
    api = api_as(dispatcher_for(DistrictFactory()))
    response = api.patch(person_url(person), {"version": person.version, "address": "elsewhere"})
    assert response.status_code == 404
    person.refresh_from_db()
    assert person.address != "elsewhere"


# --- read --------------------------------------------------------------------------------------------
def test_get_returns_the_full_record_and_journals_the_view(operator_api, person):
    response = operator_api.get(person_url(person))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == person.pk
    assert body["snils"] == person.snils and len(body["snils"]) == 11
    assert body["phones"] == [{"number": "+79161234567", "kind": "mobile", "is_primary": True}]
    assert body["flags"] == {
        "disability_group": "",
        "chronic_illness": False,
        "lives_alone": False,
        "self_isolating": False,
    }
    assert set(body) >= {"version", "sex", "address", "district", "oms_number", "created_at", "updated_at"}
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.origin, event.person_id) == ("view", "api", person.pk)


def test_get_of_an_absent_person_is_404_json(operator_api, db):
    response = operator_api.get(person_url(999999))
    assert response.status_code == 404
    assert response.json()["detail"]


def test_a_role_without_access_gets_403_for_an_absent_and_a_present_person_alike(api_as, user_with_role, person):
    volunteer = api_as(user_with_role("volunteer"))
    assert volunteer.get(person_url(999999)).status_code == 403
    assert volunteer.get(person_url(person)).status_code == 403


# --- create ------------------------------------------------------------------------------------------
def test_create_stores_phones_in_e164_and_journals_it(operator_api, district):
    response = operator_api.post(PEOPLE, new_person_body(district))
    assert response.status_code == 201, response.json()
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert sorted(person.phones.values_list("number", flat=True)) == ["+74951234567", "+79165551234"]
    assert body["phones"][0] == {"number": "+79165551234", "kind": "mobile", "is_primary": True}
    assert body["snils"] == "11223344595"
    assert body["district"] == {"id": district.pk, "name": district.name}
    assert body["version"] == 1
    assert response["Location"] == person_url(person)
    event = AuditEvent.objects.get(action="create", object_type="people.person", object_id=str(person.pk))
    assert event.origin == "api"


def test_create_accepts_district_as_an_alias_of_district_id(operator_api, district):
    body = new_person_body(district)
    body["district"] = body.pop("district_id")
    response = operator_api.post(PEOPLE, body)
    assert response.status_code == 201
    assert response.json()["district"]["id"] == district.pk


def test_invalid_snils_is_a_422_on_the_field_and_saves_nothing(operator_api, district):
    before = Person.objects.count()
    response = operator_api.post(PEOPLE, new_person_body(district, snils="112-233-445 96"))
    assert response.status_code == 422
    body = response.json()
    assert body["detail"]
    assert "check digits" in body["errors"]["snils"][0]
    assert Person.objects.count() == before


def test_birth_date_in_the_future_is_refused(operator_api, district):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = operator_api.post(PEOPLE, new_person_body(district, birth_date=tomorrow.isoformat()))
    assert response.status_code == 422
    assert response.json()["errors"]["birth_date"] == ["The date cannot be in the future."]
    assert not Person.objects.exists()


def test_every_field_error_is_reported_at_once(operator_api, district):
    body = new_person_body(
        district,
        surname="  ",
        sex="x",
        district_id=987654,
        oms_number="123",
        phones=[{"number": "8 (916) 555-12-34"}, {"number": "12", "kind": "pager"}],
    )
    errors = operator_api.post(PEOPLE, body).json()["errors"]
    assert set(errors) == {"surname", "sex", "district_id", "oms_number", "phones.1.number", "phones.1.kind"}
    assert errors["surname"] == ["Enter the surname."]


def test_schema_errors_have_the_same_shape(operator_api, district):
    body = new_person_body(district, birth_date="14.09.1938", lives_alone=True)
    del body["given_name"]
    response = operator_api.post(PEOPLE, body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["given_name"] == ["This field is required."]
    assert errors["birth_date"] == ["Enter a date as YYYY-MM-DD, e.g. 1944-03-05."]
    assert errors["lives_alone"] == ["Unknown field."]


def test_body_that_is_not_json_is_a_400(operator_api, db):
    response = operator_api.client.post(
        PEOPLE, "{not json", content_type="application/json", headers=operator_api.headers()
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "The request body is not valid JSON."


def test_messages_follow_accept_language(operator_api, district):
    body = new_person_body(district, snils="123")
    english = operator_api.post(PEOPLE, body, language="en").json()
    russian = operator_api.post(PEOPLE, body, language="ru").json()
    assert english["errors"]["snils"] == ["SNILS must have 11 digits, e.g. 112-233-445 95."]
    assert english["detail"].startswith("Some fields are not valid")
    assert set(russian) == {"detail", "errors"}
    assert len(russian["errors"]["snils"]) == 1 and russian["errors"]["snils"][0]
    # Generic messages reuse Django's msgids, which its own catalogue already translates.
    missing = operator_api.post(PEOPLE, {"surname": "Ким"}, language="ru").json()
    [message] = missing["errors"]["given_name"]
    assert message != "This field is required."
    assert re.search("[а-яА-Я]", message)


def test_possible_duplicate_is_a_409_until_confirmed(operator_api, person):
    body = new_person_body(
        person.district,
        surname="Петрова",
        given_name="Галина",
        patronymic="Ивановна",
        birth_date="1941-06-22",
        snils=None,
        phones=[{"number": "+7 916 000-00-01"}],
    )
    warned = operator_api.post(PEOPLE, body)
    assert warned.status_code == 409
    assert warned.json()["candidates"] == [
        {"id": person.pk, "full_name": "Петрова Галина Ивановна", "birth_date": "1941-06-22", "reason": "birth_date"}
    ]
    assert Person.objects.count() == 1

    confirmed = operator_api.post(PEOPLE, {**body, "confirm_not_duplicate": True})
    assert confirmed.status_code == 201
    assert Person.objects.count() == 2


def test_same_snils_cannot_be_confirmed_away(operator_api, person):
    body = new_person_body(person.district, snils=person.snils, confirm_not_duplicate=True)
    response = operator_api.post(PEOPLE, body)
    assert response.status_code == 409
    assert response.json()["candidates"][0]["reason"] == "snils"
    assert response.json()["errors"]["snils"]
    assert Person.objects.count() == 1


# --- update ------------------------------------------------------------------------------------------
def test_patch_without_version_is_a_422_on_version(operator_api, person):
    response = operator_api.patch(person_url(person), {"address": "новый адрес"})
    assert response.status_code == 422
    assert response.json()["errors"]["version"] == ["This field is required."]


def test_patch_with_a_stale_version_is_a_409_and_changes_nothing(operator_api, person):
    Person.objects.filter(pk=person.pk).update(version=3)
    response = operator_api.patch(person_url(person), {"version": 2, "address": "новый адрес", "phones": []})
    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == 3
    assert "changed by someone else" in body["detail"]
    person.refresh_from_db()
    assert person.address != "новый адрес"
    assert person.version == 3
    assert person.phones.count() == 1


def test_patch_changes_only_the_fields_sent_and_bumps_the_version(operator_api, person):
    original_snils = person.snils
    response = operator_api.patch(
        person_url(person),
        {"version": person.version, "address": "г. Москва, ул. Новая, д. 2", "flags": {"lives_alone": True}},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["version"] == person.version + 1
    assert body["address"] == "г. Москва, ул. Новая, д. 2"
    assert body["flags"]["lives_alone"] is True
    person.refresh_from_db()
    assert person.snils == original_snils
    assert person.surname == "Петрова"
    assert list(person.phones.values_list("number", flat=True)) == ["+79161234567"]
    event = AuditEvent.objects.filter(action="change", person_id=person.pk).latest("id")
    assert event.origin == "api"
    assert event.fields == ["address", "lives_alone"]


def test_patch_with_phones_replaces_the_list(operator_api, person):
    response = operator_api.patch(
        person_url(person), {"version": person.version, "phones": [{"number": "8 903 111 22 33", "kind": "home"}]}
    )
    assert response.status_code == 200
    assert response.json()["phones"] == [{"number": "+79031112233", "kind": "home", "is_primary": True}]


def test_patch_validates_like_create(operator_api, person):
    response = operator_api.patch(person_url(person), {"version": person.version, "surname": "", "snils": "1"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"surname", "snils"}
    person.refresh_from_db()
    assert person.surname == "Петрова"


def test_patch_to_a_snils_of_another_person_is_refused_on_the_field(operator_api, person):
    other = PersonFactory(snils=valid_snils(900))
    response = operator_api.patch(person_url(person), {"version": person.version, "snils": other.snils})
    assert response.status_code == 422
    assert response.json()["errors"]["snils"]


def test_patch_of_an_absent_person_is_404(operator_api, db):
    assert operator_api.patch(person_url(424242), {"version": 1}).status_code == 404


def test_primary_phone_in_search_results_is_e164(operator_api, person):
    PhoneFactory(person=person, number="+74957654321", is_primary=False, kind="home")
    item = operator_api.get(PEOPLE, {"q": "Петрова"}).json()["results"][0]
    assert item["primary_phone"] == "+79161234567"
