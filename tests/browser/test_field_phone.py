"""Issue 15 §3 in a phone's browser: a volunteer's day, and a dispatcher opening the receipt.

On a 360×740 screen the task's citizen, address and time are visible without scrolling; the address is a
map link; "Отметить выполненным" takes an optional note; starting a task planned for a later day asks
first; the finished task's old link says what became of it; the dispatcher opens the receipt through the
checked view.
"""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from assistance.models import Assignment, HelpRequest, Status, Urgency
from assistance.services import RequestInput, create_request, transition
from assistance.tests.factories import DistrictFactory, OrganisationFactory, ServiceTypeFactory, WorkerFactory
from core.actor import Actor
from people.models import PersonPhone
from people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"
PHONE = {"width": 360, "height": 740}
ADDRESS = "ул. Липецкая, д. 10, корп. 2, кв. 154 (домофон не работает, звонить по телефону заранее)"
RECEIPT = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def user_with(role: str, username: str) -> User:
    user = User.objects.create_user(username, password=PASSWORD, first_name="Дмитрий", last_name="Лебедев")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


class Day:
    def __init__(self) -> None:
        district = DistrictFactory(name="Бирюлёво Восточное")
        tcso = OrganisationFactory(name="ТЦСО «Бирюлёво»")
        tcso.districts.add(district)
        operator = user_with("operator", "operator1")
        self.dispatcher = user_with("dispatcher", "dispatcher1")
        WorkerFactory(user=self.dispatcher, organisation=tcso)
        self.volunteer = user_with("volunteer", "volunteer1")
        worker = WorkerFactory(user=self.volunteer, organisation=tcso, kind="volunteer")
        person = PersonFactory(
            surname="Кузнецова", given_name="Валентина", patronymic="Ивановна", district=district, address=ADDRESS
        )
        PersonPhone.objects.create(person=person, number="+79261234567", is_primary=True)
        service = ServiceTypeFactory(handles_money=True)
        today = timezone.localdate()

        def task(day: datetime.date, details: str) -> HelpRequest:
            start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
            req = create_request(
                person=person,
                data=RequestInput(
                    service_type=service,
                    details=details,
                    urgency=Urgency.URGENT,
                    window_start=start,
                    window_end=start + datetime.timedelta(hours=10),
                ),
                actor=Actor(operator),
            )
            transition(help_request=req, to=Status.ACCEPTED, actor=Actor(self.dispatcher), version=req.version)
            transition(
                help_request=req, to=Status.ASSIGNED, actor=Actor(self.dispatcher), version=req.version, assignee=worker
            )
            return req

        self.today = task(today, "Хлеб, молоко 2 л, кефир, гречка 1 кг, яблоки")
        self.later = task(today + datetime.timedelta(days=2), "Лекарства по рецепту")


@pytest.fixture
def day() -> Day:
    return Day()


def phone_page(browser, live_server, user: User):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="ru-RU")
    page = context.new_page()
    page.goto(live_server.url + "/login/")
    page.get_by_label("Имя пользователя").fill(user.username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(live_server.url + "/**")
    return context, page


def on_first_screen(page, scope, test_id: str) -> bool:  # type: ignore[no-untyped-def]
    box = scope.get_by_test_id(test_id).first.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def no_horizontal_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= 360"))


def test_a_volunteers_day_on_a_phone(browser, live_server, settings, tmp_path, day) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    context, page = phone_page(browser, live_server, day.volunteer)
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)

    page.goto(live_server.url + "/assistance/my/")
    card = page.get_by_test_id("field-task").first
    expect(card).to_contain_text("Кузнецова Валентина Ивановна")
    for test_id in ("citizen-name", "task-address"):
        assert on_first_screen(page, card, test_id), test_id
    assert card.get_by_test_id("task-address").get_attribute("href").startswith("geo:0,0?q=")
    assert no_horizontal_scroll(page)

    # today's task: everything needed for the visit on the first screen, the address a map link
    page.goto(f"{live_server.url}/assistance/my/{day.today.pk}/")
    for test_id in ("task-when", "citizen-name", "task-address", "task-phone"):
        assert on_first_screen(page, page, test_id), test_id
    header = page.locator("header.topbar").bounding_box()
    assert header is not None and header["height"] <= 80, header  # one line (75 px), not three (198 px)
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="Начать").click()
    expect(page.get_by_test_id("task-status")).to_have_text("Выполняется")

    expect(page.get_by_role("heading", name="Выполнено")).to_have_count(0)
    page.locator("input[name=money_spent]").fill("412,50")
    page.locator("input[name=receipt]").set_input_files(
        {"name": "chek.jpg", "mimeType": "image/jpeg", "buffer": RECEIPT}
    )
    page.get_by_label("Заметка для диспетчера").fill("Сдача 87 ₽ отдана Валентине Ивановне")
    page.get_by_role("button", name="Отметить выполненным").click()
    page.wait_for_url(live_server.url + "/assistance/my/")
    day.today.refresh_from_db()
    assert day.today.status == Status.DONE
    assert Assignment.objects.get(request=day.today).reason == "Сдача 87 ₽ отдана Валентине Ивановне"

    # the old link says what became of the task, not "Not Found"
    page.goto(f"{live_server.url}/assistance/my/{day.today.pk}/")
    expect(page.get_by_test_id("task-gone")).to_contain_text("Вы отметили это поручение выполненным")
    expect(page.locator("main")).not_to_contain_text("Кузнецова")

    # a task planned for the day after tomorrow: "Начать" asks first
    page.goto(f"{live_server.url}/assistance/my/{day.later.pk}/")
    page.get_by_role("button", name="Начать").click()
    expect(page.get_by_test_id("confirm-start")).to_contain_text("Всё равно начать сейчас?")
    day.later.refresh_from_db()
    assert day.later.status == Status.ASSIGNED
    page.get_by_role("button", name="Да, начать сейчас").click()
    expect(page.get_by_test_id("task-status")).to_have_text("Выполняется")
    assert violations == []
    context.close()

    # the dispatcher opens the receipt through the checked view
    dispatcher_context = browser.new_context(locale="ru-RU")
    page = dispatcher_context.new_page()
    page.goto(live_server.url + "/login/")
    page.get_by_label("Имя пользователя").fill(day.dispatcher.username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(live_server.url + "/**")
    assignment = Assignment.objects.get(request=day.today)
    response = page.request.get(f"{live_server.url}/assistance/receipts/{assignment.pk}/")
    assert response.status == 200 and response.body() == RECEIPT
    assert response.headers["content-type"] == "image/jpeg"
    assert page.request.get(f"{live_server.url}/media/{assignment.receipt.name}").status == 404
    dispatcher_context.close()
