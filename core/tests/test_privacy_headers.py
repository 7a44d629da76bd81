"""Pages and API answers with personal data are never stored by a cache; browser features stay off."""

import pytest
from django.urls import reverse

from api.models import ApiToken
from people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


def test_a_citizens_card_is_not_stored_by_any_cache(client, make_user):
    person = PersonFactory()
    client.force_login(make_user("operator"))
    response = client.get(reverse("people:detail", args=[person.pk]))
    assert response.status_code == 200
    assert {"no-store", "private"} <= _cache_control(response)
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_an_api_answer_with_a_citizens_record_is_not_stored(client, make_user):
    person = PersonFactory()
    _record, token = ApiToken.issue(user=make_user("operator"), name="t")
    response = client.get(f"/api/v1/people/{person.pk}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "no-store" in _cache_control(response)


def test_refusals_and_the_login_page_carry_the_headers_too(client, make_user):
    client.force_login(make_user("volunteer"))
    refused = client.get(reverse("people:list"), {"q": "Иванова"})
    assert refused.status_code == 403
    assert "no-store" in _cache_control(refused) and refused["Permissions-Policy"]
    client.logout()
    assert "no-store" in _cache_control(client.get(reverse("login")))
