"""Issue 15 §1: a surname heard over the phone and typed wrong still finds the citizen, with the
address; results page beyond 50. §2: a dispatcher is told which TCSO serves a citizen of another
district instead of "nobody registered"."""

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from people.tests.factories import DistrictFactory, OrganisationFactory, PersonFactory, PhoneFactory, WorkerFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"


def _user(username: str, role: str) -> User:
    user = User.objects.create_user(username, password=PASSWORD, first_name="Ольга", last_name="Смирнова")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def test_operator_finds_a_misspelt_surname_and_pages_beyond_fifty(page, live_server, login, csp_violations):
    PersonFactory(surname="Кузнецова", given_name="Валентина", patronymic="Ивановна", address="ул. Лесная, д. 5")
    PersonFactory(surname="Петрова", given_name="Нина")
    for n in range(55):
        PersonFactory(surname="Морозова", given_name=f"Анна{n:02d}")
    login(_user("operator1", "operator"))
    page.get_by_role("searchbox").fill("Кузнецва")
    page.keyboard.press("Enter")
    results = page.get_by_test_id("search-results")
    expect(results).to_contain_text("Кузнецова Валентина Ивановна")
    expect(results).to_contain_text("ул. Лесная, д. 5")
    expect(results).not_to_contain_text("Петрова")

    page.get_by_role("searchbox").fill("Марозова")
    page.keyboard.press("Enter")
    expect(results.locator("tbody tr")).to_have_count(50)
    expect(results).to_contain_text("Анна49")
    page.locator("a[rel=next]").click()
    expect(results).to_contain_text("Анна54")
    expect(results.locator("tbody tr")).to_have_count(5)
    expect(results).not_to_contain_text("Анна49")
    assert "page=2" in page.url
    assert csp_violations == []


def test_dispatcher_is_told_the_citizen_is_served_by_another_tcso(page, live_server, login):
    own_district, other_district = DistrictFactory(name="Царицыно"), DistrictFactory(name="Бирюлёво Восточное")
    own_tcso, other_tcso = OrganisationFactory(name="ТЦСО «Царицыно»"), OrganisationFactory(name="ТЦСО «Бирюлёво»")
    own_tcso.districts.add(own_district)
    other_tcso.districts.add(other_district)
    dispatcher = _user("dispatcher1", "dispatcher")
    WorkerFactory(user=dispatcher, organisation=own_tcso)
    citizen = PersonFactory(surname="Соколова", given_name="Нина", district=other_district)
    PhoneFactory(person=citizen, number="+79265550101")
    login(dispatcher)
    page.goto(live_server.url + "/people/?q=8+926+555-01-01")
    row = page.get_by_test_id("served-elsewhere")
    expect(row).to_contain_text("Соколова Нина")
    expect(row).to_contain_text("ТЦСО «Бирюлёво»")
    expect(row.get_by_role("link")).to_have_count(0)
    expect(page.get_by_test_id("search-results")).not_to_contain_text("+7 926 555-01-01")
