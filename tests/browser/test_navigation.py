"""Oncology navigation in the browser: the personal assistant finds the referred patient at search level,
registers the referral, records the patient's agreement, is assigned (the least loaded assistant of the
polyclinic) and prints the card, which names her and her direct phone; then books a CT in a free slot,
sees its reminders queued, and, after the day of the scan, marks the visit missed and finds the call to
make on her day."""

import datetime
import importlib
import subprocess
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from playwright.sync_api import Page, expect

from navigation.models import Appointment, CallTask, Journey, Referral
from navigation.tests.conftest import Clinic, build_clinic
from navigation.tests.test_appointments import make_facilities

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"
SHOTS = Path("/tmp/shots")


@pytest.fixture
def clinic(db: None) -> Clinic:
    # A browser test's database is emptied after each test, the rows of data migrations too: the default
    # step templates are put back as their migration puts them.
    importlib.import_module("navigation.migrations.0004_default_step_templates").add_defaults(apps, None)
    clinic = build_clinic()
    clinic.assistant.set_password(PASSWORD)
    clinic.assistant.save()
    return clinic


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"navigation-{name}.png"), full_page=True)


def test_the_assistant_enrols_a_referred_patient_and_prints_the_card(page: Page, live_server, login, clinic, tmp_path):
    login(clinic.assistant, PASSWORD)
    page.get_by_test_id("nav-navigation").click()
    expect(page.get_by_role("heading", name="Мой день")).to_be_visible()
    page.get_by_test_id("new-referral").click()
    page.get_by_label("Поиск").fill("Соколова Мария")
    page.get_by_role("button", name="Найти").click()
    page.get_by_test_id("patients-found").get_by_role("button", name="Зарегистрировать направление").click()
    expect(page.get_by_test_id("referral-patient")).to_contain_text("Соколова Мария Петровна")

    form = page.get_by_test_id("referral-form")
    form.get_by_label("Поликлиника").select_option(label="Городская поликлиника № 1")
    form.get_by_label("Направивший врач").fill("Петров И. С., терапевт")
    form.get_by_label("Предполагаемый диагноз, код МКБ-10").fill("C50")
    shot(page, "referral-form")
    page.get_by_test_id("register-referral").click()
    expect(page.locator(".messages")).to_contain_text("Направление зарегистрировано")
    expect(page.get_by_test_id("referral-diagnosis")).to_contain_text("C50")

    agree = page.get_by_test_id("agree")
    agree.get_by_label("SMS").check()
    shot(page, "referral-answer")
    page.get_by_test_id("enrol").click()
    expect(page.locator(".messages")).to_contain_text("Пациент включён в программу")
    expect(page.get_by_test_id("journey-stage")).to_have_text("Подозрение на онкологическое заболевание")
    expect(page.get_by_test_id("journey-facts")).to_contain_text("Наталья Кузнецова")
    shot(page, "journey")
    journey = Journey.objects.get()
    assert journey.assistant == clinic.assistant and Referral.objects.get().consent == "given"

    response = page.request.get(live_server.url + f"/navigation/journeys/{journey.pk}/card.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    path = tmp_path / "card.pdf"
    path.write_bytes(response.body())
    text = " ".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert "Кузнецова Наталья" in text and "+7 916 123-00-10" in text


def test_the_assistant_books_a_ct_sees_the_reminders_and_a_missed_scan_leaves_a_call(
    page: Page, live_server, login, clinic
):
    from navigation.tests.test_journeys import enrol

    places = make_facilities(clinic)
    journey = enrol(clinic)
    slot = places.slot("centre", "ct", days=2, hour=11)
    places.slot("hospital", "ct", days=2, hour=11)
    login(clinic.assistant, PASSWORD)
    page.goto(live_server.url + f"/navigation/journeys/{journey.pk}/")
    expect(page.get_by_test_id("journey-steps")).to_contain_text("Консультация онколога (ЦАОП)")
    search = page.get_by_test_id("slot-search")
    search.get_by_role("combobox").select_option(label="КТ")
    search.get_by_role("button", name="Найти свободное время").click()
    offers = page.get_by_test_id("free-slots")
    expect(offers.locator("article").first).to_contain_text("в округе пациента")
    shot(page, "slots")
    offers.locator("article").first.get_by_test_id("book-slot").first.click()
    expect(page.locator(".messages")).to_contain_text("Записано: КТ")
    reminders = page.get_by_test_id("reminders")
    expect(reminders).to_contain_text("за 1 день")
    expect(reminders).to_contain_text("за 2 часа")
    expect(reminders.get_by_text("в очереди")).to_have_count(2)
    shot(page, "appointment")
    appointment = Appointment.objects.get()
    assert appointment.booking.slot == slot and appointment.kind == "ct" and appointment.reminders.count() == 2

    with time_machine.travel(slot.starts_at + datetime.timedelta(hours=3), tick=True):
        login(clinic.assistant, PASSWORD)  # the next day's shift
        page.goto(live_server.url + f"/navigation/appointments/{appointment.pk}/")
        outcome = page.get_by_test_id("outcome-form")
        outcome.get_by_label("не пришёл").check()
        outcome.get_by_role("button", name="Сохранить итог").click()
        expect(page.locator(".messages")).to_contain_text("Визит отмечен как пропущенный")
        expect(page.get_by_test_id("past-appointments")).to_contain_text("не пришёл")
        page.get_by_test_id("nav-navigation").click()
        calls = page.get_by_test_id("worklist-calls")
        expect(calls).to_contain_text("Звонок после пропущенного приёма: КТ")
        shot(page, "worklist")
        calls.locator("tr", has_text="пропущенного").get_by_label("Итог звонка").fill("Заболела, перезаписать")
        calls.locator("tr", has_text="пропущенного").get_by_role("button", name="Позвонила").click()
        expect(page.locator(".messages")).to_contain_text("Звонок записан")
    task = CallTask.objects.get(journey=journey, kind="missed_visit")
    assert task.done_at is not None and task.result == "Заболела, перезаписать"
