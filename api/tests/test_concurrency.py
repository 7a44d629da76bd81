"""Two requests with the same Idempotency-Key at the same moment create one person (PostgreSQL only:
SQLite takes the write lock at BEGIN, so its writers never overlap)."""

import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from api import idempotency
from api.models import ApiToken
from api.tests.factories import DistrictFactory, UserFactory
from people import services
from people.models import Person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL's concurrent writers")


def post_twice_at_once(key: str) -> list:
    district = DistrictFactory()
    _record, token = ApiToken.issue(user=UserFactory(role="operator"), name="race")
    body = json.dumps({"surname": "Гонкина", "given_name": "Ольга", "district_id": district.pk})
    barrier = threading.Barrier(2)
    responses: list = []

    def post() -> None:
        try:
            barrier.wait(timeout=10)
            responses.append(
                Client().post(
                    "/api/v1/people",
                    body,
                    content_type="application/json",
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


def assert_one_person_created(responses: list) -> None:
    assert sorted(r.status_code for r in responses) == [201, 201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert sorted(r.get("Idempotent-Replayed", "") for r in responses) == ["", "true"]
    assert Person.objects.filter(surname="Гонкина").count() == 1


def test_concurrent_requests_with_the_same_key_create_one_person():
    assert_one_person_created(post_twice_at_once("race-1"))


def test_the_second_request_waits_on_the_key_and_replays_the_first_answer(monkeypatch):
    """Force the overlap: both requests miss the stored record and the first one is slow to commit."""
    seen = threading.local()
    stored = idempotency._stored
    lookups_after_conflict: list[str] = []

    def first_lookup_misses(user, key):  # type: ignore[no-untyped-def]
        if not getattr(seen, "once", False):
            seen.once = True
            return None
        lookups_after_conflict.append(key)  # only reached after the insert hit the unique constraint
        return stored(user, key)

    create_person = services.create_person

    def slow_create_person(**kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.5)
        return create_person(**kwargs)

    monkeypatch.setattr(idempotency, "_stored", first_lookup_misses)
    monkeypatch.setattr(services, "create_person", slow_create_person)
    started = time.monotonic()
    responses = post_twice_at_once("race-2")
    assert_one_person_created(responses)
    assert lookups_after_conflict == ["race-2"]
    assert time.monotonic() - started < 10
