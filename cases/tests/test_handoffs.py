"""The closed-loop hand-off to the TCSO: made from a step with the patient's consent, moved by the TCSO's
own moves of the request, withdrawn by the hospital, escalated when not accepted in time."""

import datetime
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone, translation

from assistance import services as assistance
from assistance.models import HelpRequest, IntakeChannel
from assistance.tests.factories import ServiceTypeFactory
from audit.models import AuditEvent
from cases import handoffs, services
from cases.models import Case, Handoff, RouteStep
from cases.tests.conftest import Ward, open_case
from core.actor import Actor
from core.exceptions import ValidationError
from directory.models import Organisation
from notify.models import OutboxMessage
from people import services as people_services
from people.models import Consent
from people.tests.factories import OrganisationFactory, WorkerFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)


@dataclass
class Hand:
    ward: Ward
    case: Case
    step: RouteStep
    tcso: Organisation
    other_tcso: Organisation
    dispatcher: User
    other_dispatcher: User
    worker: object


def _user(role: str, name: str, organisation: Organisation | None, **extra: object) -> tuple[User, object]:
    user = User.objects.create_user(username=f"h-{role}-{name}", first_name=name, last_name="Петрова", **extra)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    worker = WorkerFactory(user=user, organisation=organisation, given_name=name) if organisation else None
    return user, worker


@pytest.fixture
def hand(ward: Ward) -> Hand:
    tcso = OrganisationFactory(name="ТЦСО «Царицынский»", kind=Organisation.Kind.TCSO)
    tcso.districts.add(ward.patient.district)
    other_tcso = OrganisationFactory(name="ТЦСО «Бирюлёво»", kind=Organisation.Kind.TCSO)
    dispatcher, _w = _user("dispatcher", "Ольга", tcso, email="olga@tcso.example")
    other_dispatcher, _w = _user("dispatcher", "Вера", other_tcso)
    _social, worker = _user("social_worker", "Светлана", tcso)
    ServiceTypeFactory(code="home_care", name="Надомное обслуживание", target_hours=48, handles_money=False)
    case = open_case(ward)
    (step,) = services.add_steps(
        actor=Actor(ward.coordinator),
        case=case,
        steps=[services.NewStep(title="Надомное обслуживание после выписки", kind="home_care", responsible="tcso")],
    )
    return Hand(ward, case, step, tcso, other_tcso, dispatcher, other_dispatcher, worker)


def _consent(hand: Hand) -> Consent:
    return people_services.give_consent(
        person=hand.case.person,
        scope=Consent.Scope.SHARE_WITH_TCSO,
        actor=Actor(hand.ward.coordinator),
        evidence="сказала при координаторе",
    )


def _hand_over(hand: Hand, **extra: object) -> Handoff:
    from assistance.models import ServiceType

    return handoffs.create_handoff(
        actor=Actor(hand.ward.coordinator),
        step=hand.step,
        service_type=ServiceType.objects.get(code="home_care"),
        details="Выписка в пятницу, 5 этаж без лифта",
        **extra,  # type: ignore[arg-type]
    )


def _request(handoff: Handoff) -> HelpRequest:
    return HelpRequest.objects.get(pk=handoff.request_id)


def _refresh(handoff: Handoff) -> Handoff:
    handoff.refresh_from_db()
    return handoff


def test_no_hand_off_without_the_consent_to_share_with_a_tcso(hand):
    with pytest.raises(ValidationError) as error, translation.override("en"):
        _hand_over(hand)
    assert "consent" in error.value.message_dict
    assert "Record the consent first" in error.value.message_dict["consent"][0]
    assert not Handoff.objects.exists() and not HelpRequest.objects.exists()


def test_a_withdrawn_consent_does_not_count(hand):
    consent = _consent(hand)
    people_services.withdraw_consent(consent=consent, actor=Actor(hand.ward.coordinator))
    with pytest.raises(ValidationError):
        _hand_over(hand)


def test_a_hand_off_registers_a_request_from_the_case_for_the_districts_tcso(hand):
    _consent(hand)
    with time_machine.travel(START, tick=False):
        handoff = _hand_over(hand)
    request = _request(handoff)
    assert request.tcso == hand.tcso == handoff.tcso
    assert request.intake_channel == IntakeChannel.CASE
    assert request.status == "new" and request.person == hand.case.person
    assert "ГКБ № 1" in request.details and f"случай № {hand.case.pk}" in request.details
    assert "5 этаж без лифта" in request.details
    assert handoff.status == Handoff.Status.REQUESTED
    assert handoff.accept_by == START + datetime.timedelta(hours=24)
    hand.step.refresh_from_db()
    assert hand.step.status == RouteStep.Status.IN_PROGRESS
    assert list(hand.step.handoffs.all()) == [handoff]  # the step and the request linked both ways
    entries = AuditEvent.objects.filter(object_type="cases.case", object_id=str(hand.case.pk))
    assert any(e.details.get("handoff") == handoff.pk and e.person_id == hand.case.person_id for e in entries)


def test_an_urgent_hand_off_is_to_be_accepted_in_a_quarter_of_the_time(hand):
    _consent(hand)
    with time_machine.travel(START, tick=False):
        handoff = _hand_over(hand, urgency="urgent")
    assert handoff.accept_by == START + datetime.timedelta(hours=6)


def test_a_step_is_handed_over_once_at_a_time(hand):
    _consent(hand)
    _hand_over(hand)
    with pytest.raises(ValidationError) as error:
        _hand_over(hand)
    assert "step" in error.value.message_dict
    assert Handoff.objects.count() == 1 and HelpRequest.objects.count() == 1


def test_a_patient_without_a_district_cannot_be_handed_over_and_nothing_is_saved(hand):
    _consent(hand)
    type(hand.case.person).objects.filter(pk=hand.case.person_id).update(district=None)
    hand.case.person.refresh_from_db()
    with pytest.raises(ValidationError):
        _hand_over(hand)
    assert not Handoff.objects.exists() and not HelpRequest.objects.exists()
    hand.step.refresh_from_db()
    assert hand.step.status == RouteStep.Status.PLANNED


def test_the_tcsos_moves_drive_the_hand_off_and_close_the_step(hand):
    _consent(hand)
    handoff = _hand_over(hand)
    request = _request(handoff)
    dispatcher = Actor(hand.dispatcher)
    assistance.accept_and_assign(help_request=request, assignee=hand.worker, actor=dispatcher, version=request.version)
    assert _refresh(handoff).status == Handoff.Status.ACCEPTED
    assistance.transition(help_request=request, to="in_progress", actor=dispatcher, version=request.version)
    assert _refresh(handoff).status == Handoff.Status.IN_PROGRESS
    assistance.transition(help_request=request, to="done", actor=dispatcher, version=request.version)
    assert _refresh(handoff).status == Handoff.Status.COMPLETED
    hand.step.refresh_from_db()
    assert hand.step.status == RouteStep.Status.DONE
    assert f"№ {request.pk}" in hand.step.result


def test_a_tcso_that_cancels_a_new_request_rejects_the_hand_off_with_its_reason(hand):
    _consent(hand)
    handoff = _hand_over(hand)
    request = _request(handoff)
    assistance.transition(
        help_request=request,
        to="cancelled",
        actor=Actor(hand.dispatcher),
        version=request.version,
        reason="не наш адрес",
    )
    handoff = _refresh(handoff)
    assert (handoff.status, handoff.status_reason) == (Handoff.Status.REJECTED, "не наш адрес")
    hand.step.refresh_from_db()
    assert hand.step.status == RouteStep.Status.FAILED and "не наш адрес" in hand.step.failure_reason
    # The step can be planned again and handed over anew.
    services.move_step(
        actor=Actor(hand.ward.coordinator), step=hand.step, to="planned", expected_version=hand.step.version
    )
    assert _hand_over(hand).status == Handoff.Status.REQUESTED


def test_a_request_that_could_not_be_done_fails_the_hand_off(hand):
    _consent(hand)
    handoff = _hand_over(hand)
    request = _request(handoff)
    dispatcher = Actor(hand.dispatcher)
    assistance.accept_and_assign(help_request=request, assignee=hand.worker, actor=dispatcher, version=request.version)
    assistance.transition(
        help_request=request, to="failed", actor=dispatcher, version=request.version, reason="не открыли"
    )
    handoff = _refresh(handoff)
    assert (handoff.status, handoff.status_reason) == (Handoff.Status.FAILED, "не открыли")


def test_a_transfer_to_another_tcso_waits_for_it_to_accept_with_a_new_clock(hand):
    _consent(hand)
    with time_machine.travel(START, tick=False):
        handoff = _hand_over(hand)
    request = _request(handoff)
    later = START + datetime.timedelta(hours=3)
    with time_machine.travel(later, tick=False):
        assistance.transition(
            help_request=request, to="accepted", actor=Actor(hand.dispatcher), version=request.version
        )
        assistance.transfer(
            help_request=request,
            to_tcso=hand.other_tcso,
            actor=Actor(hand.dispatcher),
            version=request.version,
            reason="адрес в Бирюлёво",
        )
    handoff = _refresh(handoff)
    assert handoff.status == Handoff.Status.REQUESTED and handoff.tcso == hand.other_tcso
    assert handoff.accept_by == later + datetime.timedelta(hours=24)


def test_work_begun_then_handed_to_another_tcso_waits_for_that_tcso_to_accept(hand):
    """Found by the property test of the hand-off's life: begun, handed back by the worker, assigned again,
    the worker withdrawn, then handed to another TCSO. The hand-off stayed "in progress" at the first TCSO
    while the request waited, new, in the other's queue."""
    _consent(hand)
    handoff = _hand_over(hand)
    request = _request(handoff)
    dispatcher = Actor(hand.dispatcher)
    assistance.accept_and_assign(help_request=request, assignee=hand.worker, actor=dispatcher, version=request.version)
    assistance.transition(help_request=request, to="in_progress", actor=dispatcher, version=request.version)
    assert _refresh(handoff).status == Handoff.Status.IN_PROGRESS
    # The worker could not do it: back to the dispatcher, who assigns it again and then withdraws her.
    worker = Actor(hand.worker.user)
    assistance.transition(help_request=request, to="failed", actor=worker, version=request.version, reason="не застала")
    assert request.status == "returned"
    assistance.assign(help_request=request, assignee=hand.worker, actor=dispatcher, version=request.version)
    assistance.unassign(help_request=request, actor=dispatcher, version=request.version, reason="заболела")
    assistance.transfer(
        help_request=request, to_tcso=hand.other_tcso, actor=dispatcher, version=request.version, reason="переезд"
    )
    handoff = _refresh(handoff)
    assert (handoff.status, handoff.tcso) == (Handoff.Status.REQUESTED, hand.other_tcso)


def test_the_hospital_withdraws_a_hand_off_and_the_request_leaves_the_queue(hand):
    _consent(hand)
    handoff = _hand_over(hand)
    handoffs.cancel_handoff(
        actor=Actor(hand.ward.coordinator),
        handoff=handoff,
        reason="пациент остаётся в больнице",
        expected_version=handoff.version,
    )
    handoff = _refresh(handoff)
    assert handoff.status == Handoff.Status.CANCELLED  # not "rejected": the sender withdrew it
    request = _request(handoff)
    assert request.status == "cancelled" and "пациент остаётся в больнице" in request.close_reason
    hand.step.refresh_from_db()
    assert hand.step.status == RouteStep.Status.IN_PROGRESS  # the coordinator decides what next


def test_a_stale_withdrawal_is_refused(hand):
    from core.exceptions import ConcurrentEditError

    _consent(hand)
    handoff = _hand_over(hand)
    request = _request(handoff)
    assistance.transition(help_request=request, to="accepted", actor=Actor(hand.dispatcher), version=request.version)
    with pytest.raises(ConcurrentEditError):
        handoffs.cancel_handoff(actor=Actor(hand.ward.coordinator), handoff=handoff, reason="x", expected_version=1)
    assert _refresh(handoff).status == Handoff.Status.ACCEPTED


def test_another_hospitals_coordinator_cannot_hand_over(hand):
    from django.core.exceptions import PermissionDenied

    _consent(hand)
    from assistance.models import ServiceType

    with pytest.raises(PermissionDenied):
        handoffs.create_handoff(
            actor=Actor(hand.ward.stranger), step=hand.step, service_type=ServiceType.objects.get(code="home_care")
        )


# --- escalation, with a controlled clock ------------------------------------------------------------


def test_a_hand_off_not_accepted_in_time_is_escalated_once_to_the_dispatchers_and_the_supervisor(hand):
    _consent(hand)
    with time_machine.travel(START, tick=False):
        handoff = _hand_over(hand)
    with time_machine.travel(START + datetime.timedelta(hours=23, minutes=59), tick=False):
        assert handoffs.escalate_overdue() == 0
    with time_machine.travel(START + datetime.timedelta(hours=24, minutes=1), tick=False):
        assert handoffs.escalate_overdue() == 1
        assert handoffs.escalate_overdue() == 0  # once
    handoff = _refresh(handoff)
    assert handoff.escalated_at == START + datetime.timedelta(hours=24, minutes=1)
    messages = OutboxMessage.objects.filter(related_type="cases.handoff", related_id=str(handoff.pk))
    recipients = set(messages.values_list("recipient", flat=True))
    assert "olga@tcso.example" in recipients  # the TCSO's dispatcher, by e-mail
    supervisor = hand.ward.hospital_supervisor.get_username()
    assert supervisor in recipients  # the hospital's supervisor (no e-mail, no phone: the log)
    assert hand.other_dispatcher.get_username() not in recipients
    assert hand.ward.city_supervisor.get_username() not in recipients  # the hospital has its own
    body = messages.first().body
    assert f"№ {handoff.request_id}" in body and hand.case.person.surname not in body


def test_an_accepted_hand_off_is_not_escalated(hand):
    _consent(hand)
    with time_machine.travel(START, tick=False):
        handoff = _hand_over(hand)
        request = _request(handoff)
        assistance.transition(
            help_request=request, to="accepted", actor=Actor(hand.dispatcher), version=request.version
        )
    with time_machine.travel(START + datetime.timedelta(days=3), tick=False):
        assert handoffs.escalate_overdue() == 0


def test_without_hospital_supervisors_the_city_supervisors_hear_of_it(hand):
    _consent(hand)
    hand.ward.hospital_supervisor.groups.clear()
    with time_machine.travel(START, tick=False):
        handoff = _hand_over(hand)
    with time_machine.travel(START + datetime.timedelta(hours=25), tick=False):
        handoffs.escalate_overdue()
    recipients = set(
        OutboxMessage.objects.filter(related_id=str(handoff.pk), related_type="cases.handoff").values_list(
            "recipient", flat=True
        )
    )
    assert hand.ward.city_supervisor.get_username() in recipients


def test_the_escalate_command_runs_once(hand, capsys):
    from django.core.management import call_command

    _consent(hand)
    with time_machine.travel(START, tick=False):
        _hand_over(hand)
    with time_machine.travel(START + datetime.timedelta(hours=30), tick=False):
        call_command("escalate_handoffs")
    assert "hand-offs escalated: 1" in capsys.readouterr().out


# --- pages --------------------------------------------------------------------------------------------


def test_the_case_page_asks_for_the_consent_first(client, hand):
    client.force_login(hand.ward.coordinator)
    html = client.get(reverse("cases:detail", args=[hand.case.pk]), headers={"Accept-Language": "en"}).content.decode()
    assert 'data-testid="share-consent-missing"' in html
    assert 'data-testid="handoff-form"' not in html


def test_the_coordinator_hands_over_from_the_case_page(client, hand):
    from assistance.models import ServiceType

    _consent(hand)
    client.force_login(hand.ward.coordinator)
    url = reverse("cases:detail", args=[hand.case.pk])
    assert 'data-testid="handoff-form"' in client.get(url).content.decode()
    service = ServiceType.objects.get(code="home_care")
    response = client.post(
        reverse("cases:hand_over", args=[hand.case.pk]),
        {"step": hand.step.pk, "service_type": service.pk, "urgency": "normal", "details": "ключи у дочери"},
        headers={"Accept-Language": "en"},
        follow=True,
    )
    handoff = Handoff.objects.get()
    assert f"request № {handoff.request_id}" in response.content.decode()
    assert 'data-testid="handoff" data-status="requested"' in response.content.decode()
    assert 'data-testid="step-handoff"' in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"step": "99999999999999999999", "service_type": "1", "urgency": "normal"},
        {"step": "", "service_type": "", "urgency": "sometimes"},
        {"step": "1", "service_type": "1\x00", "urgency": "normal", "details": "\x07" * 10},
    ],
)
def test_bad_hand_off_input_is_refused_with_a_message(client, hand, data):
    _consent(hand)
    client.force_login(hand.ward.coordinator)
    response = client.post(reverse("cases:hand_over", args=[hand.case.pk]), data, follow=True)
    assert response.status_code == 200
    assert not Handoff.objects.exists()


def test_the_dispatcher_sees_the_hand_offs_to_their_tcso(client, hand):
    _consent(hand)
    handoff = _hand_over(hand)
    client.force_login(hand.dispatcher)
    html = client.get(reverse("cases:handoffs")).content.decode()
    assert f"№ {handoff.request_id}" in html and hand.case.person.surname in html
    assert reverse("assistance:request", args=[handoff.request_id]) in html
    client.force_login(hand.other_dispatcher)
    assert f"№ {handoff.request_id}" not in client.get(reverse("cases:handoffs")).content.decode()


def test_the_request_page_says_it_came_from_a_case(client, hand):
    _consent(hand)
    handoff = _hand_over(hand)
    client.force_login(hand.dispatcher)
    html = client.get(reverse("assistance:request", args=[handoff.request_id]), headers={"Accept-Language": "en"})
    assert "from a case" in html.content.decode()


def test_the_case_page_shows_the_live_status_after_the_tcso_accepts(client, hand):
    _consent(hand)
    handoff = _hand_over(hand)
    request = _request(handoff)
    assistance.transition(help_request=request, to="accepted", actor=Actor(hand.dispatcher), version=request.version)
    client.force_login(hand.ward.coordinator)
    html = client.get(reverse("cases:detail", args=[hand.case.pk])).content.decode()
    assert 'data-testid="handoff" data-status="accepted"' in html
    assert timezone.now().date() >= handoff.created_at.date()


def test_a_colleague_of_the_same_hospital_withdraws_it_too_but_not_another_hospital(hand):
    from django.core.exceptions import PermissionDenied

    _consent(hand)
    handoff = _hand_over(hand)
    with pytest.raises(PermissionDenied):
        handoffs.cancel_handoff(actor=Actor(hand.ward.stranger), handoff=handoff, reason="x", expected_version=1)
    handoffs.cancel_handoff(
        actor=Actor(hand.ward.colleague), handoff=handoff, reason="выписка отложена", expected_version=1
    )
    assert _refresh(handoff).status == Handoff.Status.CANCELLED
    assert _request(handoff).status == "cancelled"


# --- the API ------------------------------------------------------------------------------------------


def _api(client, user):  # type: ignore[no-untyped-def]
    from api.models import ApiToken
    from api.tests.conftest import JsonClient

    return JsonClient(client, ApiToken.issue(user=user, name="test")[1])


def test_the_api_hands_over_lists_and_replays_idempotently(client, hand):
    _consent(hand)
    api = _api(client, hand.ward.coordinator)
    url = f"/api/v1/cases/{hand.case.pk}/handoffs"
    body = {"step_id": hand.step.pk, "service_type": "home_care", "details": "ключи у дочери"}
    made = api.post(url, body, key="handoff-1")
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["status"] == "requested" and data["tcso"]["id"] == hand.tcso.pk
    assert HelpRequest.objects.get(pk=data["request_id"]).intake_channel == "case"
    again = api.post(url, body, key="handoff-1")
    assert again.status_code == 201 and again.json()["id"] == data["id"]
    assert Handoff.objects.count() == 1 and HelpRequest.objects.count() == 1
    listed = api.get(url)
    assert listed.status_code == 200 and [h["id"] for h in listed.json()["results"]] == [data["id"]]
    assert AuditEvent.objects.filter(
        action="view", object_id=str(hand.case.pk), actor_id=hand.ward.coordinator.pk
    ).exists()


def test_the_api_refuses_without_consent_an_unknown_service_and_another_cases_step(client, hand):
    api = _api(client, hand.ward.coordinator)
    url = f"/api/v1/cases/{hand.case.pk}/handoffs"
    refused = api.post(url, {"step_id": hand.step.pk, "service_type": "home_care"})
    assert refused.status_code == 422 and "consent" in refused.json()["errors"]
    _consent(hand)
    unknown = api.post(url, {"step_id": hand.step.pk, "service_type": "no-such"})
    assert unknown.status_code == 422 and "service_type" in unknown.json()["errors"]
    huge = api.post(url, {"step_id": 10**30, "service_type": "home_care"})
    assert huge.status_code == 422
    assert not Handoff.objects.exists()


def test_the_api_withdraws_with_version_and_reason(client, hand):
    _consent(hand)
    handoff = _hand_over(hand)
    api = _api(client, hand.ward.coordinator)
    url = f"/api/v1/cases/{hand.case.pk}/handoffs/{handoff.pk}/withdrawal"
    stale = api.post(url, {"reason": "остаётся", "version": handoff.version + 5})
    assert stale.status_code == 409 and stale.json()["current_version"] == handoff.version
    done = api.post(url, {"reason": "остаётся в больнице", "version": handoff.version})
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    again = api.post(url, {"reason": "ещё раз", "version": done.json()["version"]})
    assert again.status_code == 422


def test_the_api_answers_another_hospital_404_and_a_dispatcher_403(client, hand):
    _consent(hand)
    _hand_over(hand)
    url = f"/api/v1/cases/{hand.case.pk}/handoffs"
    assert _api(client, hand.ward.stranger).get(url).status_code == 404
    assert _api(client, hand.dispatcher).get(url).status_code == 403
