"""The citizen card as a frame: tabs and sections registered by apps, served whole or as HTMX partials."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from audit.models import AuditEvent
from people import card
from people.card import CardSection, CardTab
from people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _pets_tab(request, person):
    return f'<p data-testid="pets">{escape(person.surname)} has a cat</p>'


@pytest.fixture
def pets_tab():
    """A tab of a programme app that `people` has never heard of."""
    tab = CardTab(code="pets", title="Pets", order=45, permission=None, view=_pets_tab)
    card.register_tab(tab)
    yield tab
    card.unregister_tab("pets")


@pytest.fixture
def client_as(make_user):
    def login(role):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(make_user(role))
        return client

    return login


def _codes(user, person):
    return [tab.code for tab in card.tabs_for(user, person)]


def test_tabs_come_in_their_order_with_the_journal_last(make_user):
    person = PersonFactory()
    codes = _codes(make_user("supervisor"), person)
    # The card's own tabs first, in order; the apps above add theirs between them and the journal.
    assert codes[:4] == ["overview", "contacts", "documents", "consents"]
    assert "requests" in codes
    assert codes[-1] == "journal"


def test_a_tab_is_hidden_from_a_user_without_its_permission(make_user):
    assert "journal" not in _codes(make_user("operator"), PersonFactory())


def test_placeholder_tabs_of_missing_programmes_are_gone(make_user):
    codes = _codes(make_user("supervisor"), PersonFactory())
    # A tab appears when its programme's app registers it (cases does), never as a placeholder.
    assert not {"consultations", "appointments"} & set(codes)


def test_a_registered_tab_takes_its_place_by_order(make_user, pets_tab):
    codes = _codes(make_user("operator"), PersonFactory())
    assert codes.index("consents") < codes.index("pets") < codes.index("requests")


def test_a_second_tab_with_the_same_code_is_refused(pets_tab):
    with pytest.raises(ImproperlyConfigured):
        card.register_tab(CardTab(code="pets", title="Pets again", order=1, permission=None, view=_pets_tab))


def test_a_second_section_with_the_same_code_is_refused():
    with pytest.raises(ImproperlyConfigured):
        card.register_section(CardSection(tab="requests", code="interactions", order=1, view=_pets_tab))


def test_get_tab_answers_none_for_an_unknown_code():
    with translation.override("en"):
        assert str(card.get_tab("requests").title) == "Requests"
    assert card.get_tab("nonsense") is None


def test_a_fake_apps_tab_appears_on_the_card(client_as, pets_tab):
    person = PersonFactory()
    html = client_as("operator").get(reverse("people:detail", args=[person.pk])).content.decode()
    assert f'href="{reverse("people:tab", args=[person.pk, "pets"])}"' in html
    assert ">Pets</a>" in html


def test_a_fake_apps_tab_is_served_as_a_whole_page(client_as, pets_tab):
    person = PersonFactory(surname="Котова")
    response = client_as("operator").get(reverse("people:tab", args=[person.pk, "pets"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert 'data-testid="person-name"' in html
    assert '<p data-testid="pets">Котова has a cat</p>' in html
    assert re.search(r'<a [^>]*id="card-tab-pets"[^>]* aria-current="page"', html)


def test_an_htmx_tab_load_answers_only_the_card_body(client_as, pets_tab):
    person = PersonFactory(surname="Котова")
    response = client_as("operator").get(reverse("people:tab", args=[person.pk, "pets"]), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-testid="person-name"' not in html
    assert html.strip().startswith('<div id="card-body">')
    assert 'role="tabpanel"' in html
    assert "Котова has a cat" in html
    assert re.search(r'<a [^>]*id="card-tab-pets"[^>]* aria-current="page"', html)
    assert "HX-Request" in response["Vary"]


def test_an_htmx_history_restore_gets_the_whole_page(client_as, pets_tab):
    person = PersonFactory()
    response = client_as("operator").get(
        reverse("people:tab", args=[person.pk, "pets"]), HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX
    )
    assert "<html" in response.content.decode()


def test_tab_links_load_their_tab_with_htmx_into_the_card_body(client_as):
    person = PersonFactory()
    html = client_as("operator").get(reverse("people:detail", args=[person.pk])).content.decode()
    url = reverse("people:tab", args=[person.pk, "documents"])
    assert f'href="{url}" id="card-tab-documents" hx-get="{url}" hx-target="#card-body"' in html
    assert 'hx-push-url="true"' in html


def test_an_unknown_tab_answers_404(client_as):
    person = PersonFactory()
    assert client_as("operator").get(reverse("people:tab", args=[person.pk, "nonsense"])).status_code == 404


def test_a_tab_without_permission_answers_403_and_journals_nothing(client_as, pets_tab):
    person = PersonFactory()
    assert client_as("operator").get(reverse("people:tab", args=[person.pk, "journal"]), **HTMX).status_code == 403
    assert not AuditEvent.objects.filter(person_id=person.pk).exists()


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
@pytest.mark.parametrize("tab", ["overview", "contacts", "requests", "pets"])
def test_each_view_of_a_tab_is_journaled_once(client_as, pets_tab, headers, tab):
    person = PersonFactory()
    client_as("operator").get(reverse("people:tab", args=[person.pk, tab]), **headers)
    events = AuditEvent.objects.filter(person_id=person.pk)
    assert events.count() == 1
    assert events.get().details["section"] == tab


def test_a_section_is_drawn_below_its_tab_and_disappears_with_it(client_as):
    person = PersonFactory()
    section = CardSection(tab="requests", code="notes", order=99, view=lambda request, person: "<p>Last note</p>")
    card.register_section(section)
    try:
        html = client_as("operator").get(reverse("people:tab", args=[person.pk, "requests"])).content.decode()
    finally:
        card.unregister_section("requests", "notes")
    assert html.index("No help requests recorded") < html.index("Calls and visits") < html.index("Last note")


def test_a_section_of_a_tab_nobody_registered_is_not_shown(client_as):
    person = PersonFactory()
    card.register_section(CardSection(tab="absent", code="x", order=1, view=lambda request, person: "<p>Orphan</p>"))
    try:
        html = client_as("supervisor").get(reverse("people:detail", args=[person.pk])).content.decode()
    finally:
        card.unregister_section("absent", "x")
    assert "Orphan" not in html


def test_a_failed_contact_form_rerenders_the_card_with_its_errors(client_as):
    person = PersonFactory()
    response = client_as("operator").post(
        reverse("people:contact_add", args=[person.pk]),
        {"full_name": "Иванов Пётр", "relation": "child", "phone": "12"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="Иванов Пётр"' in html
    assert re.search(r'id="card-tab-contacts"[^>]* aria-current="page"', html)


UPPER_APPS = ("assistance", "intake", "reports", "api", "demo", "cases", "psych", "navigation")


def test_people_imports_no_app_above_it():
    pattern = re.compile(rf"^\s*(from|import)\s+({'|'.join(UPPER_APPS)})\b", re.MULTILINE)
    package = Path(card.__file__).parent
    offenders = [path.name for path in package.glob("*.py") if pattern.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
