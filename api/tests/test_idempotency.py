import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from api.idempotency import purge_expired
from api.models import IdempotencyRecord
from people.models import Person

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people"


def body(district, **overrides):
    return {
        "surname": "Орлова",
        "given_name": "Нина",
        "birth_date": "1940-01-15",
        "district_id": district.pk,
        "phones": [{"number": "8 (916) 700-00-01"}],
        **overrides,
    }


def test_replay_returns_the_first_answer_without_creating_again(operator_api, district):
    first = operator_api.post(PEOPLE, body(district), key="key-1")
    again = operator_api.post(PEOPLE, body(district), key="key-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Person.objects.count() == 1


def test_replay_matches_the_body_by_content_not_by_spacing_or_key_order(operator_api, district):
    first = operator_api.post(PEOPLE, body(district), key="key-2")
    reordered = dict(reversed(list(body(district).items())))
    again = operator_api.post(PEOPLE, reordered, key="key-2")
    assert again.json()["id"] == first.json()["id"]
    assert Person.objects.count() == 1


def test_same_key_with_a_different_body_is_a_422(operator_api, district):
    operator_api.post(PEOPLE, body(district), key="key-3")
    response = operator_api.post(PEOPLE, body(district, given_name="Зоя"), key="key-3")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    assert Person.objects.count() == 1


def test_keys_belong_to_one_user(api_as, user_with_role, district):
    first = api_as(user_with_role("operator")).post(PEOPLE, body(district), key="shared")
    second = api_as(user_with_role("operator")).post(PEOPLE, body(district, confirm_not_duplicate=True), key="shared")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]


def test_a_refused_request_does_not_use_up_the_key(operator_api, district):
    refused = operator_api.post(PEOPLE, body(district, snils="1"), key="key-4")
    assert refused.status_code == 422
    assert not IdempotencyRecord.objects.exists()
    fixed = operator_api.post(PEOPLE, body(district), key="key-4")
    assert fixed.status_code == 201


def test_patch_replay_does_not_bump_the_version_twice(operator_api, person):
    change = {"version": person.version, "address": "ул. Первая, 1"}
    first = operator_api.patch(f"{PEOPLE}/{person.pk}", change, key="patch-1")
    again = operator_api.patch(f"{PEOPLE}/{person.pk}", change, key="patch-1")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    person.refresh_from_db()
    assert person.version == first.json()["version"] == 2


def test_key_longer_than_200_characters_is_refused(operator_api, district):
    response = operator_api.post(PEOPLE, body(district), key="k" * 201)
    assert response.status_code == 400
    assert not Person.objects.exists()


def test_records_older_than_a_day_expire(operator_api, district):
    operator_api.post(PEOPLE, body(district), key="old")
    IdempotencyRecord.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    assert purge_expired() == 1
    assert not IdempotencyRecord.objects.exists()


def test_purge_command_deletes_only_expired_records(operator_api, district):
    operator_api.post(PEOPLE, body(district), key="old")
    operator_api.post(PEOPLE, body(district, surname="Петрова"), key="new")
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - datetime.timedelta(hours=25))
    out = io.StringIO()
    call_command("purge_idempotency", stdout=out)
    assert "purged: 1" in out.getvalue()
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_a_key_whose_record_expired_is_used_afresh(operator_api, district):
    first = operator_api.post(PEOPLE, body(district), key="reused")
    IdempotencyRecord.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    again = operator_api.post(PEOPLE, body(district, surname="Петрова"), key="reused")
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert again.json()["id"] != first.json()["id"]
    assert Person.objects.count() == 2
    assert IdempotencyRecord.objects.get().response_body["id"] == again.json()["id"]
