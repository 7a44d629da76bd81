"""The hotline in the browser: a psychologist logs an emergency call and finds the follow-up it created on
their list; a supervisor sees the gap in the roster and fills it; a supervisor sees that a safety plan
exists, never its text."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from notify.models import OutboxMessage
from psych.models import DutyShift, FollowUp, HotlineCall, HotlineLine
from psych.tests.conftest import Clinic, build_clinic

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"
SHOTS = Path("/tmp/shots")


@pytest.fixture
def clinic(db: None) -> Clinic:
    clinic = build_clinic()
    for user in (clinic.psychologist, clinic.hospital_supervisor):
        user.set_password(PASSWORD)
        user.save()
    return clinic


@pytest.fixture
def line(clinic: Clinic) -> HotlineLine:
    return HotlineLine.objects.create(
        organisation=clinic.hospital,
        name="Экстренная психологическая помощь",
        phone="051, +7 (495) 051",
        round_the_clock=True,
    )


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"hotline-{name}.png"), full_page=True)


def on_duty(clinic: Clinic, line: HotlineLine, user, start: datetime.datetime, hours: int) -> DutyShift:
    return DutyShift.objects.create(
        line=line,
        psychologist=user,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=hours),
        created_by=clinic.hospital_supervisor,
    )


def test_an_emergency_call_creates_the_follow_up_task(page: Page, live_server, clinic, line, login, csp_violations):
    now = timezone.now()
    on_duty(clinic, line, clinic.psychologist, now - datetime.timedelta(hours=2), 12)
    login(clinic.psychologist)

    page.goto(live_server.url + "/psych/hotline/")
    card = page.get_by_test_id("line")
    expect(card).to_contain_text("Экстренная психологическая помощь")
    expect(card.get_by_test_id("on-duty")).to_contain_text("Ирина Смирнова")
    shot(page, "lines")
    card.get_by_role("button", name="Записать звонок на эту линию").click()

    page.get_by_label("Поиск").fill("Соколова Мария")
    page.get_by_role("button", name="Найти гражданина").click()
    found = page.get_by_test_id("people-found")
    expect(found).to_contain_text("Соколова Мария Петровна")
    found.get_by_role("button", name="Это он звонит").click()
    expect(page.get_by_test_id("chosen-person")).to_contain_text("Соколова Мария Петровна")

    form = page.get_by_test_id("call-form")
    expect(form.get_by_label("Линия")).to_have_value(str(line.pk))
    expect(form.get_by_label("известный гражданин")).to_be_checked()
    form.get_by_label("О чём звонок").select_option(label="Кризисное состояние: Суицидальные мысли")
    form.get_by_label("экстренный").check()
    form.get_by_label("Что сделано").fill("Удержала на линии, вызвала бригаду")
    form.get_by_label("Передано").select_option(label="скорая помощь (103)")
    form.get_by_label("Номер их регистрации").fill("103-4471")
    form.get_by_label("План безопасности").fill("Убрать лекарства; позвонить сыну; номер 051 на ночь")
    shot(page, "call-new")
    form.get_by_role("button", name="Записать звонок").click()

    expect(page.get_by_test_id("call-title")).to_contain_text("Звонок на горячую линию")
    expect(page.locator(".messages")).to_contain_text("Экстренное сопровождение поручено: Ирина Смирнова")
    expect(page.get_by_test_id("risk")).to_have_text("экстренный")
    expect(page.get_by_test_id("handover")).to_contain_text("скорая помощь (103), номер 103-4471")
    expect(page.get_by_test_id("safety-plan")).not_to_contain_text("Убрать лекарства")
    page.get_by_role("button", name="Показать план безопасности").click()
    expect(page.get_by_test_id("safety-plan-text")).to_contain_text("Убрать лекарства")
    shot(page, "call")

    page.goto(live_server.url + "/psych/hotline/")
    page.get_by_test_id("follow-ups-link").click()
    task = page.get_by_test_id("follow-up")
    expect(task).to_have_count(1)
    expect(task).to_contain_text("экстренное сопровождение")
    expect(task).to_contain_text("Экстренная психологическая помощь")
    shot(page, "follow-ups")
    task.get_by_label("Результат").fill("Перезвонила в больницу: госпитализирована, в безопасности")
    task.get_by_role("button", name="Отметить выполненной").click()
    expect(page.get_by_test_id("no-follow-ups")).to_be_visible()

    call = HotlineCall.objects.get()
    assert (call.risk, call.person, call.handed_to) == ("emergency", clinic.patient, "ambulance")
    assert "лекарства" not in call.safety_plan
    follow_up = FollowUp.objects.get()
    assert follow_up.assigned_to == clinic.psychologist and follow_up.done_at is not None
    assert OutboxMessage.objects.count() == 1
    assert csp_violations == []


def test_the_supervisor_sees_a_gap_in_the_roster_and_fills_it(page: Page, live_server, clinic, line, login):
    hour = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    on_duty(clinic, line, clinic.psychologist, hour - datetime.timedelta(hours=1), 24)
    on_duty(clinic, line, clinic.colleague, hour + datetime.timedelta(hours=27), 24)  # a 4-hour hole before it
    login(clinic.hospital_supervisor)

    page.goto(live_server.url + "/psych/hotline/")
    expect(page.get_by_test_id("roster-gaps")).to_contain_text("В ближайшие 7 дней без дежурного")
    page.get_by_role("button", name="Открыть график дежурств").click()
    gaps = page.get_by_test_id("roster-gap")
    hole_start = timezone.localtime(hour + datetime.timedelta(hours=23))
    expect(gaps.first).to_contain_text(hole_start.strftime("%d.%m %H:%M"))
    expect(page.get_by_test_id("roster-day")).to_have_count(7)
    shot(page, "roster")

    form = page.get_by_test_id("shift-form")
    form.get_by_label("Психолог").select_option(label="Ольга Смирнова")
    form.get_by_label("Начало смены").fill(hole_start.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Конец смены").fill((hole_start + datetime.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="Назначить дежурство").click()
    expect(page.locator(".messages")).to_contain_text("Ольга Смирнова дежурит с")

    page.goto(live_server.url + f"/psych/hotline/lines/{line.pk}/roster/")
    expect(page.get_by_test_id("roster-gap").first).not_to_contain_text(hole_start.strftime("%d.%m %H:%M"))
    form = page.get_by_test_id("shift-form")
    form.get_by_label("Психолог").select_option(label="Ольга Смирнова")
    form.get_by_label("Начало смены").fill(hole_start.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Конец смены").fill((hole_start - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="Назначить дежурство").click()
    expect(page.locator(".messages")).to_contain_text("Смена должна заканчиваться позже, чем начинается.")
    shot(page, "roster-after")
    assert DutyShift.objects.count() == 3


def test_a_supervisor_sees_that_a_safety_plan_exists_not_its_text(page: Page, live_server, clinic, line, login):
    from core.actor import Actor
    from psych import hotline

    call = hotline.log_call(
        actor=Actor(clinic.psychologist),
        data=hotline.CallInput(
            line=line,
            caller_kind="citizen",
            person=clinic.patient,
            risk="elevated",
            topic=clinic.crisis_topic,
            action_taken="Поговорили, договорились созвониться",
            safety_plan="Позвонить подруге Нине",
        ),
    ).call
    login(clinic.hospital_supervisor)

    page.goto(live_server.url + f"/psych/hotline/calls/{call.pk}/")
    expect(page.get_by_test_id("safety-plan-exists")).to_contain_text("его читают только психологи службы")
    expect(page.get_by_test_id("caller")).to_have_text("известный гражданин")
    page.goto(live_server.url + f"/psych/hotline/calls/{call.pk}/?plan=1")
    expect(page.locator("main")).not_to_contain_text("Нине")
    expect(page.locator("main")).not_to_contain_text("Соколова")
    shot(page, "call-supervisor")
    page.goto(live_server.url + "/psych/hotline/calls/")
    expect(page.get_by_test_id("call-row")).to_have_count(1)
    expect(page.get_by_test_id("calls")).not_to_contain_text("Соколова")
    shot(page, "calls-supervisor")
