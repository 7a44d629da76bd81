"""Oncology navigation in the browser: the personal assistant finds the referred patient at search level,
registers the referral, records the patient's agreement, is assigned (the least loaded assistant of the
polyclinic) and prints the card, which names her and her direct phone."""

import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from navigation.models import Journey, Referral
from navigation.tests.conftest import Clinic, build_clinic

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"
SHOTS = Path("/tmp/shots")


@pytest.fixture
def clinic(db: None) -> Clinic:
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
    expect(page.get_by_role("heading", name="Мои пациенты")).to_be_visible()
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
