"""Crises (issue 12 §1): marking tells the hospital's psychologists and supervisors at once through the
outbox, the first psychologist who takes it answers it (the response time is recorded to the minute),
and the coordinator or that psychologist ends it; every step is journaled on the case."""

import datetime
import re
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from cases import crisis, services
from cases.models import Case, CrisisAlert
from cases.tests.conftest import Ward, open_case
from core.actor import Actor
from core.exceptions import ValidationError
from notify.models import OutboxMessage
from people.tests.factories import PersonFactory, WorkerFactory

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}
MARKED_AT = datetime.datetime(2025, 3, 10, 9, 0, tzinfo=datetime.UTC)


@dataclass
class Team:
    psychologist: User  # of the hospital, with an e-mail
    colleague: User  # a second psychologist of the hospital, with a phone only
    elsewhere: User  # a psychologist of the other hospital
    case: Case


@pytest.fixture
def team(ward: Ward, make_user, time_machine) -> Team:
    time_machine.move_to(MARKED_AT, tick=False)

    def psychologist(organisation, name: str, **extra) -> User:
        user = make_user("psychologist", first_name=name, last_name="Зайцева", email=extra.pop("email", ""))
        WorkerFactory(user=user, organisation=organisation, given_name=name, **extra)
        return user

    return Team(
        psychologist=psychologist(ward.hospital, "Ирина", email="zaitseva@gkb1.example.ru"),
        colleague=psychologist(ward.hospital, "Ольга", public_phone="8 (916) 123-45-67"),
        elsewhere=psychologist(ward.other_hospital, "Вера", email="vera@gkb2.example.ru"),
        case=open_case(ward),
    )


def _mark(ward: Ward, case: Case, note: str = "говорит, что не хочет жить") -> CrisisAlert:
    return crisis.mark_crisis(actor=Actor(ward.coordinator), case=case, note=note)


def _events(case: Case) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk), fields=["crisis"]))


# --- marking and telling -----------------------------------------------------------------------------


def test_marking_tells_the_hospitals_psychologists_and_supervisor_but_not_the_patients_name(ward, team):
    alert = _mark(ward, team.case)
    messages = {m.recipient: m for m in OutboxMessage.objects.all()}
    assert set(messages) == {"zaitseva@gkb1.example.ru", "+79161234567", ward.hospital_supervisor.username}
    assert [messages[r].channel for r in sorted(messages)] == ["sms", "log", "email"]
    email = messages["zaitseva@gkb1.example.ru"]
    assert str(team.case.pk) in email.subject
    for message in messages.values():
        assert message.related_type == "cases.crisisalert" and message.related_id == str(alert.pk)
        assert f"№ {team.case.pk}" in message.body and "ГКБ № 1" in message.body and "Терапия" in message.body
        assert "Татьяна Иванова" in message.body and reverse("cases:crises") in message.body
        for secret in ("Соколова", "Мария", "Петровна", "1941", "не хочет жить"):
            assert secret not in message.body and secret not in message.subject
        assert message.person_id is None  # the message is about the team's work, not a text to the citizen


def test_psychologists_of_another_hospital_and_city_supervisors_are_not_told_when_the_hospital_has_its_own(ward, team):
    _mark(ward, team.case)
    recipients = set(OutboxMessage.objects.values_list("recipient", flat=True))
    assert "vera@gkb2.example.ru" not in recipients and ward.city_supervisor.username not in recipients


def test_a_hospital_without_supervisors_tells_the_city_supervisors(ward, team):
    case = open_case(ward, ward.stranger)  # at the other hospital, which has no supervisor
    crisis.mark_crisis(actor=Actor(ward.stranger), case=case, note="паническая атака")
    recipients = set(OutboxMessage.objects.values_list("recipient", flat=True))
    assert recipients == {"vera@gkb2.example.ru", ward.city_supervisor.username}


def test_inactive_psychologists_are_not_told(ward, team):
    team.colleague.is_active = False
    team.colleague.save()
    _mark(ward, team.case)
    assert not OutboxMessage.objects.filter(recipient="+79161234567").exists()


def test_telling_again_queues_nothing_new(ward, team):
    alert = _mark(ward, team.case)
    assert OutboxMessage.objects.count() == 3
    crisis.notify_team(alert)
    assert OutboxMessage.objects.count() == 3
    keys = set(OutboxMessage.objects.values_list("dedup_key", flat=True))
    assert keys == {
        f"crisis:{alert.pk}:user:{u.pk}" for u in (team.psychologist, team.colleague, ward.hospital_supervisor)
    }


def test_a_bad_address_falls_back_to_the_next(ward, team):
    team.psychologist.email = "not an address"
    team.psychologist.save()
    _mark(ward, team.case)
    assert OutboxMessage.objects.filter(channel="log", recipient=team.psychologist.username).exists()


def test_a_second_open_crisis_is_refused_and_nothing_is_saved(ward, team):
    _mark(ward, team.case)
    with translation.override("en"), pytest.raises(ValidationError, match="already open"):
        crisis.mark_crisis(actor=Actor(ward.colleague), case=team.case, note="ещё раз")
    assert CrisisAlert.objects.count() == 1 and OutboxMessage.objects.count() == 3 and len(_events(team.case)) == 1


def test_the_database_refuses_a_second_open_crisis_that_slipped_past_the_check(ward, team, monkeypatch):
    _mark(ward, team.case)
    # As if the other coordinator's crisis committed between our check and our insert.
    monkeypatch.setattr("django.db.models.query.QuerySet.exists", lambda self: False)
    with translation.override("en"), pytest.raises(ValidationError, match="already open"):
        crisis.mark_crisis(actor=Actor(ward.colleague), case=team.case, note="ещё раз")
    assert CrisisAlert.objects.count() == 1


def test_the_note_is_required_bounded_and_without_control_characters(ward, team):
    with translation.override("en"):
        for note, problem in (("  ", "This field is required."), ("x" * 501, "At most 500 characters.")):
            with pytest.raises(ValidationError) as refused:
                _mark(ward, team.case, note)
            assert refused.value.message_dict == {"note": [problem]}
        with pytest.raises(ValidationError) as refused:
            _mark(ward, team.case, "плохо\x00")
        assert set(refused.value.message_dict) == {"note"}
    assert not CrisisAlert.objects.exists() and not OutboxMessage.objects.exists()


def test_only_the_hospitals_coordinators_mark_a_crisis_on_an_open_case(ward, team):
    for outsider in (ward.stranger, ward.hospital_supervisor, team.psychologist):
        with pytest.raises(PermissionDenied):
            crisis.mark_crisis(actor=Actor(outsider), case=team.case, note="плохо")
    Case.objects.filter(pk=team.case.pk).update(status="closed", closed_at=timezone.now(), outcome="helped")
    team.case.refresh_from_db()
    with translation.override("en"), pytest.raises(ValidationError, match="The case is closed"):
        _mark(ward, team.case)
    assert not CrisisAlert.objects.exists()


# --- answering --------------------------------------------------------------------------------------


def test_the_answer_records_the_minutes_to_answer(ward, team, time_machine):
    alert = _mark(ward, team.case)
    time_machine.move_to(MARKED_AT + datetime.timedelta(minutes=17, seconds=40), tick=False)
    crisis.answer_crisis(actor=Actor(team.colleague), alert=alert)
    alert.refresh_from_db()
    assert alert.answered_by == team.colleague and alert.minutes_to_answer == 17
    assert alert.answered_at == MARKED_AT + datetime.timedelta(minutes=17, seconds=40)


def test_a_second_psychologist_is_told_who_took_it_and_when(ward, team, time_machine):
    alert = _mark(ward, team.case)
    stale = CrisisAlert.objects.get(pk=alert.pk)  # the second psychologist's page, loaded before the first answer
    time_machine.move_to(MARKED_AT + datetime.timedelta(minutes=5), tick=False)
    crisis.answer_crisis(actor=Actor(team.psychologist), alert=alert)
    taken_at = timezone.localtime(MARKED_AT + datetime.timedelta(minutes=5)).strftime("%H:%M")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        crisis.answer_crisis(actor=Actor(team.colleague), alert=stale)
    assert refused.value.messages == [f"This crisis is already taken by Ирина Зайцева at {taken_at}."]
    alert.refresh_from_db()
    assert alert.answered_by == team.psychologist and alert.minutes_to_answer == 5


def test_a_psychologist_of_another_hospital_cannot_take_it(ward, team, client):
    alert = _mark(ward, team.case)
    with pytest.raises(PermissionDenied):
        crisis.answer_crisis(actor=Actor(team.elsewhere), alert=alert)
    client.force_login(team.elsewhere)
    assert client.post(reverse("cases:answer_crisis", args=[alert.pk])).status_code == 404
    alert.refresh_from_db()
    assert alert.answered_at is None


def test_coordinators_and_supervisors_do_not_take_crises(ward, team, client):
    alert = _mark(ward, team.case)
    for user in (ward.coordinator, ward.hospital_supervisor, ward.city_supervisor):
        client.force_login(user)
        assert client.post(reverse("cases:answer_crisis", args=[alert.pk])).status_code == 403


def test_an_ended_crisis_cannot_be_taken(ward, team):
    alert = _mark(ward, team.case)
    crisis.end_crisis(actor=Actor(ward.coordinator), alert=alert, outcome="успокоилась, психолог не нужен")
    with translation.override("en"), pytest.raises(ValidationError, match="already over"):
        crisis.answer_crisis(actor=Actor(team.psychologist), alert=alert)


# --- ending -----------------------------------------------------------------------------------------


def test_ended_by_the_coordinator_unanswered_it_stays_unanswered(ward, team, time_machine):
    alert = _mark(ward, team.case)
    time_machine.move_to(MARKED_AT + datetime.timedelta(minutes=40), tick=False)
    crisis.end_crisis(actor=Actor(ward.colleague), alert=alert, outcome="приехали родственники")
    alert.refresh_from_db()
    assert alert.ended_by == ward.colleague and alert.outcome == "приехали родственники"
    assert alert.ended_at == MARKED_AT + datetime.timedelta(minutes=40)
    assert alert.answered_at is None and alert.minutes_to_answer is None
    assert not team.case.in_crisis
    _mark(ward, team.case, "снова")  # a new crisis may be marked now
    assert CrisisAlert.objects.filter(case=team.case).count() == 2


def test_the_psychologist_who_took_it_ends_it_and_no_other(ward, team):
    alert = _mark(ward, team.case)
    crisis.answer_crisis(actor=Actor(team.psychologist), alert=alert)
    for outsider in (team.colleague, team.elsewhere, ward.stranger, ward.hospital_supervisor):
        with pytest.raises(PermissionDenied):
            crisis.end_crisis(actor=Actor(outsider), alert=alert, outcome="всё")
    crisis.end_crisis(actor=Actor(team.psychologist), alert=alert, outcome="консультация, состояние стабильно")
    alert.refresh_from_db()
    assert alert.ended_by == team.psychologist and alert.answered_by == team.psychologist


def test_ending_needs_what_was_done_and_happens_once(ward, team):
    alert = _mark(ward, team.case)
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            crisis.end_crisis(actor=Actor(ward.coordinator), alert=alert, outcome=" ")
        assert refused.value.message_dict == {"outcome": ["This field is required."]}
        crisis.end_crisis(actor=Actor(ward.coordinator), alert=alert, outcome="всё хорошо")
        with pytest.raises(ValidationError, match="already over"):
            crisis.end_crisis(actor=Actor(ward.colleague), alert=alert, outcome="ещё раз")
    alert.refresh_from_db()
    assert alert.ended_by == ward.coordinator and alert.outcome == "всё хорошо"


def test_marking_answering_and_ending_are_journaled_on_the_case_with_the_patient(ward, team):
    alert = _mark(ward, team.case)
    crisis.answer_crisis(actor=Actor(team.psychologist), alert=alert)
    crisis.end_crisis(actor=Actor(team.psychologist), alert=alert, outcome="консультация")
    events = sorted(_events(team.case), key=lambda e: e.pk)
    assert [e.details["event"] for e in events] == ["marked", "answered", "ended"]
    assert {e.person_id for e in events} == {ward.patient.pk}
    assert {e.details["crisis"] for e in events} == {alert.pk}
    assert [e.actor_id for e in events] == [ward.coordinator.pk, team.psychologist.pk, team.psychologist.pk]
    assert events[0].details["told"] == 3 and events[1].details["minutes"] == 0
    assert all("не хочет жить" not in str(e.details) for e in events)


# --- pages ------------------------------------------------------------------------------------------


def _rows(client: Client, user: User) -> set[int]:
    client.force_login(user)
    response = client.get(reverse("cases:crises"), headers=EN)
    assert response.status_code == 200
    return {alert.pk for alert in response.context["alerts"]}


def test_the_crisis_list_shows_each_role_its_hospitals_crises(ward, team, make_user):
    here = _mark(ward, team.case)
    there = crisis.mark_crisis(actor=Actor(ward.stranger), case=open_case(ward, ward.stranger), note="плохо")
    client = Client()
    assert _rows(client, team.psychologist) == {here.pk}
    assert _rows(client, team.elsewhere) == {there.pk}
    assert _rows(client, ward.coordinator) == {here.pk}
    assert _rows(client, ward.stranger) == {there.pk}
    assert _rows(client, ward.hospital_supervisor) == {here.pk}
    assert _rows(client, ward.city_supervisor) == {here.pk, there.pk}
    assert _rows(client, make_user("psychologist")) == set()  # a psychologist of no hospital
    crisis.end_crisis(actor=Actor(ward.coordinator), alert=here, outcome="всё")
    assert _rows(client, team.psychologist) == set()


def test_the_crisis_list_puts_unanswered_first_and_offers_the_psychologist_to_take_them(ward, team, time_machine):
    first = _mark(ward, team.case)
    crisis.answer_crisis(actor=Actor(team.colleague), alert=first)
    time_machine.move_to(MARKED_AT + datetime.timedelta(minutes=3), tick=False)
    other_patient_case = open_case_for_new_patient(ward)
    second = _mark(ward, other_patient_case, "плачет, отказывается от еды")
    time_machine.move_to(MARKED_AT + datetime.timedelta(minutes=15), tick=False)
    client = Client()
    client.force_login(team.psychologist)
    response = client.get(reverse("cases:crises"), headers=EN)
    html = response.content.decode()
    assert [a.pk for a in response.context["alerts"]] == [second.pk, first.pk]
    assert "Соколова Мария Петровна" in html and "08.03.1941" in html and "плачет, отказывается от еды" in html
    assert "12 min" in html and "15 min" in html
    assert html.count('data-testid="answer-crisis"') == 1  # the unanswered one only
    assert 'data-testid="end-crisis"' not in html  # neither was taken by this psychologist
    assert reverse("cases:detail", args=[team.case.pk]) not in html  # no link to a page the psychologist may not open
    assert re.search(r'data-testid="nav-crises-count"[^>]*>1<', html)


def open_case_for_new_patient(ward: Ward) -> Case:
    return services.open_hospital_case(
        actor=Actor(ward.coordinator),
        person=PersonFactory(surname="Петров", given_name="Илья"),
        reason="поступил",
        stay=services.StayDetails(department="Хирургия", admitted_on=timezone.localdate()),
    )


def test_mark_take_and_end_through_the_pages(ward, team, time_machine):
    coordinator, psychologist = Client(), Client()
    coordinator.force_login(ward.coordinator)
    psychologist.force_login(team.psychologist)
    page = coordinator.get(reverse("cases:detail", args=[team.case.pk]), headers=EN).content.decode()
    assert 'data-testid="mark-crisis-form"' in page and 'data-testid="crisis-banner"' not in page

    marked = coordinator.post(reverse("cases:mark_crisis", args=[team.case.pk]), {"note": "угрожает уйти"}, headers=EN)
    assert marked.status_code == 302 and marked["Location"] == reverse("cases:detail", args=[team.case.pk])
    alert = CrisisAlert.objects.get()
    page = coordinator.get(marked["Location"], headers=EN).content.decode()
    assert "Told: Ирина Зайцева, Ольга Зайцева, Елена Иванова." in page
    assert 'data-testid="crisis-banner"' in page and "угрожает уйти" in page and "waiting for a psychologist" in page
    assert 'data-testid="mark-crisis-form"' not in page and 'data-testid="end-crisis-form"' in page

    time_machine.move_to(MARKED_AT + datetime.timedelta(minutes=17), tick=False)
    taken = psychologist.post(reverse("cases:answer_crisis", args=[alert.pk]), headers=EN)
    assert taken.status_code == 302 and taken["Location"] == reverse("cases:crises")
    page = coordinator.get(reverse("cases:detail", args=[team.case.pk]), headers=EN).content.decode()
    assert "Taken by the psychologist Ирина Зайцева" in page and "17 min after it was marked" in page
    worklist = coordinator.get(reverse("cases:worklist"), headers=EN).content.decode()
    assert 'data-testid="worklist-crisis"' in worklist and "taken by Ирина Зайцева in 17 min" in worklist

    listed = psychologist.get(reverse("cases:crises"), headers=EN).content.decode()
    assert 'data-testid="end-crisis"' in listed and 'data-testid="answer-crisis"' not in listed
    ended = psychologist.post(reverse("cases:end_crisis", args=[alert.pk]), {"outcome": "консультация"}, headers=EN)
    assert ended["Location"] == reverse("cases:crises")
    alert.refresh_from_db()
    assert alert.ended_by == team.psychologist and alert.minutes_to_answer == 17
    page = coordinator.get(reverse("cases:detail", args=[team.case.pk]), headers=EN).content.decode()
    assert 'data-testid="past-crisis"' in page and "in 17 min" in page and 'data-testid="mark-crisis-form"' in page


def test_the_coordinator_ends_it_from_the_case_page_and_comes_back_to_it(ward, team):
    alert = _mark(ward, team.case)
    client = Client()
    client.force_login(ward.coordinator)
    ended = client.post(reverse("cases:end_crisis", args=[alert.pk]), {"outcome": "всё", "back": "case"})
    assert ended["Location"] == reverse("cases:detail", args=[team.case.pk])
    alert.refresh_from_db()
    assert alert.ended_at is not None and alert.answered_at is None


def test_the_worklist_shows_the_open_crises_of_the_hospital_to_its_supervisor(ward, team):
    _mark(ward, team.case)
    client = Client()
    client.force_login(ward.hospital_supervisor)
    page = client.get(reverse("cases:worklist"), headers=EN).content.decode()
    assert 'data-testid="worklist-crises"' in page and "waiting for a psychologist for 0 min" in page
    assert reverse("cases:crises") in page
    client.force_login(ward.stranger)
    assert 'data-testid="worklist-crises"' not in client.get(reverse("cases:worklist")).content.decode()


def test_bad_input_is_refused_without_a_server_error(ward, team):
    client = Client()
    client.force_login(ward.coordinator)
    refused = client.post(reverse("cases:mark_crisis", args=[team.case.pk]), {"note": "плохо\x07"}, headers=EN)
    assert refused.status_code == 302 and not CrisisAlert.objects.exists()
    refused = client.post(reverse("cases:mark_crisis", args=[team.case.pk]), {"note": "x" * 5000}, headers=EN)
    assert refused.status_code == 302 and not CrisisAlert.objects.exists()
    huge = "/cases/crises/99999999999999999999999/end/"
    assert client.post(huge, {"outcome": "x"}).status_code == 404
    assert client.post("/cases/99999999999999999999999/crisis/", {"note": "x"}).status_code == 404
    alert = _mark(ward, team.case)
    refused = client.post(reverse("cases:end_crisis", args=[alert.pk]), {"outcome": "всё\x00"}, headers=EN)
    assert refused.status_code == 302
    alert.refresh_from_db()
    assert alert.ended_at is None
    psychologist = Client()
    psychologist.force_login(team.psychologist)
    assert psychologist.post("/cases/crises/99999999999999999999999/answer/").status_code == 404
    assert psychologist.get(reverse("cases:detail", args=[team.case.pk])).status_code == 403


def test_a_supervisor_sees_the_crisis_on_the_case_page_but_no_forms(ward, team):
    _mark(ward, team.case)
    client = Client()
    client.force_login(ward.hospital_supervisor)
    page = client.get(reverse("cases:detail", args=[team.case.pk]), headers=EN).content.decode()
    assert 'data-testid="crisis-banner"' in page and "говорит, что не хочет жить" in page
    assert 'data-testid="end-crisis-form"' not in page and 'data-testid="mark-crisis-form"' not in page


def test_a_case_with_an_open_crisis_cannot_be_closed(ward):
    from cases.models import CrisisAlert

    case = open_case(ward)
    CrisisAlert.objects.create(case=case, note="плачет", raised_by=ward.coordinator)
    with pytest.raises(ValidationError) as error, translation.override("en"):
        services.close_case(actor=Actor(ward.coordinator), case=case, outcome="helped", note="", expected_version=1)
    assert "A crisis is open" in error.value.messages[0]
    case.refresh_from_db()
    assert case.is_open
