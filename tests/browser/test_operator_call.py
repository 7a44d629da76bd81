"""The operator's call in the browser (issue 15 §1): an unknown caller registered and served on one call."""

import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from assistance.catalogue import load_catalogue
from assistance.models import HelpRequest
from intake.models import Interaction
from people.models import Consent, Person
from people.tests.factories import DistrictFactory, OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"


@pytest.fixture
def operator(db):
    user = User.objects.create_user("operator1", password=PASSWORD, first_name="Ольга", last_name="Смирнова")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return user


@pytest.fixture
def city(db, settings):
    settings.OPORA_CALL_CENTRE_HOURS = "00:00-23:59"  # the test must not depend on the time it runs
    load_catalogue()
    district = DistrictFactory(name="Бирюлёво Восточное")
    DistrictFactory(name="Марьино")
    tcso = OrganisationFactory(name="ТЦСО «Бирюлёво»")
    tcso.districts.add(district)
    return district


def test_operator_registers_an_unknown_caller_and_takes_a_request_on_the_same_call(
    page, live_server, login, operator, city, csp_violations
):
    login(operator)
    page.goto(f"{live_server.url}/intake/call?phone=8 (903) 111-22-33&call=c-501")
    expect(page.get_by_test_id("no-match")).to_be_visible()
    page.get_by_test_id("register-caller").click()

    # The phone is filled in; the district is typed ahead from the list and the consent is asked here.
    expect(page.locator("input[name='phone']")).to_have_value("+79031112233")
    expect(page.locator("input[name='surname']")).to_be_focused()
    page.keyboard.type("Новикова")
    page.locator("input[name='given_name']").fill("Анна")
    page.locator("input[name='patronymic']").fill("Борисовна")
    page.locator("input[name='address']").fill("г. Москва, ул. Липецкая, д. 7, кв. 3")
    page.get_by_test_id("register").click()
    # Without a district and a consent nothing is saved, and the form says why.
    expect(page.locator(".field-error")).to_have_count(2)
    assert not Person.objects.exists()
    district = page.locator("input[list='district-names']")
    district.fill("Бирюлёво Восточное")
    page.locator("input[name='consent']").check()
    page.get_by_test_id("register").click()

    # Back on the same call, the new citizen selected: Enter takes the request.
    expect(page).to_have_url(re.compile(r"/intake/call\?phone=%2B79031112233&call=c-501&person=\d+$"))
    expect(page.get_by_test_id("caller-card")).to_contain_text("Новикова Анна Борисовна")
    expect(page.get_by_test_id("log-call")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("person-name")).to_have_text("Новикова Анна Борисовна")
    page.locator("#id_rows-0-service_type").select_option(label="Покупка и доставка продуктов")
    page.locator("#id_rows-0-details").fill("Хлеб и молоко")
    page.keyboard.press("Alt+r")  # read back
    expect(page.get_by_test_id("read-back")).to_contain_text("Хлеб и молоко")
    page.keyboard.press("Alt+s")  # confirmed — save

    # The numbers to read out, the name not declined, and the screen is ready for the next call.
    expect(page).to_have_url(re.compile(r"/intake/call$"))
    help_request = HelpRequest.objects.get()
    expect(page.locator(".message-success")).to_contain_text(str(help_request.pk))
    expect(page.locator(".message-success")).to_contain_text("Новикова А. Б.")
    expect(page.locator("#caller-phone")).to_be_focused()  # ready for the next call
    person = Person.objects.get()
    assert person.district == city
    assert Consent.objects.get(person=person).evidence.count("c-501") == 1
    call = Interaction.objects.get(person=person)
    assert call.phone == "+79031112233" and list(call.requests.all()) == [help_request]
    assert csp_violations == []


def test_slash_opens_the_search_from_a_page_without_a_search_box(page, live_server, login, operator, city):
    login(operator)
    page.goto(f"{live_server.url}/intake/callbacks")
    page.keyboard.press("/")
    expect(page).to_have_url(re.compile(r"/people/$"))
    expect(page.locator("[data-search-box]")).to_be_focused()
