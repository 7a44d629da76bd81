"""The cases API: every endpoint, every refusal, and the journal of what it did."""

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
from cases import services
from cases.models import Case, NeedsAssessment, RouteStep
from cases.tests.conftest import Ward, open_case
from core.actor import Actor
from people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"


@pytest.fixture
def api_as(client: Client) -> Callable[..., JsonClient]:
    def make(user: User, language: str = "en") -> JsonClient:
        _record, token = ApiToken.issue(user=user, name="tests")
        return JsonClient(client, token, language)

    return make


@pytest.fixture
def coordinator_api(ward: Ward, api_as: Callable[..., JsonClient]) -> JsonClient:
    return api_as(ward.coordinator)


def _with_step(ward: Ward, case: Case, title: str = "Позвонить сыну", **extra: Any) -> RouteStep:
    step = services.NewStep(title=title, kind="relatives", **extra)
    return services.add_steps(actor=Actor(ward.coordinator), case=case, steps=[step])[0]


def _journal(action: str, **details: Any) -> list[AuditEvent]:
    entries = AuditEvent.objects.filter(object_type="cases.case", action=action, origin="api")
    return [e for e in entries if all(e.details.get(k) == v for k, v in details.items())]


# --- the list ---------------------------------------------------------------------------------------
def test_coordinator_lists_the_cases_of_their_hospital_only(ward, coordinator_api):
    case = open_case(ward)
    _with_step(ward, case, due_on=timezone.localdate() - datetime.timedelta(days=1))
    other_patient = PersonFactory(surname="Орлова")
    services.open_hospital_case(
        actor=Actor(ward.stranger),
        person=other_patient,
        reason="поступила",
        stay=services.StayDetails(admitted_on=timezone.localdate()),
    )

    response = coordinator_api.get(CASES)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [item] = body["results"]
    assert item["id"] == case.pk
    assert item["person"] == {"id": ward.patient.pk, "name": "Соколова Мария Петровна"}
    assert item["organisation"] == {"id": ward.hospital.pk, "name": "ГКБ № 1"}
    assert item["coordinator"] == {"username": ward.coordinator.username, "full_name": "Татьяна Иванова"}
    assert item["status"] == "open" and item["outcome"] == ""
    assert item["stay"]["department"] == "Терапия"
    assert item["stay"]["admitted_on"] == timezone.localdate().isoformat()
    assert (item["open_steps"], item["overdue_steps"]) == (1, 1)
    assert item["version"] == case.version
    assert len(_journal("view", section="case_list")) == 1


def test_city_supervisor_lists_every_hospitals_cases(ward, api_as):
    open_case(ward)
    services.open_hospital_case(
        actor=Actor(ward.stranger),
        person=PersonFactory(),
        reason="поступила",
        stay=services.StayDetails(emergency_not_admitted=True),
    )
    assert api_as(ward.city_supervisor).get(CASES).json()["count"] == 2
    assert api_as(ward.hospital_supervisor).get(CASES).json()["count"] == 1


def test_list_filters_by_status_mine_and_person(ward, coordinator_api):
    mine = open_case(ward)
    other = services.open_hospital_case(
        actor=Actor(ward.colleague),
        person=PersonFactory(),
        reason="поступил",
        stay=services.StayDetails(admitted_on=timezone.localdate()),
    )
    services.close_case(actor=Actor(ward.colleague), case=other, outcome="helped", note="", expected_version=1)

    def ids(**params: Any) -> list[int]:
        return [item["id"] for item in coordinator_api.get(CASES, params).json()["results"]]

    assert ids() == [other.pk, mine.pk]
    assert ids(status="open") == [mine.pk]
    assert ids(status="closed") == [other.pk]
    assert ids(mine="true") == [mine.pk]
    assert ids(person=ward.patient.pk) == [mine.pk]
    assert ids(limit=1, offset=1) == [mine.pk]


def test_list_refuses_an_unknown_status(ward, coordinator_api):
    response = coordinator_api.get(CASES, {"status": "lost"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"status": ["Unknown status."]}


@pytest.mark.parametrize("role", ["operator", "dispatcher", "social_worker", "volunteer", "administrator"])
def test_roles_without_cases_get_403_for_the_list(ward, make_user, api_as, role):
    assert api_as(make_user(role)).get(CASES).status_code == 403


def test_the_list_needs_a_token(ward, client):
    assert JsonClient(client, None).get(CASES).status_code == 401


# --- opening ----------------------------------------------------------------------------------------
def _opening(ward: Ward, **extra: Any) -> dict[str, Any]:
    return {
        "person_id": ward.patient.pk,
        "reason": "поступила по скорой",
        "department": "Кардиология",
        "admitted_on": timezone.localdate().isoformat(),
        **extra,
    }


def test_coordinator_opens_a_case_at_their_hospital(ward, coordinator_api):
    response = coordinator_api.post(CASES, _opening(ward), key="open-1")

    assert response.status_code == 201
    body = response.json()
    case = Case.objects.get()
    assert response["Location"] == f"{CASES}/{case.pk}"
    assert body["id"] == case.pk and body["organisation"]["id"] == ward.hospital.pk
    assert body["stay"]["department"] == "Кардиология"
    assert body["steps"] == [] and body["latest_assessment"] is None
    [entry] = _journal("create")
    assert entry.object_id == str(case.pk) and entry.person_id == ward.patient.pk
    assert entry.details["reason"] == "поступила по скорой"


def test_opening_again_with_the_same_key_replays_the_first_answer(ward, coordinator_api):
    first = coordinator_api.post(CASES, _opening(ward), key="open-2")
    again = coordinator_api.post(CASES, _opening(ward), key="open-2")

    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Case.objects.count() == 1 and len(_journal("create")) == 1


def test_opening_an_emergency_visit_needs_no_dates(ward, coordinator_api):
    body = _opening(ward, emergency_not_admitted=True)
    del body["admitted_on"]
    response = coordinator_api.post(CASES, body)
    assert response.status_code == 201
    assert response.json()["stay"]["emergency_not_admitted"] is True


def test_opening_without_an_admission_date_is_refused_in_the_callers_language(ward, api_as):
    body = _opening(ward)
    del body["admitted_on"]
    english = api_as(ward.coordinator).post(CASES, body)
    russian = api_as(ward.coordinator, language="ru").post(CASES, body)

    assert english.status_code == russian.status_code == 422
    assert english.json()["errors"] == {"admitted_on": ["Enter the admission date, or tick “emergency, not admitted”."]}
    assert russian.json()["errors"]["admitted_on"][0].startswith("Укажите дату поступления")
    assert not Case.objects.exists() and not AuditEvent.objects.filter(object_type="cases.case").exists()


def test_opening_refuses_a_second_open_case_of_the_patient_here(ward, coordinator_api):
    case = open_case(ward)
    response = coordinator_api.post(CASES, _opening(ward))
    assert response.status_code == 422
    assert response.json()["detail"] == f"This patient already has an open case here: № {case.pk}."
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"person_id": 10**12}, "person_id", "No such citizen."),
        ({"reason": "   "}, "reason", "This field is required."),
        ({"reason": "x" * 301}, "reason", None),
        ({"room": "5"}, "room", "Unknown field."),
        ({"admitted_on": "05.03.2026"}, "admitted_on", "Enter a date as YYYY-MM-DD, e.g. 1944-03-05."),
        ({"department": "Тера\x00пия"}, "department", None),
    ],
)
def test_opening_refuses_bad_input_per_field(ward, coordinator_api, change, field, message):
    response = coordinator_api.post(CASES, _opening(ward, **change))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert field in errors
    if message is not None:
        assert errors[field] == [message]
    assert not Case.objects.exists()


def test_a_coordinator_of_no_hospital_is_told_so(ward, make_user, api_as):
    response = api_as(make_user("coordinator")).post(CASES, _opening(ward))
    assert response.status_code == 422
    assert response.json()["detail"] == "Your account is not linked to a hospital. Ask the administrator."


@pytest.mark.parametrize("who", ["hospital_supervisor", "city_supervisor"])
def test_supervisors_may_not_open_cases(ward, api_as, who):
    assert api_as(getattr(ward, who)).post(CASES, _opening(ward)).status_code == 403
    assert not Case.objects.exists()


# --- one case ---------------------------------------------------------------------------------------
def test_the_case_comes_with_its_latest_assessment_and_route(ward, coordinator_api):
    case = open_case(ward)
    services.assess_needs(actor=Actor(ward.coordinator), case=case, needs=["documents"])
    services.assess_needs(actor=Actor(ward.coordinator), case=case, needs=["relatives", "documents"], note="сын")
    step = _with_step(ward, case)

    response = coordinator_api.get(f"{CASES}/{case.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["latest_assessment"]["number"] == 2
    assert body["latest_assessment"]["needs"] == ["documents", "relatives"]
    assert body["latest_assessment"]["note"] == "сын"
    assert body["assessments_count"] == 2
    [out] = body["steps"]
    assert out["id"] == step.pk and out["status"] == "planned" and out["version"] == 1
    assert out["moves"] == ["in_progress", "done", "not_needed", "failed"]
    assert len(_journal("view", section="case")) == 1


def test_a_supervisor_reads_the_case_but_is_offered_no_moves(ward, api_as):
    case = open_case(ward)
    _with_step(ward, case)
    body = api_as(ward.hospital_supervisor).get(f"{CASES}/{case.pk}").json()
    assert body["steps"][0]["moves"] == []


def test_another_hospitals_case_is_not_found(ward, api_as):
    case = open_case(ward)
    response = api_as(ward.stranger).get(f"{CASES}/{case.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_role_without_cases_gets_403_before_any_look_up(ward, make_user, api_as):
    assert api_as(make_user("operator")).get(f"{CASES}/999999").status_code == 403
    assert api_as(ward.coordinator).get(f"{CASES}/999999").status_code == 404


# --- changing the stay and closing ------------------------------------------------------------------
def test_the_stay_is_changed_and_fields_not_sent_keep_their_values(ward, coordinator_api):
    case = open_case(ward)
    today = timezone.localdate()

    response = coordinator_api.patch(
        f"{CASES}/{case.pk}", {"version": 1, "department": "Хирургия", "discharged_on": today.isoformat()}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 2
    assert body["stay"]["department"] == "Хирургия"
    assert body["stay"]["discharged_on"] == today.isoformat()
    assert body["stay"]["admitted_on"] == today.isoformat()
    assert body["status"] == "open"
    [entry] = _journal("change")
    assert entry.fields == ["stay"]


def test_a_stale_version_gets_409_with_the_current_one(ward, coordinator_api):
    case = open_case(ward)
    coordinator_api.patch(f"{CASES}/{case.pk}", {"version": 1, "department": "Хирургия"})

    response = coordinator_api.patch(f"{CASES}/{case.pk}", {"version": 1, "department": "Неврология"})

    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert Case.objects.get().stay.department == "Хирургия"


def test_a_stay_the_service_refuses_answers_per_field(ward, coordinator_api):
    case = open_case(ward)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = coordinator_api.patch(f"{CASES}/{case.pk}", {"version": 1, "discharged_on": tomorrow.isoformat()})
    assert response.status_code == 422
    assert response.json()["errors"] == {"discharged_on": ["The discharge date cannot be in the future."]}
    assert Case.objects.get().version == 1


def test_a_change_must_say_what_to_change(ward, coordinator_api):
    case = open_case(ward)
    response = coordinator_api.patch(f"{CASES}/{case.pk}", {"version": 1})
    assert response.status_code == 422
    assert response.json()["detail"] == "Send the fields of the stay to change, or an outcome to close the case."


def test_closing_waits_for_every_step(ward, coordinator_api):
    case = open_case(ward)
    _with_step(ward, case)
    response = coordinator_api.patch(f"{CASES}/{case.pk}", {"version": 1, "outcome": "helped"})
    assert response.status_code == 422
    assert response.json()["detail"] == "Finish these steps first, or mark them not needed: «Позвонить сыну»."
    assert Case.objects.get().is_open


def test_the_case_is_discharged_and_closed_in_one_change(ward, coordinator_api):
    case = open_case(ward)
    today = timezone.localdate().isoformat()

    response = coordinator_api.patch(
        f"{CASES}/{case.pk}",
        {"version": 1, "discharged_on": today, "outcome": "handed_over", "outcome_note": "ТЦСО «Бирюлёво»"},
        key="close-1",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["outcome"], body["outcome_note"]) == ("closed", "handed_over", "ТЦСО «Бирюлёво»")
    assert body["stay"]["discharged_on"] == today and body["version"] == 3
    assert body["closed_at"] is not None
    assert sorted(sorted(e.fields) for e in _journal("change")) == [["outcome", "status"], ["stay"]]


def test_an_unknown_outcome_is_refused(ward, coordinator_api):
    case = open_case(ward)
    response = coordinator_api.patch(f"{CASES}/{case.pk}", {"version": 1, "outcome": "vanished"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"outcome": ["Choose how the case ended."]}


@pytest.mark.parametrize(("who", "status"), [("hospital_supervisor", 403), ("stranger", 404), ("colleague", 200)])
def test_who_may_change_a_case(ward, api_as, who, status):
    case = open_case(ward)
    response = api_as(getattr(ward, who)).patch(f"{CASES}/{case.pk}", {"version": 1, "department": "Хирургия"})
    assert response.status_code == status


# --- the route ----------------------------------------------------------------------------------------
def test_the_route_lists_every_step_in_order(ward, coordinator_api):
    case = open_case(ward)
    first, second = _with_step(ward, case, "Первый"), _with_step(ward, case, "Второй")
    response = coordinator_api.get(f"{CASES}/{case.pk}/steps")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and [s["id"] for s in body["results"]] == [first.pk, second.pk]
    assert len(_journal("view", section="case_steps")) == 1


def test_steps_are_added_to_the_route(ward, coordinator_api):
    case = open_case(ward)
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    body = {
        "steps": [
            {"title": "Восстановить паспорт", "kind": "documents", "need": "documents", "due_on": due},
            {"title": "Позвонить сыну", "kind": "relatives", "responsible": "coordinator"},
        ]
    }

    response = coordinator_api.post(f"{CASES}/{case.pk}/steps", body, key="steps-1")
    again = coordinator_api.post(f"{CASES}/{case.pk}/steps", body, key="steps-1")

    assert response.status_code == 201
    added = response.json()["results"]
    assert [(s["position"], s["title"], s["due_on"]) for s in added] == [
        (1, "Восстановить паспорт", due),
        (2, "Позвонить сыну", None),
    ]
    assert again.json() == response.json() and again["Idempotent-Replayed"] == "true"
    assert case.steps.count() == 2
    [entry] = _journal("change")
    assert entry.details["added"] == ["Восстановить паспорт", "Позвонить сыну"]


def test_every_bad_step_is_named_by_its_place(ward, coordinator_api):
    case = open_case(ward)
    body = {"steps": [{"title": "  "}, {"title": "Позвонить", "kind": "magic", "due_on": "2200-01-01"}]}
    response = coordinator_api.post(f"{CASES}/{case.pk}/steps", body)
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "steps.0.title": ["This field is required."],
        "steps.1.kind": ["Choose the kind of step."],
        "steps.1.due_on": ["Enter a date between 2000 and 2100."],
    }
    assert not case.steps.exists()


def test_no_steps_is_refused(ward, coordinator_api):
    case = open_case(ward)
    response = coordinator_api.post(f"{CASES}/{case.pk}/steps", {"steps": []})
    assert response.status_code == 422 and "steps" in response.json()["errors"]


def test_a_closed_case_takes_no_more_steps(ward, coordinator_api):
    case = open_case(ward)
    services.close_case(actor=Actor(ward.coordinator), case=case, outcome="helped", note="", expected_version=1)
    response = coordinator_api.post(f"{CASES}/{case.pk}/steps", {"steps": [{"title": "Ещё"}]})
    assert response.status_code == 422
    assert response.json()["detail"] == "The case is closed."


def _move(case: Case, step: RouteStep) -> str:
    return f"{CASES}/{case.pk}/steps/{step.pk}/moves"


def test_a_step_moves_along_its_life(ward, coordinator_api):
    case = open_case(ward)
    step = _with_step(ward, case)

    started = coordinator_api.post(_move(case, step), {"to": "in_progress", "version": 1})
    done = coordinator_api.post(_move(case, step), {"to": "done", "version": 2, "result": "Сын приедет"})

    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["result"], done.json()["version"]) == ("done", "Сын приедет", 3)
    assert done.json()["moves"] == []
    assert sorted(e.details["to"] for e in _journal("change")) == ["done", "in_progress"]


def test_a_move_retried_with_its_key_is_made_once(ward, coordinator_api):
    case = open_case(ward)
    step = _with_step(ward, case)
    first = coordinator_api.post(_move(case, step), {"to": "in_progress", "version": 1}, key="move-1")
    again = coordinator_api.post(_move(case, step), {"to": "in_progress", "version": 1}, key="move-1")
    assert again.status_code == 200 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert len(_journal("change")) == 1


def test_a_failure_needs_its_reason(ward, coordinator_api):
    case = open_case(ward)
    step = _with_step(ward, case)
    response = coordinator_api.post(_move(case, step), {"to": "failed", "version": 1})
    assert response.status_code == 422
    assert response.json()["errors"] == {"reason": ["This field is required."]}
    assert RouteStep.objects.get().status == "planned"


def test_a_move_the_life_cycle_does_not_allow_is_refused(ward, coordinator_api):
    case = open_case(ward)
    step = _with_step(ward, case)
    coordinator_api.post(_move(case, step), {"to": "done", "version": 1})
    response = coordinator_api.post(_move(case, step), {"to": "planned", "version": 2})
    assert response.status_code == 422
    assert response.json()["errors"] == {"to": ["This step cannot go from “done” to “planned”."]}


def test_a_stale_step_version_gets_409(ward, coordinator_api):
    case = open_case(ward)
    step = _with_step(ward, case)
    coordinator_api.post(_move(case, step), {"to": "in_progress", "version": 1})
    response = coordinator_api.post(_move(case, step), {"to": "done", "version": 1})
    assert response.status_code == 409 and response.json()["current_version"] == 2


def test_a_step_of_another_case_is_not_found(ward, coordinator_api):
    case = open_case(ward)
    other = services.open_hospital_case(
        actor=Actor(ward.coordinator),
        person=PersonFactory(),
        reason="поступил",
        stay=services.StayDetails(admitted_on=timezone.localdate()),
    )
    step = _with_step(ward, other)
    response = coordinator_api.post(_move(case, step), {"to": "in_progress", "version": 1})
    assert response.status_code == 404
    assert coordinator_api.post(f"{CASES}/{case.pk}/steps/{2**63}/moves", {"to": "done", "version": 1}).status_code == (
        404
    )


# --- needs ----------------------------------------------------------------------------------------------
def test_an_assessment_answers_the_proposed_steps(ward, coordinator_api):
    case = open_case(ward)

    response = coordinator_api.post(
        f"{CASES}/{case.pk}/assessments", {"needs": ["documents", "relatives"], "note": "без паспорта"}, key="a-1"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["assessment"]["number"] == 1
    assert body["assessment"]["needs"] == ["documents", "relatives"]
    assert body["assessment"]["assessed_by"] == "Татьяна Иванова"
    assert {p["need"] for p in body["proposals"]} == {"documents", "relatives"}
    assert all(p["due_on"] for p in body["proposals"])
    assert not case.steps.exists()  # proposed, not added
    [entry] = _journal("change")
    assert entry.details == {"assessment": 1, "needs": ["documents", "relatives"]}


def test_an_unknown_need_is_refused(ward, coordinator_api):
    case = open_case(ward)
    response = coordinator_api.post(f"{CASES}/{case.pk}/assessments", {"needs": ["documents", "luck"]})
    assert response.status_code == 422
    assert response.json()["errors"] == {"needs": ["Unknown needs: luck."]}
    assert not NeedsAssessment.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("hospital_supervisor", 403), ("stranger", 404)])
def test_only_the_hospitals_coordinators_assess(ward, api_as, who, status):
    case = open_case(ward)
    response = api_as(getattr(ward, who)).post(f"{CASES}/{case.pk}/assessments", {"needs": []})
    assert response.status_code == status
    assert not NeedsAssessment.objects.exists()


def test_versions_are_bounded_by_the_column(ward, coordinator_api):
    """The version is a 32-bit column and a write stores the next one: a larger one is refused before the
    database would fail the statement (PostgreSQL: integer out of range)."""
    case = open_case(ward)
    step = _with_step(ward, case)
    too_big = coordinator_api.patch(f"{CASES}/{case.pk}", {"version": 2**63 - 1, "department": "Хирургия"})
    highest = coordinator_api.patch(f"{CASES}/{case.pk}", {"version": 2**31 - 2, "department": "Хирургия"})
    step_too_big = coordinator_api.post(_move(case, step), {"to": "done", "version": 2**31 - 1})
    assert too_big.status_code == step_too_big.status_code == 422
    assert too_big.json()["errors"] == {"version": ["Ensure this value is less than or equal to 2147483646."]}
    assert highest.status_code == 409 and highest.json()["current_version"] == 1
