"""The psychological service in the browser: a psychologist runs the walk-in queue (gives numbers, calls in
the next, starts and ends the consultation) and writes the note; a supervisor opens the same consultation and
sees that it happened, its format, duration and topic, and no word of the note."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from psych.models import Consultation, SessionNote
from psych.tests.conftest import Clinic, build_clinic

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"
SHOTS = Path("/tmp/shots")
NOTE = "Боится операции, плохо спит третью ночь; дыхательные упражнения, договорились о встрече в четверг."


@pytest.fixture
def clinic(db: None) -> Clinic:
    clinic = build_clinic()
    for user in (clinic.psychologist, clinic.hospital_supervisor):
        user.set_password(PASSWORD)
        user.save()
    return clinic


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"psych-{name}.png"), full_page=True)


def test_a_walk_in_from_the_queue_to_the_note_and_the_supervisor_sees_no_note(page: Page, live_server, login, clinic):
    login(clinic.psychologist, PASSWORD)
    page.get_by_test_id("nav-psych-day").click()
    expect(page.get_by_role("heading", name="Мой день")).to_be_visible()
    page.get_by_test_id("open-queue").first.click()
    expect(page.get_by_role("heading", name="Очередь без записи: ГКБ № 1")).to_be_visible()
    expect(page.get_by_test_id("queue-empty")).to_have_text("Никто не ждёт.")

    page.get_by_label("Имя, как его назвал клиент").fill("Ольга")
    page.get_by_test_id("register-walk-in").click()
    expect(page.locator(".messages")).to_contain_text("Номер 1 выдан: Ольга.")
    page.get_by_test_id("register-walk-in").click()  # someone who gives no name
    expect(page.locator(".messages")).to_contain_text("Номер 2 выдан: анонимно.")
    expect(page.get_by_test_id("queue-row")).to_have_count(2)
    expect(page.get_by_test_id("queue-summary")).to_contain_text("2 ждут")
    shot(page, "queue")

    page.get_by_test_id("call-next").click()
    expect(page.locator(".messages")).to_contain_text("Приглашён номер 1, Ольга")
    expect(page.get_by_test_id("consultation-status")).to_have_text("приглашён")
    page.get_by_test_id("move-in_progress").click()
    expect(page.get_by_test_id("consultation-status")).to_have_text("идёт")

    finish = page.get_by_test_id("finish")
    finish.get_by_label("Тема").select_option(label="Тревога из-за диагноза")
    finish.get_by_label("Итог").select_option(label="оказана поддержка")
    finish.get_by_label("Следующий шаг").fill("Встреча в четверг")
    finish.get_by_label("Длительность, минут").fill("40")
    shot(page, "consultation-in-progress")
    page.get_by_test_id("finish-button").click()
    expect(page.locator(".messages")).to_contain_text("Консультация завершена")
    expect(page.get_by_test_id("duration")).to_have_text("40 минут")

    page.get_by_label("Запись о консультации").fill(NOTE)
    page.get_by_test_id("save-note").click()
    expect(page.locator(".messages")).to_contain_text("Запись сохранена")
    expect(page.get_by_label("Запись о консультации")).to_have_value(NOTE)
    shot(page, "consultation-with-note")
    consultation = Consultation.objects.get(ticket=1)
    assert consultation.status == "done" and SessionNote.objects.filter(consultation=consultation).exists()

    # The queue now shows the one still waiting.
    page.goto(live_server.url + "/psych/queue/")
    expect(page.get_by_test_id("queue-row")).to_have_count(1)

    page.get_by_role("button", name="Выйти").click()
    login(clinic.hospital_supervisor, PASSWORD)
    page.goto(live_server.url + f"/psych/consultations/{consultation.pk}/")
    facts = page.get_by_test_id("consultation-facts")
    expect(facts).to_contain_text("Очно, без записи")
    expect(facts).to_contain_text("40 минут")
    expect(facts).to_contain_text("Тревога из-за диагноза")
    expect(page.get_by_test_id("note-confidential")).to_have_text(
        "Запись о консультации сделана. Она конфиденциальна: её читают только психологи службы."
    )
    assert "Боится операции" not in page.content() and "Ольга" not in page.content()
    expect(page.get_by_test_id("note-form")).to_have_count(0)
    shot(page, "supervisor-view")
