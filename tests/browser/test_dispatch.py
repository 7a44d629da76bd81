"""The dispatcher distributes the queue; the citizen's card shows who is coming."""

import pytest
from playwright.sync_api import expect

from assistance.models import Assignment, Status
from core.actor import Actor
from people.tests.factories import PersonFactory, PhoneFactory
from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_dispatcher_auto_assigns_and_the_card_shows_the_result(page, live_server, login, town):
    second = PersonFactory(district=town.person.district, surname="Смирнова", given_name="Вера")
    PhoneFactory(person=town.person, number="+79160000101")
    first_request = town.new_request(details="Хлеб и молоко")
    from assistance.services import RequestInput, create_request

    create_request(person=second, data=RequestInput(service_type=town.service), actor=Actor(town.operator))
    for user in (town.dispatcher, town.supervisor):
        user.set_password(PASSWORD)
        user.save()

    login(town.dispatcher)
    page.get_by_role("link", name="Очередь заявок").click()
    expect(page.get_by_test_id("queue")).to_contain_text("Покупка и доставка продуктов")
    expect(page.get_by_test_id("queue-counts")).to_contain_text("новая: 2")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Распределить все новые").click()
    expect(page.locator(".messages")).to_contain_text("назначено 2")
    expect(page.get_by_test_id("queue-counts")).to_contain_text("назначена: 2")
    assert Assignment.objects.filter(outcome="").count() == 2
    first_request.refresh_from_db()
    assert first_request.status == Status.ASSIGNED

    page.get_by_role("button", name="Выйти").click()
    login(town.supervisor)
    page.goto(f"{live_server.url}/people/{town.person.pk}/requests/")
    table = page.get_by_test_id("person-requests")
    expect(table).to_contain_text("Назначена")
    worker = Assignment.objects.get(request=first_request).worker
    expect(table).to_contain_text(worker.full_name)
