"""Hotline calls in the API: who sees what of a call, logging one (with its follow-up), refusals."""

import datetime
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from api.models import ApiToken
from api.tests.conftest import JsonClient
from audit.models import AuditEvent
from core.actor import Actor
from notify.models import OutboxMessage
from psych import hotline
from psych.models import DutyShift, FollowUp, HotlineCall
from psych.tests.conftest import Clinic
from psych.tests.test_hotline import MSK, PLAN, Lines, call_input, make_lines

pytestmark = pytest.mark.django_db

CALLS = "/api/v1/hotline-calls"
NOW = datetime.datetime(2026, 3, 10, 14, 0, tzinfo=MSK)


@pytest.fixture
def api_as(client: Client) -> Callable[..., JsonClient]:
    def make(user: User, language: str = "en") -> JsonClient:
        _record, token = ApiToken.issue(user=user, name="tests")
        return JsonClient(client, token, language)

    return make


@pytest.fixture
def lines(clinic: Clinic, time_machine: Any) -> Lines:
    time_machine.move_to(NOW, tick=False)
    return make_lines(clinic)


@pytest.fixture
def logged(clinic: Clinic, lines: Lines) -> HotlineCall:
    """An emergency call of the patient on the hospital's line, with a safety plan."""
    return hotline.log_call(
        actor=Actor(clinic.psychologist),
        data=call_input(
            lines.emergency,
            clinic,
            caller_kind="citizen",
            person=clinic.patient,
            caller_phone="8 916 765-43-21",
            risk="emergency",
            safety_plan=PLAN,
            handed_to="ambulance",
            handover_reference="103-77",
        ),
    ).call


def emergency_body(lines: Lines, clinic: Clinic, **changes: Any) -> dict[str, Any]:
    body = {
        "line_id": lines.emergency.pk,
        "caller_kind": "relative",
        "caller_label": "Андрей, сын Марии Петровны",
        "person_id": clinic.patient.pk,
        "topic": "suicide_risk",
        "risk": "emergency",
        "action_taken": "Вызвали бригаду к матери",
        "handed_to": "psychiatric",
        "safety_plan": PLAN,
    }
    body.update(changes)
    return body


def test_the_services_psychologist_sees_the_caller_and_what_was_done_never_the_plan(clinic, logged, api_as):
    response = api_as(clinic.colleague).get(CALLS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [item] = body["results"]
    assert item["id"] == logged.pk and item["line"]["name"] == "Экстренная психологическая помощь"
    assert item["caller_kind"] == "citizen" and item["caller"] == "Соколова Мария Петровна"
    assert item["caller_phone"] == "+79167654321" and item["person_id"] == clinic.patient.pk
    assert item["action_taken"] == "Выслушала, дала контакты группы поддержки"
    assert (item["risk"], item["handed_to"], item["handover_reference"]) == ("emergency", "ambulance", "103-77")
    assert item["has_safety_plan"] is True
    assert item["topic"]["name"] == "Болезнь и лечение: Тревога из-за диагноза"
    [follow_up] = item["follow_ups"]
    assert follow_up["kind"] == "emergency" and follow_up["assigned_to"]["username"] == clinic.psychologist.username
    assert "сестре" not in response.content.decode()
    assert AuditEvent.objects.filter(
        object_type="psych.hotlinecall", action="view", origin="api", details__section="hotline_call_list"
    ).exists()


@pytest.mark.parametrize("who", ["hospital_supervisor", "city_supervisor"])
def test_supervisors_get_the_metadata_only(clinic, logged, api_as, who):
    api = api_as(getattr(clinic, who))

    listed = api.get(CALLS)
    one = api.get(f"{CALLS}/{logged.pk}")

    assert listed.status_code == 200 and one.status_code == 200
    item = one.json()
    assert item["caller_kind"] == "citizen" and item["risk"] == "emergency" and item["has_safety_plan"] is True
    assert item["caller"] is None and item["caller_phone"] is None and item["person_id"] is None
    assert item["action_taken"] is None
    for response in (listed, one):
        text = response.content.decode()
        assert "Соколова" not in text and "сестре" not in text and "Выслушала" not in text and "7654321" not in text


def test_the_city_supervisor_sees_every_service_and_the_others_their_own(clinic, lines, logged, api_as):
    theirs = hotline.log_call(actor=Actor(clinic.onco_psychologist), data=call_input(lines.oncology, clinic)).call

    assert {c["id"] for c in api_as(clinic.city_supervisor).get(CALLS).json()["results"]} == {logged.pk, theirs.pk}
    assert [c["id"] for c in api_as(clinic.onco_psychologist).get(CALLS).json()["results"]] == [theirs.pk]
    assert api_as(clinic.stranger).get(CALLS).json() == {"count": 0, "results": []}
    assert api_as(clinic.city_supervisor).get(CALLS, {"line": lines.oncology.pk}).json()["count"] == 1
    assert api_as(clinic.city_supervisor).get(CALLS, {"risk": "emergency"}).json()["count"] == 1


def test_another_services_call_is_not_found_and_other_roles_are_refused(client, clinic, logged, api_as):
    assert api_as(clinic.stranger).get(f"{CALLS}/{logged.pk}").status_code == 404
    assert api_as(clinic.colleague).get(f"{CALLS}/999999").status_code == 404
    assert api_as(clinic.coordinator).get(CALLS).status_code == 403
    assert api_as(clinic.operator).get(f"{CALLS}/{logged.pk}").status_code == 403
    assert JsonClient(client, None).get(CALLS).status_code == 401


def test_an_emergency_call_through_the_api_answers_with_its_follow_up_once_per_key(clinic, lines, api_as):
    DutyShift.objects.create(
        line=lines.emergency,
        psychologist=clinic.colleague,
        starts_at=NOW - datetime.timedelta(hours=2),
        ends_at=NOW + datetime.timedelta(hours=6),
        created_by=clinic.hospital_supervisor,
    )
    api = api_as(clinic.psychologist)

    first = api.post(CALLS, emergency_body(lines, clinic), key="call-1")
    again = api.post(CALLS, emergency_body(lines, clinic), key="call-1")

    assert first.status_code == 201, first.content
    body = first.json()
    call = HotlineCall.objects.get()
    assert first["Location"] == f"{CALLS}/{call.pk}"
    follow_up = FollowUp.objects.get()
    assert body["follow_up"]["id"] == follow_up.pk and body["follow_up"]["kind"] == "emergency"
    assert body["follow_up"]["assigned_to"]["username"] == clinic.colleague.username
    assert body["caller"] == "Андрей, сын Марии Петровны" and body["has_safety_plan"] is True
    assert "сестре" not in first.content.decode()
    assert call.safety_plan and "сестре" not in call.safety_plan
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json() == body
    assert HotlineCall.objects.count() == 1 and OutboxMessage.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="psych.hotlinecall", action="create", origin="api").count() == 1


def test_a_routine_call_answers_without_a_follow_up(clinic, lines, api_as):
    body = emergency_body(lines, clinic, risk="routine", handed_to="", caller_kind="anonymous", caller_label="")
    body.pop("person_id")
    body.pop("safety_plan")

    response = api_as(clinic.psychologist).post(CALLS, body, key="r-1")

    assert response.status_code == 201
    assert response.json()["follow_up"] is None and response.json()["caller_kind"] == "anonymous"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"topic": "nonsense"}, "topic", "Unknown topic."),
        ({"person_id": 999999}, "person_id", "No such citizen."),
        ({"caller_kind": "citizen", "person_id": None}, "person_id", "Find the citizen who called"),
        ({"action_taken": ""}, "action_taken", "This field is required."),
        ({"risk": "routine"}, "handed_to", "A hand-over to emergency services is for an emergency call."),
        ({"at": "2026-03-10T18:00:00+03:00"}, "at", "The call cannot be in the future."),
    ],
)
def test_a_refused_call_answers_422_per_field_and_writes_nothing(clinic, lines, api_as, changes, field, message):
    response = api_as(clinic.psychologist).post(CALLS, emergency_body(lines, clinic, **changes), key="bad")

    assert response.status_code == 422, response.content
    assert any(message in problem for problem in response.json()["errors"][field])
    assert not HotlineCall.objects.exists() and not FollowUp.objects.exists() and not OutboxMessage.objects.exists()


def test_a_line_of_another_service_is_refused_and_a_supervisor_may_not_log(clinic, lines, api_as):
    other = api_as(clinic.psychologist).post(CALLS, emergency_body(lines, clinic, line_id=lines.oncology.pk))
    supervisor = api_as(clinic.hospital_supervisor).post(CALLS, emergency_body(lines, clinic))
    unknown = api_as(clinic.psychologist).post(CALLS, {**emergency_body(lines, clinic), "mood": "bad"})

    assert other.status_code == 422 and other.json()["errors"]["line_id"] == ["No such line of your service."]
    assert supervisor.status_code == 403
    assert unknown.status_code == 422
    assert not HotlineCall.objects.exists()


def test_a_time_without_an_offset_is_moscow_time(clinic, lines, api_as):
    body = emergency_body(lines, clinic, at="2026-03-10T13:30:00")

    response = api_as(clinic.psychologist).post(CALLS, body)

    assert response.status_code == 201
    assert HotlineCall.objects.get().at == datetime.datetime(2026, 3, 10, 13, 30, tzinfo=MSK)
    assert json.loads(response.content)["at"].startswith("2026-03-10T1")
