"""The assistant's pages, as the assistant uses them: the day's worklist, the journey with its late steps,
the slot search that books and moves, the outcome that leaves a call, and the hand-overs that reach the
psychological service's day and the TCSO's queue."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.test import Client

from assistance.models import HelpRequest, ServiceType
from cases.models import RouteStep
from core.actor import Actor
from directory.models import Organisation
from navigation import journeys
from navigation.models import Appointment, CallTask, Handover, JourneyStep
from navigation.tests.test_appointments import booked, make_facilities
from navigation.tests.test_journeys import enrol
from people.models import Consent
from people.tests.factories import OrganisationFactory, WorkerFactory

MOSCOW = ZoneInfo("Europe/Moscow")
MONDAY = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=MOSCOW)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.django_db
def test_the_worklist_shows_the_calls_the_late_steps_and_todays_appointments(clinic):
    places = make_facilities(clinic)
    with time_machine.travel(MONDAY, tick=False):
        journey = enrol(clinic)
        booked(clinic, journey, places.slot("centre", "ct", days=8), kind="ct")
    assistant = journey.assistant
    with time_machine.travel(MONDAY + datetime.timedelta(days=8), tick=False):  # Tuesday 9 March
        page = text(client_for(assistant).get("/navigation/"))
        assert "Мой день" in page
        assert "Мой день" in page
        assert "Знакомство с новым пациентом" in page  # the welcome call at enrolment
        # The oncologist was due on Thursday 4 March: 5 and 9 March late (8 March is a holiday).
        assert "2 рабочих дня" in page and "Консультация онколога (ЦАОП)" in page
        assert "КТ" in page and "ЦАОП на Ключевой" in page  # today's appointment
        welcome = CallTask.objects.get(journey=journey, kind="welcome")
        response = client_for(assistant).post(
            f"/navigation/calls/{welcome.pk}/done/",
            {f"c{welcome.pk}-version": 1, f"c{welcome.pk}-result": "познакомились, объяснила маршрут", "next": "home"},
        )
        assert response.status_code == 302 and response["Location"] == "/navigation/"
    welcome.refresh_from_db()
    assert welcome.done_at is not None and welcome.result == "познакомились, объяснила маршрут"


@pytest.mark.django_db
def test_the_journey_page_says_which_step_is_late_by_how_much_and_why(clinic):
    with time_machine.travel(MONDAY, tick=False):
        journey = enrol(clinic)
    step = journey.steps.get()
    with time_machine.travel(MONDAY + datetime.timedelta(days=8), tick=False):
        client = client_for(journey.assistant)
        page = text(client.get(f"/navigation/journeys/{journey.pk}/"))
        assert "2 рабочих дня просрочки" in page and "причина не записана" in page
        client.post(
            f"/navigation/steps/{step.pk}/delay/",
            {f"d{step.pk}-version": 1, f"d{step.pk}-late_reason": "patient_ill", f"d{step.pk}-note": "ОРВИ"},
        )
        page = text(client.get(f"/navigation/journeys/{journey.pk}/"))
    assert "пациент болел или был в больнице — ОРВИ" in page
    step.refresh_from_db()
    assert step.late_reason == "patient_ill"


@pytest.mark.django_db
def test_the_assistant_finds_a_ct_books_it_moves_it_and_a_missed_visit_leaves_a_call(clinic):
    places = make_facilities(clinic)
    with time_machine.travel(MONDAY, tick=False):
        journey = enrol(clinic)
        far = places.slot("hospital", "ct", days=2, hour=9)
        near = places.slot("centre", "ct", days=2, hour=9)
        later = places.slot("centre", "ct", days=3, hour=11)
        client = client_for(journey.assistant)
        page = client.get(f"/navigation/journeys/{journey.pk}/slots/?resource=ct").content.decode()
        # Facility by facility, by their earliest time: at the same time the centre in the patient's okrug
        # first, with its later time too; then the hospital.
        assert page.index(f'value="{near.pk}"') < page.index(f'value="{later.pk}"') < page.index(f'value="{far.pk}"')
        assert "в округе пациента" in page
        response = client.post(f"/navigation/journeys/{journey.pk}/book/", {"slot": near.pk, "kind": "ct"})
        appointment = Appointment.objects.get()
        assert response["Location"] == f"/navigation/appointments/{appointment.pk}/"
        page = text(client.get(response["Location"]))
        assert "в очереди" in page and "за 1 день" in page and "за 2 часа" in page  # the reminders queued
        client.post(f"/navigation/appointments/{appointment.pk}/move/", {"version": 1, "slot": later.pk})
        appointment.refresh_from_db()
        assert appointment.booking.slot == later and appointment.version == 2
    with time_machine.travel(later.starts_at + datetime.timedelta(hours=2), tick=False):
        client = client_for(journey.assistant)  # a new shift, a new session
        page = text(client.get(f"/navigation/appointments/{appointment.pk}/"))
        assert "Как прошёл визит?" in page
        client.post(f"/navigation/appointments/{appointment.pk}/outcome/", {"version": 2, "outcome": "missed"})
        page = text(client.get("/navigation/"))
    assert CallTask.objects.filter(journey=journey, kind="missed_visit", done_at__isnull=True).count() == 1
    assert "Звонок после пропущенного приёма" in page


@pytest.mark.django_db
def test_the_patients_answer_to_a_reminder_is_recorded_on_the_appointment(clinic):
    places = make_facilities(clinic)
    journey = enrol(clinic)
    appointment = booked(clinic, journey, places.slot("centre", "oncologist", days=3))
    client = client_for(journey.assistant)
    page = text(client.get(f"/navigation/appointments/{appointment.pk}/"))
    assert "Ответ пациента на напоминание" in page
    response = client.post(f"/navigation/appointments/{appointment.pk}/reply/", {"version": 1, "reply": "move"})
    assert response["Location"] == f"/navigation/appointments/{appointment.pk}/"
    page = text(client.get("/navigation/"))
    assert "Подобрать с пациентом другое время" in page
    client.post(f"/navigation/appointments/{appointment.pk}/reply/", {"version": 2, "reply": "cancel"})
    appointment.refresh_from_db()
    assert appointment.status == "cancelled" and appointment.reply == "cancel"


@pytest.mark.django_db
def test_a_stale_move_of_the_stage_is_refused_on_the_page_and_nothing_changes(clinic):
    journey = enrol(clinic)
    client = client_for(journey.assistant)
    today = datetime.date.today().isoformat()
    client.post(f"/navigation/journeys/{journey.pk}/stage/", {"version": 1, "stage": "diagnostics", "began_on": today})
    response = client.post(
        f"/navigation/journeys/{journey.pk}/stage/",
        {"version": 1, "stage": "diagnosis", "began_on": today, "diagnosis_result": "confirmed"},
        follow=True,
    )
    assert "изменил другой пользователь" in text(response)
    journey.refresh_from_db()
    assert journey.stage == "diagnostics"
    assert JourneyStep.objects.filter(journey=journey, milestone="diagnostics").count() == 1


@pytest.mark.django_db
def test_asking_for_a_psychologist_reaches_the_services_day(clinic):
    service = OrganisationFactory(name="Служба психологической помощи", kind=Organisation.Kind.PSYCH_SERVICE)
    psychologist = User.objects.create_user(username="onco-psy", first_name="Вера")
    psychologist.groups.add(Group.objects.get_or_create(name="psychologist")[0])
    WorkerFactory(user=psychologist, organisation=service)
    journey = enrol(clinic)
    response = client_for(journey.assistant).post(
        f"/navigation/journeys/{journey.pk}/psychologist/", {"psy-service": service.pk, "psy-note": "тревога"}
    )
    assert response.status_code == 302
    handover = Handover.objects.get()
    step = handover.route_step
    assert step.addressed_to == service and step.responsible == "psychologist" and step.case == journey.case
    assert step.title == "Консультация психолога для пациента: тревога"
    day = text(client_for(psychologist).get("/psych/"))
    assert "Консультации, о которых просят службу" in day and clinic.patient.full_name in day
    assert journey.assistant.get_full_name() in day  # whom to ask
    assert psychologist.has_perm("cases.move_psychologist_step", step)
    assert not clinic.psychologist.has_perm("cases.move_psychologist_step", step)  # a hospital's, not asked
    assert [s.pk for s in RouteStep.objects.filter(addressed_to=service)] == [step.pk]


@pytest.mark.django_db
def test_asking_the_tcso_needs_the_patients_consent_and_sends_a_request(clinic):
    journey = enrol(clinic)
    food = ServiceType.objects.filter(is_active=True).first() or ServiceType.objects.create(
        code="food", name="Покупка и доставка продуктов"
    )
    OrganisationFactory(kind=Organisation.Kind.TCSO).districts.add(clinic.patient.district)
    client = client_for(journey.assistant)
    url = f"/navigation/journeys/{journey.pk}/tcso/"
    data = {"tcso-service_type": food.pk, "tcso-details": "после химиотерапии", "tcso-urgency": "normal"}
    response = client.post(url, data, follow=True)
    assert "не давал согласия" in text(response) and not HelpRequest.objects.exists()
    client.post(url, {**data, "tcso-consent_evidence": "устно, по телефону"})
    request = HelpRequest.objects.get()
    assert request.person == clinic.patient and request.intake_channel == "case"
    assert "Персональный помощник" in request.details and "после химиотерапии" in request.details
    assert Consent.objects.filter(person=clinic.patient, scope="share_with_tcso").exists()
    assert Handover.objects.get().help_request == request
    page = text(client.get(f"/navigation/journeys/{journey.pk}/"))
    assert f"заявка № {request.pk}" in page


@pytest.mark.django_db
def test_closing_the_journey_from_the_page_ends_its_steps(clinic):
    journey = enrol(clinic)
    client = client_for(journey.assistant)
    today = datetime.date.today().isoformat()
    client.post(
        f"/navigation/journeys/{journey.pk}/stage/",
        {"version": 1, "stage": "closed", "began_on": today, "closed_because": "moved"},
    )
    journey.refresh_from_db()
    assert journey.stage == "closed" and journey.closed_because == "moved"
    assert journeys.next_stages(journey) == []
    page = text(client.get(f"/navigation/journeys/{journey.pk}/"))
    assert "Найти свободное время" not in page and "Следующий этап" not in page
    assert Actor(journey.assistant)


@pytest.mark.django_db
def test_the_supervisor_oversees_the_assistants_and_reassigns_a_patient_with_the_calls(clinic):
    with time_machine.travel(MONDAY, tick=False):
        journey = enrol(clinic)
    with time_machine.travel(MONDAY + datetime.timedelta(days=8), tick=False):
        client = client_for(clinic.supervisor)
        page = text(client.get("/navigation/"))
        assert "Онкопомощники" in page and journey.assistant.get_full_name() in page
        assert "Консультация онколога (ЦАОП)" in page and "2 рабочих дня" in page  # late, across the programme
        other = clinic.colleague if journey.assistant == clinic.assistant else clinic.assistant
        assert "Передать пациента другому помощнику" in text(client.get(f"/navigation/journeys/{journey.pk}/"))
        client.post(
            f"/navigation/journeys/{journey.pk}/reassign/",
            {"re-version": journey.version, "re-assistant": other.pk, "re-reason": "отпуск"},
        )
    journey.refresh_from_db()
    assert journey.assistant == other
    assert CallTask.objects.get(journey=journey, kind="welcome").assigned_to == other


@pytest.mark.django_db
def test_the_card_tab_shows_the_next_step_and_the_appointments_to_come(clinic):
    places = make_facilities(clinic)
    journey = enrol(clinic)
    appointment = booked(clinic, journey, places.slot("centre", "ct", days=2, hour=11), kind="ct")
    for user in (journey.assistant, clinic.supervisor):
        page = text(client_for(user).get(f"/people/{clinic.patient.pk}/oncology/"))
        assert "Следующий шаг: Консультация онколога (ЦАОП)" in page
        assert "КТ, ЦАОП на Ключевой" in page  # the short name
    html = client_for(journey.assistant).get(f"/people/{clinic.patient.pk}/oncology/").content.decode()
    assert f"/navigation/appointments/{appointment.pk}/" in html
