"""The start page depends on who comes: a social worker or a volunteer lands on today's tasks, a personal
assistant finds her day one click away, everyone else the search (issue 15 §3)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["volunteer", "social_worker"])
def test_a_field_role_lands_on_todays_tasks(make_user, role):
    client = Client()
    client.force_login(make_user(role))
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert 'id="field-today"' in html
    assert "Здесь появятся ваши задачи" not in html and "Your tasks will appear here." not in html


def test_a_personal_assistant_finds_her_day_from_the_start_page(make_user):
    client = Client()
    client.force_login(make_user("navigator"))
    html = client.get("/").content.decode()
    assert 'data-testid="home-navigation-day"' in html and 'href="/navigation/"' in html


def test_an_operator_starts_with_the_search(make_user):
    client = Client()
    client.force_login(make_user("operator"))
    html = client.get("/").content.decode()
    assert 'id="home-search"' in html and 'id="field-today"' not in html
