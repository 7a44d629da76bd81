"""Numbers no database column can hold are answered as "not found" or "not valid", never a server error.

2**63 overflows a signed 64-bit integer (PostgreSQL's bigint, SQLite's integer); 10**30 overflows
anything. Every id, filter, page, version and offset a page or the API takes is tried with both.
"""

import json

import pytest
from django.urls import reverse

from api.models import ApiToken

pytestmark = pytest.mark.django_db

HUGE = [str(2**63), str(10**30)]


@pytest.fixture
def as_dispatcher(client, town):
    client.force_login(town.dispatcher)
    return client


@pytest.mark.parametrize("huge", HUGE)
def test_pages_answer_huge_ids_and_filters_without_a_server_error(as_dispatcher, town, huge):
    req = town.new_request()
    client = as_dispatcher
    gets = [
        reverse("assistance:queue") + f"?service_type={huge}&district={huge}&tcso={huge}&page={huge}",
        f"/assistance/requests/{huge}/",
        f"/people/{huge}/",
        f"/people/{huge}/requests/",
        f"/intake/people/{huge}/call",
        reverse("reports:dashboard") + f"?tcso={huge}",
    ]
    for url in gets:
        assert client.get(url).status_code in (200, 404), url
    posts = [
        (reverse("assistance:request_assign", args=[req.pk]), {"worker": huge, "version": huge}),
        (reverse("assistance:request_move", args=[req.pk]), {"to": "accepted", "version": huge}),
        (reverse("assistance:request_transfer", args=[req.pk]), {"tcso": huge, "version": huge, "reason": "x"}),
        (reverse("assistance:bulk_assign"), {"requests": [huge], "worker": huge}),
        (reverse("intake:interaction_create"), {"outcome": "wrong_number", "person": huge}),
        (reverse("people:contact_permission", args=[town.person.pk, huge]), {"may_contact": "1"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code in (200, 302, 400, 404), url
    req.refresh_from_db()
    assert req.status == "new" and req.version == 1


@pytest.mark.parametrize("huge", HUGE)
def test_field_pages_answer_huge_ids_without_a_server_error(client, town, huge):
    client.force_login(town.volunteer_user)
    assert client.get(f"/assistance/my/{huge}/").status_code == 404
    assert client.post(f"/assistance/my/{huge}/start/", {"version": huge}).status_code == 404


@pytest.mark.parametrize("huge", HUGE)
def test_the_api_answers_huge_numbers_with_json_errors(client, town, huge):
    req = town.new_request()
    _record, token = ApiToken.issue(user=town.dispatcher, name="t")
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    for url in (
        f"/api/v1/requests?tcso={huge}&person={huge}",
        f"/api/v1/requests?offset={huge}",
        f"/api/v1/requests/{huge}",
        f"/api/v1/people/{huge}",
    ):
        response = client.get(url, headers=headers)
        assert response.status_code in (200, 404, 422), url
        assert response["Content-Type"].startswith("application/json"), url
    for url, body in (
        (f"/api/v1/requests/{req.pk}/transitions", {"to": "accepted", "version": int(huge)}),
        (f"/api/v1/requests/{req.pk}/transitions", {"to": "assigned", "version": 1, "assignee": int(huge)}),
        ("/api/v1/requests", {"person_id": int(huge), "service_type": "food"}),
    ):
        response = client.post(url, json.dumps(body), content_type="application/json", headers=headers)
        assert response.status_code in (404, 409, 422), (url, response.status_code)
    response = client.patch(
        f"/api/v1/people/{town.person.pk}",
        json.dumps({"version": int(huge), "address": "x"}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code in (409, 422)
    req.refresh_from_db()
    assert req.status == "new" and req.version == 1


@pytest.mark.parametrize(
    "window",
    [
        {"window_start": "9999-12-31T23:00:00-12:00", "window_end": "9999-12-31T23:30:00-12:00"},
        {"window_start": "0001-01-01T00:00:00+14:00", "window_end": "0001-01-01T01:00:00+14:00"},
        {"window_start": "99999-01-01T00:00:00"},
    ],
)
def test_dates_out_of_range_are_a_422_not_a_server_error(client, town, window):
    _record, token = ApiToken.issue(user=town.operator, name="t")
    body = {"person_id": town.person.pk, "service_type": town.service.code, **window}
    response = client.post(
        "/api/v1/requests",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )
    assert response.status_code == 422, response.content[:300]
    assert set(response.json()["errors"]) & {"window_start", "window_end"}


def test_a_time_or_an_amount_that_does_not_parse_is_told_in_russian(client, town):
    req = town.new_request()
    _record, token = ApiToken.issue(user=town.supervisor, name="t")
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "ru"}
    created = client.post(
        "/api/v1/requests",
        json.dumps({"person_id": town.person.pk, "service_type": town.service.code, "window_start": "завтра"}),
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 422
    assert "ГГГГ-ММ-ДДTЧЧ:ММ" in created.json()["errors"]["window_start"][0]
    moved = client.post(
        f"/api/v1/requests/{req.pk}/transitions",
        json.dumps({"to": "done", "version": 1, "money_spent": "12.345"}),
        content_type="application/json",
        headers=headers,
    )
    assert moved.status_code == 422
    assert "двумя знаками" in moved.json()["errors"]["money_spent"][0]
