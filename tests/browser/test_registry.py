"""The operator's registry work, as a person does it in the browser."""

import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from people.models import Person
from people.tests.factories import DistrictFactory, PersonFactory, PhoneFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"


@pytest.fixture
def operator(db):
    user = User.objects.create_user("operator1", password=PASSWORD, first_name="Ольга", last_name="Смирнова")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return user


def test_operator_finds_a_citizen_by_phone_and_opens_the_card(page, live_server, login, operator, csp_violations):
    citizen = PersonFactory(surname="Кузнецова", given_name="Валентина", patronymic="Ивановна")
    PhoneFactory(person=citizen, number="+79261234567")
    PersonFactory(surname="Другая", given_name="Гражданка")
    login(operator)
    page.get_by_role("searchbox").fill("8 (926) 123-45-67")
    page.keyboard.press("Enter")
    results = page.get_by_test_id("search-results")
    expect(results).to_contain_text("Кузнецова Валентина Ивановна")
    expect(results).not_to_contain_text("Другая")
    expect(results).to_contain_text("+7 926 123-45-67")
    results.get_by_role("link", name="Кузнецова Валентина Ивановна").click()
    expect(page.get_by_test_id("person-name")).to_have_text("Кузнецова Валентина Ивановна")
    expect(page.get_by_role("navigation", name="Разделы карточки")).to_contain_text("Заявки")
    assert csp_violations == []


def test_new_citizen_with_a_bad_snils_is_refused_then_saved_with_a_good_one(page, live_server, login, operator):
    district = DistrictFactory(name="Бирюлёво Восточное")
    login(operator)
    page.goto(live_server.url + "/people/new/")
    page.get_by_label(re.compile(r"^Фамилия")).fill("Соколова")
    page.get_by_label(re.compile(r"^Имя")).fill("Нина")
    page.get_by_label("Отчество").fill("Павловна")
    page.get_by_label("Дата рождения").fill("12.04.1941")
    page.get_by_label("Район").select_option(label=district.name)
    page.get_by_label("Телефон").first.fill("8 (916) 555-44-33")
    page.get_by_label("СНИЛС").fill("112-233-445 96")
    page.get_by_role("button", name="Зарегистрировать").click()
    expect(page.locator("#id_snils_error")).to_contain_text("СНИЛС")
    assert Person.objects.count() == 0
    # The typed values survive the error, only the SNILS needs fixing.
    expect(page.get_by_label(re.compile(r"^Фамилия"))).to_have_value("Соколова")
    page.get_by_label("СНИЛС").fill("112-233-445 95")
    page.get_by_role("button", name="Зарегистрировать").click()
    expect(page.get_by_test_id("person-name")).to_have_text("Соколова Нина Павловна")
    person = Person.objects.get()
    assert person.snils == "11223344595"
    assert list(person.phones.values_list("number", flat=True)) == ["+79165554433"]
    expect(page.locator("main")).to_contain_text("+7 916 555-44-33")


def test_language_switch_turns_the_interface_english_and_back(page, live_server, login, operator):
    login(operator)
    expect(page.get_by_role("link", name="Граждане")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="Citizens")).to_be_visible()
    expect(page.get_by_role("button", name="Find")).to_be_visible()
    page.get_by_role("button", name="Русский").click()
    expect(page.get_by_role("link", name="Граждане")).to_be_visible()
    expect(page).to_have_title(re.compile("Опора"))
