"""Help requests through the JSON API: register, list, read, move, and the catalogue."""

from decimal import Decimal
from typing import Any

import pytest

from api.tests.factories import PersonFactory
from assistance.models import Assignment, HelpRequest, Status
from assistance.selectors import visible_requests
from assistance.tests.factories import ServiceTypeFactory
from audit.models import AuditEvent
from directory.models import Skill
from tests.cast import Town

pytestmark = pytest.mark.django_db

URL = "/api/v1/requests"


City = Town  # the shared cast of tests/cast.py, with a car needed for its service


@pytest.fixture
def city(town: Town) -> Town:
    town.service.required_skills.add(Skill.objects.create(code="car", name="Автомобиль"))
    return town


def body(city: City, **extra: Any) -> dict[str, Any]:
    return {"person_id": city.person.pk, "service_type": "food", "details": "Хлеб, молоко", **extra}


# --- create ----------------------------------------------------------------------------------------
def test_operator_registers_a_request_routed_to_the_citizens_tcso(city: City, api_as: Any) -> None:
    response = api_as(city.operator).post(
        URL, body(city, urgency="urgent", window_start="2030-01-10T10:00", window_end="2030-01-10T12:00")
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "new" and data["tcso"]["id"] == city.tcso.pk
    assert data["service_type"] == {"code": "food", "name": city.service.name}
    assert data["person"] == {"id": city.person.pk, "name": city.person.full_name}
    assert data["window_start"].startswith("2030-01-10T07:00")  # 10:00 Moscow is 07:00 UTC
    assert response["Location"] == f"{URL}/{data['id']}"
    assert HelpRequest.objects.get().intake_channel == "api"


def test_a_night_visit_the_citizen_asks_for_is_stored_and_read_back(city: City, api_as: Any) -> None:
    night = body(city, window_start="2030-01-10T22:00", window_end="2030-01-10T23:30", night_visit=True)
    response = api_as(city.operator).post(URL, night)
    assert response.status_code == 201, response.json()
    assert response.json()["night_visit"] is True
    assert HelpRequest.objects.get().night_visit is True
    refused = api_as(city.operator).post(URL, {**night, "night_visit": "по ночам"})
    assert refused.status_code == 422 and HelpRequest.objects.count() == 1
    plain = api_as(city.operator).post(URL, body(city))
    assert plain.json()["night_visit"] is False


def test_idempotent_replay_returns_the_same_request_and_creates_one(city: City, api_as: Any) -> None:
    client = api_as(city.operator)
    first = client.post(URL, body(city), key="req-1")
    second = client.post(URL, body(city), key="req-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second["Idempotent-Replayed"] == "true"
    assert HelpRequest.objects.count() == 1


def test_volunteer_may_not_register_a_request(city: City, api_as: Any) -> None:
    response = api_as(city.volunteer_user).post(URL, body(city))
    assert response.status_code == 403
    assert HelpRequest.objects.count() == 0


def test_unknown_citizen_service_and_urgency_are_reported_per_field(city: City, api_as: Any) -> None:
    response = api_as(city.operator).post(URL, {"person_id": 99999, "service_type": "nope", "urgency": "yesterday"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"person_id", "service_type", "urgency"}


def test_window_ending_before_it_starts_is_refused(city: City, api_as: Any) -> None:
    response = api_as(city.operator).post(
        URL, body(city, window_start="2030-01-10T12:00", window_end="2030-01-10T10:00")
    )
    assert response.status_code == 422
    assert "window_end" in response.json()["errors"]


def test_missing_field_is_a_schema_error(city: City, api_as: Any) -> None:
    response = api_as(city.operator).post(URL, {"person_id": city.person.pk})
    assert response.status_code == 422
    assert response.json()["errors"]["service_type"] == ["This field is required."]


def test_anonymous_caller_gets_401(city: City, anonymous_api: Any) -> None:
    assert anonymous_api.get(URL).status_code == 401


# --- list and read ----------------------------------------------------------------------------------
def test_dispatcher_lists_only_own_tcsos_requests(city: City, api_as: Any) -> None:
    mine = city.new_request()
    elsewhere = PersonFactory(district=city.other_dispatcher.worker.organisation.districts.get())
    theirs = city.new_request(elsewhere)
    data = api_as(city.dispatcher).get(URL).json()
    assert [r["id"] for r in data["results"]] == [mine.pk]
    assert data["count"] == 1
    data = api_as(city.operator).get(URL).json()
    assert {r["id"] for r in data["results"]} == {mine.pk, theirs.pk}


def test_list_filters_by_status_tcso_and_person_and_pages(city: City, api_as: Any) -> None:
    first, second, third = city.new_request(), city.new_request(), city.new_request()
    client = api_as(city.operator)
    client.post(f"{URL}/{second.pk}/transitions", {"to": "cancelled", "version": 1, "reason": "дубль"})
    assert [r["id"] for r in client.get(URL, {"status": "cancelled"}).json()["results"]] == [second.pk]
    assert {r["id"] for r in client.get(URL, {"status": "open"}).json()["results"]} == {first.pk, third.pk}
    assert client.get(URL, {"tcso": city.tcso.pk + 1000}).json()["count"] == 0
    assert client.get(URL, {"person": city.person.pk}).json()["count"] == 3
    page = client.get(URL, {"limit": 2, "offset": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 1


def test_unknown_status_filter_is_refused(city: City, api_as: Any) -> None:
    response = api_as(city.operator).get(URL, {"status": "lost"})
    assert response.status_code == 422 and "status" in response.json()["errors"]


def test_volunteer_may_not_list_requests(city: City, api_as: Any) -> None:
    city.new_request()
    assert api_as(city.volunteer_user).get(URL).status_code == 403


def test_visible_requests_agrees_with_the_view_request_rule(city: City, user_with_role: Any) -> None:
    elsewhere = PersonFactory(district=city.other_dispatcher.worker.organisation.districts.get())
    requests = [city.new_request(), city.new_request(elsewhere)]
    users = [city.operator, city.dispatcher, city.other_dispatcher, city.volunteer_user, user_with_role("supervisor")]
    users += [user_with_role("coordinator"), user_with_role("psychologist"), user_with_role("social_worker")]
    for user in users:
        visible = set(visible_requests(user).values_list("pk", flat=True))
        assert visible == {r.pk for r in requests if user.has_perm("assistance.view_request", r)}, user


def test_get_a_request_and_the_read_is_journaled(city: City, api_as: Any) -> None:
    req = city.new_request()
    response = api_as(city.dispatcher).get(f"{URL}/{req.pk}")
    assert response.status_code == 200
    assert response.json()["id"] == req.pk and response.json()["version"] == 1
    assert AuditEvent.objects.filter(action="view", person_id=city.person.pk, origin="api").exists()


def test_a_request_of_another_tcso_answers_404_like_a_missing_one(city: City, api_as: Any) -> None:
    req = city.new_request()
    assert api_as(city.other_dispatcher).get(f"{URL}/{req.pk}").status_code == 404
    assert api_as(city.operator).get(f"{URL}/{req.pk + 1000}").status_code == 404


# --- transitions -----------------------------------------------------------------------------------
def test_dispatcher_accepts_and_assigns_then_the_volunteer_starts(city: City, api_as: Any) -> None:
    req = city.new_request()
    dispatcher = api_as(city.dispatcher)
    accepted = dispatcher.post(f"{URL}/{req.pk}/transitions", {"to": "accepted", "version": 1})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assigned = dispatcher.post(
        f"{URL}/{req.pk}/transitions", {"to": "assigned", "assignee": city.volunteer.pk, "version": 2}
    )
    assert assigned.status_code == 200, assigned.json()
    assert assigned.json()["assignee"] == {
        "id": city.volunteer.pk,
        "full_name": city.volunteer.full_name,
        "kind": "volunteer",
    }
    started = api_as(city.volunteer_user).post(f"{URL}/{req.pk}/transitions", {"to": "in_progress", "version": 3})
    assert started.status_code == 200 and started.json()["status"] == "in_progress"


def test_two_moves_with_the_same_version_second_is_409_with_the_current_version(city: City, api_as: Any) -> None:
    req = city.new_request()
    dispatcher = api_as(city.dispatcher)
    assert dispatcher.post(f"{URL}/{req.pk}/transitions", {"to": "accepted", "version": 1}).status_code == 200
    second = dispatcher.post(f"{URL}/{req.pk}/transitions", {"to": "cancelled", "version": 1, "reason": "дубль"})
    assert second.status_code == 409
    assert second.json()["current_version"] == 2
    req.refresh_from_db()
    assert req.status == Status.ACCEPTED


def test_illegal_move_is_422_with_a_message(city: City, api_as: Any) -> None:
    req = city.new_request()
    response = api_as(city.dispatcher).post(f"{URL}/{req.pk}/transitions", {"to": "done", "version": 1})
    assert response.status_code == 422
    assert "cannot become" in response.json()["errors"]["to"][0]


def test_cancel_without_reason_is_422(city: City, api_as: Any) -> None:
    req = city.new_request()
    response = api_as(city.operator).post(f"{URL}/{req.pk}/transitions", {"to": "cancelled", "version": 1})
    assert response.status_code == 422 and "reason" in response.json()["errors"]


def test_move_of_a_request_that_is_not_ones_own_is_404_and_changes_nothing(city: City, api_as: Any) -> None:
    req = city.new_request()
    response = api_as(city.other_dispatcher).post(f"{URL}/{req.pk}/transitions", {"to": "accepted", "version": 1})
    assert response.status_code == 404
    response = api_as(city.volunteer_user).post(f"{URL}/{req.pk}/transitions", {"to": "accepted", "version": 1})
    assert response.status_code == 404
    response = api_as(city.operator).post(f"{URL}/{req.pk}/transitions", {"to": "accepted", "version": 1})
    assert response.status_code == 403  # the operator sees the request but may not accept it
    req.refresh_from_db()
    assert req.status == Status.NEW


def test_unknown_assignee_and_missing_request(city: City, api_as: Any) -> None:
    req = city.new_request()
    dispatcher = api_as(city.dispatcher)
    dispatcher.post(f"{URL}/{req.pk}/transitions", {"to": "accepted", "version": 1})
    response = dispatcher.post(f"{URL}/{req.pk}/transitions", {"to": "assigned", "assignee": 99999, "version": 2})
    assert response.status_code == 422 and "assignee" in response.json()["errors"]
    assert dispatcher.post(f"{URL}/99999/transitions", {"to": "accepted", "version": 1}).status_code == 404


def test_replayed_transition_returns_the_first_answer(city: City, api_as: Any) -> None:
    req = city.new_request()
    dispatcher = api_as(city.dispatcher)
    first = dispatcher.post(f"{URL}/{req.pk}/transitions", {"to": "accepted", "version": 1}, key="move-1")
    again = dispatcher.post(f"{URL}/{req.pk}/transitions", {"to": "accepted", "version": 1}, key="move-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert req.transitions.count() == 2


# --- catalogue -------------------------------------------------------------------------------------
def test_service_types_lists_the_active_catalogue(city: City, api_as: Any) -> None:
    ServiceTypeFactory(code="old", name="Уголь", is_active=False)
    response = api_as(city.volunteer_user).get("/api/v1/service-types")
    assert response.status_code == 200
    assert response.json() == [
        {
            "code": "food",
            "name": city.service.name,
            "target_hours": 24,
            "handles_money": True,
            "required_skills": ["car"],
        }
    ]


def test_done_through_the_api_needs_the_money_spent_when_the_service_handles_money(city: City, api_as: Any) -> None:
    city.service.handles_money = True
    city.service.save()
    req = city.new_request()
    dispatcher = api_as(city.dispatcher)
    assert dispatcher.post(f"{URL}/{req.pk}/transitions", {"to": "accepted", "version": 1}).status_code == 200
    assigned = dispatcher.post(
        f"{URL}/{req.pk}/transitions", {"to": "assigned", "version": 2, "assignee": city.volunteer.pk}
    )
    assert assigned.status_code == 200
    volunteer = api_as(city.volunteer_user)
    refused = volunteer.post(f"{URL}/{req.pk}/transitions", {"to": "done", "version": 3})
    assert refused.status_code == 422
    assert "money_spent" in refused.json()["errors"]
    negative = volunteer.post(f"{URL}/{req.pk}/transitions", {"to": "done", "version": 3, "money_spent": "-1"})
    assert negative.status_code in (400, 422)
    req.refresh_from_db()
    assert req.status == Status.ASSIGNED
    done = volunteer.post(f"{URL}/{req.pk}/transitions", {"to": "done", "version": 3, "money_spent": "350.50"})
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "done"
    assert Assignment.objects.get(request=req).money_spent == Decimal("350.50")


# --- the visit moved -------------------------------------------------------------------------------
def test_the_dispatcher_moves_the_visit_through_the_api(city: City, api_as: Any) -> None:
    req = city.new_request(window_start=None)
    dispatcher = api_as(city.dispatcher)
    window = {"window_start": "2030-01-11T15:00", "window_end": "2030-01-11T18:00", "reason": "Договорились"}
    response = dispatcher.post(f"{URL}/{req.pk}/window", {**window, "version": req.version})
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["window_start"].startswith("2030-01-11T12:00") and data["window_end"].startswith("2030-01-11T15:00")
    assert data["due_at"] == data["window_end"] and data["version"] == req.version + 1
    stale = dispatcher.post(f"{URL}/{req.pk}/window", {**window, "version": req.version})
    assert stale.status_code == 409 and stale.json()["current_version"] == req.version + 1
    backwards = dispatcher.post(
        f"{URL}/{req.pk}/window",
        {"window_start": "2030-01-12T18:00", "window_end": "2030-01-12T15:00", "version": req.version + 1},
    )
    assert backwards.status_code == 422 and "window_end" in backwards.json()["errors"]
    past = dispatcher.post(
        f"{URL}/{req.pk}/window",
        {"window_start": "2001-01-12T10:00", "window_end": "2001-01-12T12:00", "version": req.version + 1},
    )
    assert past.status_code == 422 and "window_end" in past.json()["errors"]
    odd = dispatcher.post(f"{URL}/{req.pk}/window", {**window, "window_end": "99999-01-01", "version": 2})
    assert odd.status_code == 422
    req.refresh_from_db()
    assert req.version == 2 and req.window_end is not None and req.window_end.year == 2030


def test_another_tcsos_dispatcher_and_the_operator_may_not_move_the_visit(city: City, api_as: Any) -> None:
    req = city.new_request()
    window = {"window_start": "2030-01-11T15:00", "window_end": "2030-01-11T18:00", "version": req.version}
    assert api_as(city.other_dispatcher).post(f"{URL}/{req.pk}/window", window).status_code == 404
    assert api_as(city.operator).post(f"{URL}/{req.pk}/window", window).status_code == 403
    req.refresh_from_db()
    assert req.version == 1
