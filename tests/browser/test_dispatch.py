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


def test_a_failed_request_comes_back_and_is_assigned_again(page, live_server, login, town, csp_violations):
    from assistance.services import accept_and_assign, transition

    PhoneFactory(person=town.person, number="+79160000102")
    req = town.new_request(details="Лекарства из аптеки")
    accept_and_assign(help_request=req, assignee=town.volunteer, actor=Actor(town.dispatcher), version=req.version)
    # The volunteer found nobody at home: the request goes back to the dispatcher, not to a dead end.
    transition(
        help_request=req,
        to=Status.FAILED,
        actor=Actor(town.volunteer_user),
        version=req.version,
        reason="Не открыли дверь",
    )
    town.dispatcher.set_password(PASSWORD)
    town.dispatcher.save()

    login(town.dispatcher)
    page.goto(f"{live_server.url}/assistance/queue/")
    expect(page.get_by_test_id("count-returned")).to_contain_text("1")
    row = page.locator(f"tr[data-request='{req.pk}']")
    expect(row).to_contain_text(town.person.short_name)
    row.get_by_role("link", name=str(req.pk)).click()
    expect(page.get_by_test_id("returned-reason")).to_contain_text("Не открыли дверь")
    expect(page.get_by_test_id("citizen-phone")).to_contain_text("+7 916 000-01-02")
    suggestion = page.get_by_test_id("suggestions").locator("tr", has_text=town.worker.full_name)
    suggestion.get_by_role("button").click()
    expect(page.get_by_test_id("request-status")).to_have_text("назначена")
    expect(page.get_by_test_id("assignee")).to_contain_text(town.worker.full_name)
    req.refresh_from_db()
    assert req.status == Status.ASSIGNED
    assert Assignment.objects.get(request=req, outcome="").worker == town.worker

    # The queue shows who holds it now, and sorting by the worker column keeps it there.
    page.goto(f"{live_server.url}/assistance/queue/")
    page.get_by_test_id("sort-assignee").click()
    expect(page.locator(f"tr[data-request='{req.pk}']")).to_contain_text(town.worker.surname)
    assert not csp_violations


def test_a_visit_missed_yesterday_is_moved_to_tomorrow_and_assigned_again(
    page, live_server, login, town, csp_violations
):
    import datetime

    from django.utils import timezone

    from assistance.services import accept_and_assign, transition

    def at(hour: int, days: int) -> datetime.datetime:
        day = timezone.localdate() + datetime.timedelta(days=days)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    req = town.new_request(details="Повесить шторы", window_start=at(10, -1), window_end=at(13, -1))
    accept_and_assign(help_request=req, assignee=town.volunteer, actor=Actor(town.dispatcher), version=req.version)
    transition(help_request=req, to=Status.FAILED, actor=Actor(town.volunteer_user), version=req.version,
               reason="Не открыли дверь")  # fmt: skip
    town.dispatcher.set_password(PASSWORD)
    town.dispatcher.save()

    login(town.dispatcher)
    page.goto(f"{live_server.url}/assistance/requests/{req.pk}/")
    # The agreed time has passed: the page says so and opens the form to move the visit.
    expect(page.get_by_test_id("window-passed")).to_be_visible()
    move = page.get_by_test_id("reschedule")
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d.%m.%Y")
    expect(move.get_by_label("Дата")).to_have_value(tomorrow)
    move.locator("select[name=window_from]").select_option("15")
    move.locator("select[name=window_to]").select_option("18")
    move.get_by_label("Что согласовано с гражданином").fill("Будет дома после 15:00")
    move.get_by_role("button", name="Перенести визит").click()
    expect(page.locator(".message-success")).to_contain_text(f"визит перенесён на {tomorrow}, 15:00–18:00")
    expect(page.locator("dl.facts")).to_contain_text(f"{tomorrow} 15:00 – 18:00")
    expect(page.get_by_test_id("window-passed")).to_have_count(0)
    expect(page.get_by_test_id("history")).to_contain_text(f"визит перенесён на {tomorrow}, 15:00–18:00")
    expect(page.get_by_test_id("history")).to_contain_text("Будет дома после 15:00")

    page.get_by_test_id("suggestions").locator("tr", has_text=town.worker.full_name).get_by_role("button").click()
    expect(page.get_by_test_id("request-status")).to_have_text("назначена")
    req.refresh_from_db()
    assert (req.status, req.window_start, req.due_at) == (Status.ASSIGNED, at(15, 1), at(18, 1))
    assert not csp_violations
