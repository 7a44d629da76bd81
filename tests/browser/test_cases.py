"""The hospital coordinator in the browser: finds an emergency patient, opens a case, assesses the needs,
accepts the proposed route, and works on a step."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from cases.models import Case, RouteStep
from cases.tests.conftest import build_ward, ensure_city_templates

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"


@pytest.fixture
def ward(db):
    ensure_city_templates()
    ward = build_ward()
    ward.coordinator.set_password(PASSWORD)
    ward.coordinator.save()
    return ward


def test_the_coordinator_opens_a_case_and_builds_the_route(page: Page, live_server, ward, csp_violations):
    page.goto(live_server.url + "/login/")
    page.get_by_label("Имя пользователя").fill(ward.coordinator.username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()

    page.get_by_role("link", name="Пациенты").click()
    page.get_by_role("button", name="Открыть случай для пациента").click()
    page.get_by_label("Поиск").fill("Соколова Мария")
    page.get_by_role("button", name="Найти").click()
    results = page.get_by_test_id("patients-found")
    expect(results).to_contain_text("Соколова Мария Петровна")
    expect(results).to_contain_text("08.03.1941")
    results.get_by_role("button", name="Открыть случай").click()

    page.get_by_label("Почему вы открываете случай").fill("доставлена скорой, не госпитализирована")
    page.get_by_label("Экстренное обращение, без госпитализации").check()
    page.get_by_label("Дата поступления").fill("")
    page.get_by_role("button", name="Открыть случай").click()
    expect(page.get_by_test_id("case-title")).to_contain_text("Соколова Мария Петровна")
    expect(page.get_by_test_id("stay")).to_contain_text("экстренное обращение, без госпитализации")

    form = page.get_by_test_id("assessment-form")
    form.get_by_label("нет связи с родственниками").check()
    form.get_by_label("утеряны или отсутствуют документы").check()
    page.get_by_role("button", name="Записать потребности").click()
    expect(page.get_by_test_id("needs")).to_contain_text("нет связи с родственниками")

    proposals = page.get_by_test_id("proposals")
    expect(proposals.locator("tbody tr")).to_have_count(2)
    page.get_by_role("button", name="Добавить отмеченные шаги в маршрут").click()
    route = page.get_by_test_id("route")
    expect(route.get_by_test_id("step")).to_have_count(2)

    first = route.get_by_test_id("step").first
    first.get_by_placeholder("Результат (необязательно)").fill("Дочь приедет завтра")
    first.get_by_role("button", name="Отметить выполненным").click()
    expect(page.get_by_test_id("route").get_by_test_id("step").first).to_contain_text("Дочь приедет завтра")

    case = Case.objects.get()
    assert case.stay.emergency_not_admitted
    assert list(RouteStep.objects.filter(case=case).values_list("status", flat=True).order_by("position")) == [
        "done",
        "planned",
    ]
    assert csp_violations == []
    assert User.objects.filter(pk=ward.coordinator.pk).exists()
