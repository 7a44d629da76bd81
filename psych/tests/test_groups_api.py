"""The support groups API: listing, a group with its sessions, creating one, adding members (a place or the
waiting list), marking attendance; the refusals and the Idempotency-Key."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from api.models import ApiToken
from api.tests.conftest import JsonClient
from audit.models import AuditEvent
from core.actor import Actor
from people.tests.factories import PersonFactory
from psych import groups
from psych.models import Attendance, GroupMember, SupportGroup
from psych.tests.conftest import Clinic

pytestmark = pytest.mark.django_db

GROUPS = "/api/v1/groups"


@pytest.fixture
def api_as(client: Client) -> Callable[..., JsonClient]:
    def make(user: User, language: str = "en") -> JsonClient:
        _record, token = ApiToken.issue(user=user, name="tests")
        return JsonClient(client, token, language)

    return make


def _group(clinic: Clinic, **changes: Any) -> SupportGroup:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "topic": "Жизнь после диагноза",
        "weekday": today.weekday(),
        "starts": datetime.time(0, 0),
        "first_on": today - datetime.timedelta(days=7),
        "place": clinic.hospital,
        "capacity": 1,
        "sessions_planned": 4,
    }
    values.update(changes)
    return groups.create_group(actor=Actor(clinic.psychologist), details=groups.GroupDetails(**values))


def _body(clinic: Clinic, **changes: Any) -> dict[str, Any]:
    return {
        "topic": "Для родственников",
        "audience": "relatives",
        "place_id": clinic.hospital.pk,
        "room": "каб. 301",
        "weekday": 3,
        "starts": "17:30",
        "first_on": "2030-01-01",
        "sessions_planned": 3,
        "capacity": 6,
        **changes,
    }


@pytest.fixture(autouse=True)
def _when(time_machine: Any) -> None:
    time_machine.move_to(datetime.datetime(2029, 12, 20, 9, 0, tzinfo=datetime.UTC), tick=False)


def test_the_list_shows_the_services_groups_with_their_counts(clinic, api_as):
    group = _group(clinic)
    groups.add_member(actor=Actor(clinic.psychologist), group=group, person=clinic.patient)
    groups.add_member(actor=Actor(clinic.psychologist), group=group, person=clinic.other_patient)
    groups.create_group(
        actor=Actor(clinic.onco_psychologist),
        details=groups.GroupDetails(
            topic="Онко", weekday=0, starts=datetime.time(12), first_on=timezone.localdate(), place=clinic.onco_centre
        ),
    )

    body = api_as(clinic.colleague).get(GROUPS).json()

    assert body["count"] == 1
    [item] = body["results"]
    assert item["id"] == group.pk and item["topic"] == "Жизнь после диагноза"
    assert (item["members"], item["waiting"], item["capacity"]) == (1, 1, 1)
    assert item["service"] == {"id": clinic.hospital.pk, "name": "ГКБ № 1"}
    assert item["facilitator"]["username"] == clinic.psychologist.username
    assert item["starts"] == "00:00" and item["version"] == 1
    assert api_as(clinic.city_supervisor).get(GROUPS).json()["count"] == 2


def test_a_group_shows_member_names_to_the_services_psychologists_only(clinic, api_as):
    group = _group(clinic)
    groups.add_member(actor=Actor(clinic.psychologist), group=group, person=clinic.patient)
    groups.add_member(actor=Actor(clinic.psychologist), group=group, person=clinic.other_patient)

    mine = api_as(clinic.colleague).get(f"{GROUPS}/{group.pk}").json()
    supervisor = api_as(clinic.hospital_supervisor).get(f"{GROUPS}/{group.pk}").json()

    assert [(m["name"], m["status"], m["position"]) for m in mine["member_list"]] == [
        ("Соколова Мария Петровна", "member", None),
        (clinic.other_patient.full_name, "waiting", 1),
    ]
    assert len(mine["sessions"]) == 4 and mine["sessions"][0]["number"] == 1
    assert supervisor["member_list"] is None and (supervisor["members"], supervisor["waiting"]) == (1, 1)
    views = AuditEvent.objects.filter(action="view", object_type="psych.supportgroup", origin="api")
    assert sorted(views.values_list("person_id", flat=True)) == sorted([clinic.patient.pk, clinic.other_patient.pk])
    assert all(e.actor_id == clinic.colleague.pk for e in views)


def test_another_services_group_is_not_found(clinic, api_as):
    group = _group(clinic)
    response = api_as(clinic.stranger).get(f"{GROUPS}/{group.pk}")
    assert response.status_code == 404
    assert api_as(clinic.stranger).get(f"{GROUPS}/{group.pk + 1000}").status_code == 404


def test_a_psychologist_creates_a_group_once_per_key(clinic, api_as):
    api = api_as(clinic.psychologist)
    first = api.post(GROUPS, _body(clinic), key="group-1")
    again = api.post(GROUPS, _body(clinic), key="group-1")

    assert first.status_code == 201 and again.status_code == 201
    body = first.json()
    assert first["Location"] == f"{GROUPS}/{body['id']}"
    assert again["Idempotent-Replayed"] == "true" and again.json() == body
    assert SupportGroup.objects.count() == 1
    assert body["first_on"] == "2030-01-03"  # the first Thursday
    assert [s["starts_at"] for s in body["sessions"]] == [
        "2030-01-03T14:30:00Z",
        "2030-01-10T14:30:00Z",
        "2030-01-17T14:30:00Z",
    ]
    assert body["member_list"] == []
    assert AuditEvent.objects.filter(action="create", object_type="psych.supportgroup", origin="api").count() == 1


def test_creating_a_group_with_problems_answers_each_and_writes_nothing(clinic, api_as):
    response = api_as(clinic.psychologist).post(
        GROUPS, _body(clinic, place_id=None, topic=" ", facilitator=clinic.stranger.username), key="bad"
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "topic": ["This field is required."],
        "place": ["Say where the group meets, or give the link of the online room."],
        "facilitator": ["The facilitator must be a psychologist of your service."],
    }
    assert not SupportGroup.objects.exists()


def test_adding_members_answers_the_place_or_the_waiting_list_position(clinic, api_as):
    group = _group(clinic, capacity=1)
    api = api_as(clinic.psychologist)
    url = f"{GROUPS}/{group.pk}/members"

    first = api.post(url, {"person_id": clinic.patient.pk}, key="m-1")
    second = api.post(url, {"person_id": clinic.other_patient.pk}, key="m-2")
    third = api.post(url, {"person_id": PersonFactory().pk}, key="m-3")
    replay = api.post(url, {"person_id": clinic.other_patient.pk}, key="m-2")

    assert first.status_code == 201
    assert first.json() | {"member_id": 0} == {
        "member_id": 0,
        "status": "member",
        "has_place": True,
        "position": None,
        "members": 1,
        "capacity": 1,
    }
    assert (second.json()["status"], second.json()["has_place"], second.json()["position"]) == ("waiting", False, 1)
    assert third.json()["position"] == 2
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == second.json()
    assert GroupMember.objects.filter(group=group).count() == 3


def test_a_relative_of_another_patient_is_refused(clinic, api_as):
    group = _group(clinic)
    response = api_as(clinic.psychologist).post(
        f"{GROUPS}/{group.pk}/members", {"person_id": clinic.other_patient.pk, "relative_id": clinic.son.pk}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"relative_id": ["This relative is not the patient's."]}
    assert not GroupMember.objects.exists()


def test_the_same_patient_twice_is_refused_with_the_reason(clinic, api_as):
    group = _group(clinic)
    api = api_as(clinic.psychologist)
    api.post(f"{GROUPS}/{group.pk}/members", {"person_id": clinic.patient.pk})
    response = api.post(f"{GROUPS}/{group.pk}/members", {"person_id": clinic.patient.pk})
    assert response.status_code == 422
    assert response.json()["detail"] == "Соколова Мария Петровна is already in this group or on its waiting list."
    assert GroupMember.objects.count() == 1


def test_marking_attendance_and_marking_again(clinic, api_as):
    group = _group(clinic, capacity=5)
    anna = groups.add_member(actor=Actor(clinic.psychologist), group=group, person=clinic.patient).member
    peter = groups.add_member(actor=Actor(clinic.psychologist), group=group, person=clinic.other_patient).member
    session = group.sessions.get(number=1)
    api = api_as(clinic.colleague)
    url = f"{GROUPS}/{group.pk}/sessions/{session.pk}/attendance"

    first = api.post(
        url, {"marks": [{"member_id": anna.pk, "present": True}, {"member_id": peter.pk, "present": False}]}, key="a-1"
    )
    second = api.post(url, {"marks": [{"member_id": peter.pk, "present": True}]}, key="a-2")

    assert first.status_code == 200
    assert (first.json()["marked"], first.json()["present"], first.json()["session"]["held"]) == (2, 1, True)
    assert (second.json()["marked"], second.json()["present"]) == (2, 2)
    assert Attendance.objects.filter(session=session).count() == 2


def test_a_future_session_and_an_unknown_member_are_refused(clinic, api_as):
    group = _group(clinic, capacity=5)
    anna = groups.add_member(actor=Actor(clinic.psychologist), group=group, person=clinic.patient).member
    api = api_as(clinic.psychologist)
    future = group.sessions.get(number=3)
    response = api.post(
        f"{GROUPS}/{group.pk}/sessions/{future.pk}/attendance", {"marks": [{"member_id": anna.pk, "present": True}]}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "The session is on 27.12.2029: mark attendance on that day or later."
    past = group.sessions.get(number=1)
    response = api.post(
        f"{GROUPS}/{group.pk}/sessions/{past.pk}/attendance", {"marks": [{"member_id": 10**6, "present": True}]}
    )
    assert response.status_code == 422
    assert not Attendance.objects.exists()


def test_a_session_of_another_group_is_not_found(clinic, api_as):
    group = _group(clinic)
    other = _group(clinic, topic="Другая")
    response = api_as(clinic.psychologist).post(
        f"{GROUPS}/{group.pk}/sessions/{other.sessions.first().pk}/attendance",
        {"marks": [{"member_id": 1, "present": True}]},
    )
    assert response.status_code == 404


def test_a_supervisor_may_not_add_members(clinic, api_as):
    group = _group(clinic)
    response = api_as(clinic.hospital_supervisor).post(f"{GROUPS}/{group.pk}/members", {"person_id": clinic.patient.pk})
    assert response.status_code == 403
    assert not GroupMember.objects.exists()
