"""The supervisor reads a citizen's journal in the browser: who did what, the screen pop that showed the
citizen, and the filter by who / action / period."""

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from audit import services as audit
from audit.models import Action
from core.actor import Actor
from people import services as people_services
from people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"


def _user(username, role, first_name, last_name):
    user = User.objects.create_user(username, password=PASSWORD, first_name=first_name, last_name=last_name)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def test_a_supervisor_reads_and_filters_the_journal(page, live_server, login, csp_violations):
    supervisor = _user("supervisor1", "supervisor", "Елена", "Орлова")
    anna = _user("operator1", "operator", "Анна", "Морозова")
    ivan = _user("operator2", "operator", "Иван", "Петров")
    citizen = PersonFactory(surname="Кузнецова", given_name="Валентина", patronymic="Ивановна")
    neighbour = PersonFactory(surname="Соседова")
    # Anna's screen pop listed the citizen (and a neighbour on the same phone); Ivan changed the card.
    people_services.record_search(actor=Actor.system(anna), kind="caller_id", results=[citizen, neighbour])
    audit.record(
        actor=Actor.system(ivan), action=Action.CHANGE, obj=citizen, person_id=citizen.pk, fields=["birth_date"]
    )

    login(supervisor)
    page.goto(f"{live_server.url}/people/{citizen.pk}/journal/")
    journal = page.get_by_test_id("journal")
    expect(journal).to_contain_text("Морозова Анна")
    expect(journal).to_contain_text("Петров Иван")
    expect(journal).not_to_contain_text("operator1")  # names, not logins
    expect(journal).not_to_contain_text("people.person")  # record names, not codes
    expect(journal.locator("tbody tr[data-shown]")).to_have_count(1)  # the screen pop

    form = page.get_by_test_id("journal-filter")
    form.locator("select[name=who]").select_option(str(anna.pk))
    form.locator("select[name=action]").select_option("search")
    form.get_by_role("button").click()
    page.wait_for_url(f"**/people/{citizen.pk}/journal/?*")
    rows = page.get_by_test_id("journal").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Морозова Анна")
    expect(page.get_by_test_id("journal-filter").locator("select[name=who]")).to_have_value(str(anna.pk))

    # A period with nothing in it says so.
    page.goto(f"{live_server.url}/people/{citizen.pk}/journal/?since=2000-01-01&until=2000-01-31")
    expect(page.get_by_test_id("journal-empty")).to_be_visible()
    assert csp_violations == []
