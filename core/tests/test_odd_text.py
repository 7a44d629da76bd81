"""Text with control or invisible characters is refused with a message, through the API and the pages."""

import json

import pytest
from django.urls import reverse

from api.models import ApiToken
from assistance.models import HelpRequest
from intake.models import Interaction

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("details", ["Хлеб\x00", "Хлеб\u202eмолоко", "Хлеб\u200b"])
def test_a_request_with_invisible_characters_in_its_details_is_a_422(client, town, details):
    _record, token = ApiToken.issue(user=town.operator, name="t")
    response = client.post(
        "/api/v1/requests",
        json.dumps({"person_id": town.person.pk, "service_type": town.service.code, "details": details}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "ru"},
    )
    assert response.status_code == 422
    assert "невидимые" in response.json()["errors"]["details"][0]
    assert not HelpRequest.objects.exists()


def test_details_on_several_lines_are_kept(client, town):
    req = town.new_request(details="Хлеб\nМолоко\tдва пакета")
    assert req.details == "Хлеб\nМолоко\tдва пакета"


def test_a_call_note_with_a_bidirectional_override_is_refused(client, town, settings):
    settings.OPORA_CALL_CENTRE_HOURS = "00:00-23:59"
    client.force_login(town.operator)
    response = client.post(
        reverse("intake:interaction_create"),
        {"outcome": "information_only", "note": "перезвонить\u202e", "person": town.person.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert not Interaction.objects.exists()
    assert any("невидимые" in str(m) for m in response.context["messages"])
