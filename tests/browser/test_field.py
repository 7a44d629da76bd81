"""A volunteer does a shopping task on a phone: open, start, done with the money spent and the receipt."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from assistance.models import Assignment, HelpRequest, Status
from assistance.services import RequestInput, create_request, transition
from assistance.tests.factories import DistrictFactory, OrganisationFactory, ServiceTypeFactory, WorkerFactory
from core.actor import Actor
from people.models import PersonPhone
from people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"
PHONE = {"width": 360, "height": 740}
# The smallest valid JPEG header is enough: the receipt is stored, not decoded.
RECEIPT = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def user_with(role: str, username: str) -> User:
    user = User.objects.create_user(username, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def task() -> HelpRequest:
    district = DistrictFactory(name="Бирюлёво Восточное")
    tcso = OrganisationFactory(name="ТЦСО «Бирюлёво»")
    tcso.districts.add(district)
    operator = user_with("operator", "operator1")
    dispatcher = user_with("dispatcher", "dispatcher1")
    WorkerFactory(user=dispatcher, organisation=tcso)
    volunteer = WorkerFactory(user=user_with("volunteer", "volunteer1"), organisation=tcso, kind="volunteer")
    person = PersonFactory(
        surname="Кузнецова",
        given_name="Валентина",
        patronymic="Ивановна",
        district=district,
        address="ул. Липецкая, д. 10, корп. 2, кв. 154 (домофон не работает, звонить по телефону заранее)",
    )
    PersonPhone.objects.create(person=person, number="+79261234567", is_primary=True)
    service = ServiceTypeFactory(handles_money=True)
    req = create_request(
        person=person,
        data=RequestInput(service_type=service, details="Хлеб, молоко 2 л, кефир, гречка 1 кг, яблоки"),
        actor=Actor(operator),
    )
    transition(help_request=req, to=Status.ACCEPTED, actor=Actor(dispatcher), version=req.version)
    transition(help_request=req, to=Status.ASSIGNED, actor=Actor(dispatcher), version=req.version, assignee=volunteer)
    return req


def no_horizontal_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= 360"))


def test_volunteer_does_a_task_on_a_phone(browser, live_server, settings, tmp_path, task) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="ru-RU")
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(live_server.url + "/login/")
    page.get_by_label("Имя пользователя").fill("volunteer1")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(live_server.url + "/")

    page.goto(live_server.url + "/assistance/my/")
    card = page.get_by_test_id("field-task")
    expect(card).to_contain_text("Кузнецова Валентина Ивановна")
    expect(card.locator('a[href="tel:+79261234567"]')).to_be_visible()
    assert no_horizontal_scroll(page)
    card.get_by_role("button").click()

    expect(page.get_by_test_id("task-details")).to_contain_text("гречка")
    start = page.locator("form[action$='/start/'] button")
    assert start.bounding_box()["height"] >= 48
    assert no_horizontal_scroll(page)
    start.click()
    expect(page.get_by_test_id("task-status")).to_have_text("Выполняется")

    page.locator("input[name=money_spent]").fill("412,50")
    page.locator("input[name=receipt]").set_input_files(
        {"name": "chek.jpg", "mimeType": "image/jpeg", "buffer": RECEIPT}
    )
    done = page.locator("form[action$='/done/'] button")
    assert done.bounding_box()["height"] >= 48
    assert no_horizontal_scroll(page)
    done.click()
    page.wait_for_url(live_server.url + "/assistance/my/")
    assert no_horizontal_scroll(page)

    task.refresh_from_db()
    assert task.status == Status.DONE
    assignment = Assignment.objects.get(request=task)
    assert assignment.money_spent == Decimal("412.50")
    assert (tmp_path / assignment.receipt.name).read_bytes() == RECEIPT
    assert violations == []
    context.close()
