"""The API takes JSON bodies only, refuses oversized ones, and answers every such error in its JSON shape."""

import json

import pytest
from django.conf import settings

from assistance.models import HelpRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_as, town):
    return api_as(town.operator)


def _post(api, path, body, content_type="application/json"):
    return api.client.post(path, body, content_type=content_type, headers=api.headers())


def test_a_form_encoded_body_is_415_in_json(api, town):
    response = _post(
        api, "/api/v1/requests", f"person_id={town.person.pk}&service_type=food", "application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response["Content-Type"].startswith("application/json")
    assert "application/json" in response.json()["detail"]
    assert not HelpRequest.objects.exists()


def test_a_json_body_with_a_charset_is_fine(api, town):
    body = json.dumps({"person_id": town.person.pk, "service_type": town.service.code})
    assert _post(api, "/api/v1/requests", body, "application/json; charset=utf-8").status_code == 201


@pytest.mark.parametrize("megabytes", [3, 24])
def test_an_oversized_body_is_413_in_json_and_saves_nothing(api, town, megabytes):
    padding = "я" * (megabytes * 1024 * 1024 // 2)
    body = json.dumps({"person_id": town.person.pk, "service_type": town.service.code, "details": padding})
    assert len(body.encode()) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = _post(api, "/api/v1/requests", body)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert not HelpRequest.objects.exists()


def test_a_body_that_is_not_json_is_400_in_json(api):
    response = _post(api, "/api/v1/requests", "{not json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
