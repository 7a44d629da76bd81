"""A psychologist in the browser: creates a support group, adds members until it is full and the next goes
to the waiting list, marks the attendance of the first session, and a place freed moves the waiting one up."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from people.tests.factories import PersonFactory
from psych.models import Attendance, GroupMember, SupportGroup
from psych.tests.conftest import build_clinic

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"
SHOTS = "/tmp/shots"


@pytest.fixture
def clinic(db):
    clinic = build_clinic()
    clinic.psychologist.set_password(PASSWORD)
    clinic.psychologist.save()
    return clinic


def test_the_psychologist_fills_a_group_and_marks_attendance(page: Page, live_server, clinic, login, csp_violations):
    third = PersonFactory(
        surname="Третьякова", given_name="Анна", patronymic="Ильинична", district=clinic.patient.district
    )
    today = timezone.localdate()
    login(clinic.psychologist)

    page.goto(live_server.url + "/psych/groups/")
    expect(page.get_by_test_id("no-groups")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/groups-list-empty.png", full_page=True)
    page.get_by_role("button", name="Создать группу").click()

    form = page.get_by_test_id("group-form")
    form.get_by_label("Тема").fill("Жизнь после диагноза")
    form.get_by_label("День недели").select_option(value=str(today.weekday()))
    form.get_by_label("Время").fill("10:00")
    form.get_by_label("Первое занятие").fill(today.isoformat())
    form.get_by_label("Число занятий").fill("4")
    form.get_by_label("Места").fill("2")
    form.get_by_label("Кабинет или зал").fill("конференц-зал, 3 этаж")
    page.screenshot(path=f"{SHOTS}/groups-create.png", full_page=True)
    form.get_by_role("button", name="Создать группу").click()

    expect(page.get_by_test_id("group-title")).to_have_text("Жизнь после диагноза")
    expect(page.locator(".messages")).to_contain_text("Группа «Жизнь после диагноза» создана, занятий: 4")
    expect(page.get_by_test_id("session-row")).to_have_count(4)

    for query, name in (("Соколова Мария", "Соколова Мария Петровна"), ("Орлов Пётр", "Орлов Пётр")):
        page.get_by_label("Найти пациента").fill(query)
        page.get_by_role("button", name="Найти").click()
        found = page.get_by_test_id("people-found")
        expect(found).to_contain_text(name)
        found.get_by_role("button", name="Выбрать").first.click()
        expect(page.get_by_test_id("patient")).to_contain_text(name)
        if query.startswith("Соколова"):
            expect(page.get_by_label("Кто ходит")).to_contain_text("Соколов Андрей Игоревич")
            page.screenshot(path=f"{SHOTS}/groups-add-member.png", full_page=True)
        page.get_by_role("button", name="Записать в группу").click()
        expect(page.locator(".messages")).to_contain_text("записан(а) в группу")
    expect(page.get_by_test_id("places")).to_contain_text("занято 2 из 2")

    page.get_by_label("Найти пациента").fill("Третьякова Анна")
    page.get_by_role("button", name="Найти").click()
    page.get_by_test_id("people-found").get_by_role("button", name="Выбрать").click()
    expect(page.get_by_test_id("places-left")).to_contain_text("Группа заполнена")
    page.screenshot(path=f"{SHOTS}/groups-add-to-full.png", full_page=True)
    page.get_by_role("button", name="Поставить в лист ожидания").click()
    expect(page.locator(".messages")).to_contain_text(
        "Группа заполнена: Третьякова Анна Ильинична в листе ожидания под номером 1."
    )
    expect(page.get_by_test_id("waiting-row")).to_have_count(1)
    page.screenshot(path=f"{SHOTS}/groups-detail-full.png", full_page=True)

    first_session = page.get_by_test_id("session-row").first
    first_session.get_by_role("button", name="Отметить посещаемость").click()
    rows = page.get_by_test_id("attendance-row")
    expect(rows).to_have_count(2)
    rows.filter(has_text="Соколова").get_by_label("пришёл", exact=True).check()
    rows.filter(has_text="Орлов").get_by_label("не пришёл").check()
    page.screenshot(path=f"{SHOTS}/groups-attendance.png", full_page=True)
    page.get_by_role("button", name="Сохранить посещаемость").click()
    expect(page.locator(".messages")).to_contain_text("пришли — 1, не пришли — 1")
    expect(page.get_by_test_id("session-row").first).to_contain_text("состоялось, пришёл 1")

    page.get_by_test_id("member-row").filter(has_text="Орлов").get_by_role("button", name="Убрать из группы").click()
    expect(page.locator(".messages")).to_contain_text(
        "Третьякова Анна Ильинична переведён(а) из листа ожидания в группу: сообщите об этом."
    )
    expect(page.get_by_test_id("waiting-row")).to_have_count(0)
    page.screenshot(path=f"{SHOTS}/groups-detail.png", full_page=True)

    page.get_by_role("link", name="Все группы поддержки").click()
    expect(page.get_by_test_id("group-row")).to_contain_text("2 из 2")
    page.screenshot(path=f"{SHOTS}/groups-list.png", full_page=True)

    group = SupportGroup.objects.get()
    assert group.first_on == today and group.sessions.count() == 4
    statuses = dict(GroupMember.objects.values_list("person__surname", "status"))
    assert statuses == {"Соколова": "member", "Орлов": "left", "Третьякова": "member"}
    assert sorted(Attendance.objects.values_list("member__person__surname", "present")) == [
        ("Орлов", False),
        ("Соколова", True),
    ]
    assert group.sessions.get(number=1).starts_at == timezone.make_aware(
        datetime.datetime.combine(today, datetime.time(10, 0))
    )
    assert third.pk in GroupMember.objects.values_list("person_id", flat=True)
    assert csp_violations == []
