"""The call centre's operator takes calls in the browser: screen pop, then requests logged by keyboard."""

import re
import time

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from assistance.catalogue import load_catalogue
from assistance.models import HelpRequest
from intake.models import Interaction, Outcome
from people.tests.factories import DistrictFactory, OrganisationFactory, PersonFactory, PhoneFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"
CALLER_PHONE = "8 (916) 555-12-34"


@pytest.fixture
def operator(db):
    user = User.objects.create_user("operator1", password=PASSWORD, first_name="Ольга", last_name="Смирнова")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return user


@pytest.fixture
def citizen(db, settings):
    settings.OPORA_CALL_CENTRE_HOURS = "00:00-23:59"  # the test must not depend on the time it runs
    load_catalogue()
    district = DistrictFactory(name="Бирюлёво Восточное")
    tcso = OrganisationFactory(name="ТЦСО «Бирюлёво»")
    tcso.districts.add(district)
    person = PersonFactory(surname="Кузнецова", given_name="Валентина", patronymic="Ивановна", district=district)
    PhoneFactory(person=person, number="+79165551234")
    return person


class Keyboard:
    """Counts what the operator types: every key press, and every character of filled fields except
    the free text of the request (what the citizen asks for is not the form's overhead)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.keystrokes = 0

    def press(self, key: str) -> None:
        self.keystrokes += 1
        self.page.keyboard.press(key)

    def free_text(self, text: str) -> None:
        self.page.keyboard.type(text)


def test_operator_logs_a_food_request_in_under_25_keystrokes_and_a_minute(
    page, live_server, login, operator, citizen, csp_violations
):
    login(operator)
    keyboard = Keyboard(page)
    started = time.monotonic()
    page.goto(f"{live_server.url}/intake/call?phone={CALLER_PHONE}")  # the phone system opens this page
    expect(page.get_by_test_id("caller-card")).to_contain_text("Кузнецова Валентина Ивановна")
    keyboard.press("Enter")  # "Log a request" has the focus
    expect(page.get_by_test_id("person-name")).to_have_text("Кузнецова Валентина Ивановна")
    expect(page.locator("#id_rows-0-service_type")).to_be_focused()
    keyboard.press("ArrowDown")  # the first service of the catalogue: food
    expect(page.locator("#id_rows-0-service_type option:checked")).to_have_text("Покупка и доставка продуктов")
    keyboard.press("Tab")
    keyboard.free_text("Хлеб, молоко, гречка, яблоки")
    keyboard.press("Enter")  # check and read back
    read_back = page.get_by_test_id("read-back")
    expect(read_back).to_contain_text("Покупка и доставка продуктов: Хлеб, молоко, гречка, яблоки")
    expect(read_back).to_contain_text(citizen.address)
    expect(page.get_by_test_id("confirm")).to_be_focused()
    keyboard.press("Enter")  # confirmed — save
    expect(page).to_have_url(re.compile(r"/intake/call$"))
    expect(page.locator(".message-success")).to_contain_text("Кузнецова В. И.")
    elapsed = time.monotonic() - started

    help_request = HelpRequest.objects.get()
    assert help_request.service_type.code == "food"
    assert help_request.details == "Хлеб, молоко, гречка, яблоки"
    assert help_request.tcso.name == "ТЦСО «Бирюлёво»"
    assert Interaction.objects.get().outcome == Outcome.REQUEST_CREATED
    print(f"\nfood request: {keyboard.keystrokes} keystrokes, {elapsed:.1f} s")
    assert keyboard.keystrokes < 25
    assert elapsed < 60
    assert csp_violations == []


def test_operator_logs_a_call_with_food_and_medicines(page, live_server, login, operator, citizen, csp_violations):
    login(operator)
    page.goto(f"{live_server.url}/intake/call?phone={CALLER_PHONE}")
    expect(page.get_by_test_id("open-requests")).to_have_count(0)
    page.get_by_test_id("log-call").click()
    page.locator("#id_rows-0-service_type").select_option(label="Покупка и доставка продуктов")
    page.locator("#id_rows-0-details").fill("Хлеб, молоко")
    page.locator("[data-add-row]").click()  # added in the page by intake.js
    second = page.locator("#id_rows-1-service_type")
    expect(second).to_be_focused()
    second.select_option(label="Покупка и доставка лекарств")
    page.locator("#id_rows-1-details").fill("Лекарства по рецепту")
    expect(page.locator("#id_rows-1-address")).to_have_value(citizen.address)
    page.locator("#id_rows-1-urgency").select_option("urgent")
    page.locator("#id_rows-1-details").press("Enter")
    read_back = page.get_by_test_id("read-back")
    expect(read_back.locator("li")).to_have_count(2)
    page.get_by_test_id("confirm").click()
    expect(page).to_have_url(re.compile(r"/intake/call$"))
    expect(page.locator(".message-success")).to_contain_text("Кузнецова В. И.")

    requests = list(HelpRequest.objects.order_by("pk"))
    assert [r.service_type.code for r in requests] == ["food", "medicines"]
    assert requests[1].urgency == "urgent"
    interaction = Interaction.objects.get()
    assert set(interaction.requests.all()) == set(requests)

    # The next call from the same number shows both open requests.
    page.goto(f"{live_server.url}/intake/call?phone={CALLER_PHONE}")
    expect(page.get_by_test_id("open-requests").locator("tbody tr")).to_have_count(2)
    assert csp_violations == []
