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


def test_a_relative_is_called_the_route_printed_the_patient_handed_over_and_the_tcso_accepts(
    page: Page, live_server, ward, login, csp_violations
):
    """After the route: the coordinator records the consents, logs a call to the patient's son, prints the
    route, hands home care over to the TCSO at discharge; the TCSO's dispatcher accepts it; the case says so."""
    import subprocess

    from django.contrib.auth.models import Group

    from assistance.models import HelpRequest
    from assistance.tests.factories import ServiceTypeFactory
    from cases import services
    from cases.models import Handoff
    from cases.tests.conftest import open_case
    from core.actor import Actor
    from directory.models import Organisation
    from people.models import ContactPerson
    from people.tests.factories import OrganisationFactory, WorkerFactory

    tcso = OrganisationFactory(name="ТЦСО «Царицынский»", kind=Organisation.Kind.TCSO)
    tcso.districts.add(ward.patient.district)
    dispatcher = User.objects.create_user(username="disp-olga", password=PASSWORD, first_name="Ольга")
    dispatcher.groups.add(Group.objects.get_or_create(name="dispatcher")[0])
    WorkerFactory(user=dispatcher, organisation=tcso)
    ServiceTypeFactory(code="home_care", name="Надомное социальное обслуживание", handles_money=False)
    case = open_case(ward)
    services.add_steps(
        actor=Actor(ward.coordinator),
        case=case,
        steps=[
            services.NewStep(title="Найти сына и сообщить о госпитализации", kind="relatives"),
            services.NewStep(title="Надомное обслуживание после выписки", kind="home_care", responsible="tcso"),
        ],
    )

    login(ward.coordinator)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    relatives = page.get_by_test_id("relatives")
    consent = relatives.get_by_test_id("consent-contact_relatives")
    consent.get_by_label("Как пациент дал согласие").fill("сказала устно координатору")
    consent.get_by_role("button", name="Записать согласие").click()
    expect(page.get_by_test_id("relatives").get_by_test_id("consent-given")).to_be_visible()

    call = page.get_by_test_id("new-call-form")
    call.get_by_label("Кому звонили").fill("Соколов Павел Игоревич")
    call.get_by_label("Кем приходится пациенту").select_option(label="сын или дочь")
    call.get_by_label("Телефон").fill("8 916 123-45-67")
    call.get_by_label("Чем закончился звонок").select_option(label="дозвонились")
    call.get_by_role("button", name="Записать звонок").click()
    expect(page.get_by_test_id("relative-call")).to_contain_text("Соколов Павел Игоревич")
    expect(page.get_by_test_id("contacts")).to_contain_text("+7 916 123-45-67")
    assert ContactPerson.objects.filter(person=case.person, phone="+79161234567", may_contact=True).exists()

    pdf = page.request.get(f"{live_server.url}/cases/{case.pk}/route.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf.body(), capture_output=True, check=True
    ).stdout.decode()
    text = " ".join(text.split())  # the table wraps long titles
    assert "Соколова Мария Петровна" in text and "Надомное обслуживание после выписки" in text

    handoffs = page.get_by_test_id("handoffs")
    expect(handoffs.get_by_test_id("share-consent-missing")).to_be_visible()
    share = handoffs.get_by_test_id("consent-share_with_tcso")
    share.get_by_label("Как пациент дал согласие").fill("подписала согласие")
    share.get_by_role("button", name="Записать согласие").click()
    form = page.get_by_test_id("handoff-form")
    form.get_by_label("Какой шаг передать").select_option(label="Надомное обслуживание после выписки")
    form.get_by_label("Какая помощь нужна от ТЦСО").select_option(label="Надомное социальное обслуживание")
    form.get_by_label("Что нужно знать ТЦСО").fill("Выписка в пятницу, ключи у сына")
    form.get_by_role("button", name="Передать в ТЦСО").click()
    expect(page.get_by_test_id("handoff")).to_have_attribute("data-status", "requested")
    expect(page.get_by_test_id("handoff-status")).to_have_text("отправлено, ждёт ТЦСО")
    handoff = Handoff.objects.get()
    assert HelpRequest.objects.get(pk=handoff.request_id).intake_channel == "case"
    page.get_by_role("button", name="Выйти").click()

    login(dispatcher)
    page.get_by_role("link", name="Из больниц").click()
    row = page.get_by_test_id("handoff-row")
    expect(row).to_contain_text("Соколова Мария Петровна")
    expect(row).to_contain_text("ГКБ № 1")
    row.get_by_role("link", name=f"№ {handoff.request_id}").click()
    expect(page.get_by_test_id("intake-channel")).to_have_text("из маршрута помощи")
    page.get_by_role("button", name="Принять", exact=True).click()
    page.get_by_role("button", name="Выйти").click()

    login(ward.coordinator)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.get_by_test_id("handoff-status")).to_have_text("принято ТЦСО")
    expect(page.get_by_test_id("step-handoff")).to_have_text("принято ТЦСО")
    assert csp_violations == []
