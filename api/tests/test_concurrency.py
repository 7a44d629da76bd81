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
from core.actor import Actor
from people import services
from people.models import Person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL's concurrent writers")


def twice_at_once(send) -> list:  # type: ignore[no-untyped-def]
    """Call ``send()`` from two threads released together, each on its own database connection."""
    barrier = threading.Barrier(2)
    responses: list = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            responses.append(send())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


def post_twice_at_once(key: str) -> list:
    district = DistrictFactory()
    _record, token = ApiToken.issue(user=UserFactory(role="operator"), name="race")
    body = json.dumps({"surname": "Гонкина", "given_name": "Ольга", "district_id": district.pk})
    return twice_at_once(
        lambda: Client().post(
            "/api/v1/people",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        )
    )


def assert_one_person_created(responses: list) -> None:
    assert sorted(r.status_code for r in responses) == [201, 201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert sorted(r.get("Idempotent-Replayed", "") for r in responses) == ["", "true"]
    assert Person.objects.filter(surname="Гонкина").count() == 1


def test_concurrent_requests_with_the_same_key_create_one_person():
    assert_one_person_created(post_twice_at_once("race-1"))


def test_the_second_request_waits_on_the_key_and_replays_the_first_answer(monkeypatch):
    """Force the overlap: both requests are inside the (slow) action at once; the key is claimed at the end."""
    stored = idempotency._stored
    lookups_after_conflict: list[str] = []

    def recorded_lookup(user, key):  # type: ignore[no-untyped-def]
        lookups_after_conflict.append(key)  # only reached after the insert hit the unique constraint
        return stored(user, key)

    create_person = services.create_person

    def slow_create_person(**kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.5)
        return create_person(**kwargs)

    monkeypatch.setattr(idempotency, "_stored", recorded_lookup)
    monkeypatch.setattr(services, "create_person", slow_create_person)
    started = time.monotonic()
    responses = post_twice_at_once("race-2")
    assert_one_person_created(responses)
    assert lookups_after_conflict == ["race-2"]
    assert time.monotonic() - started < 10


def test_a_status_move_retried_while_the_first_attempt_runs_is_made_once(monkeypatch):
    """The retry's conditional UPDATE waits for the first attempt's row lock, then finds the version
    moved on; instead of a stale-version answer it replays the first attempt's answer."""
    from api.tests.factories import OrganisationFactory, PersonFactory, WorkerFactory
    from assistance import services as assistance_services
    from assistance.models import Status, Transition
    from assistance.services import RequestInput, create_request
    from assistance.tests.factories import ServiceTypeFactory

    district = DistrictFactory()
    tcso = OrganisationFactory()
    tcso.districts.add(district)
    dispatcher = UserFactory(role="dispatcher")
    WorkerFactory(user=dispatcher, organisation=tcso)
    help_request = create_request(
        person=PersonFactory(district=district),
        data=RequestInput(service_type=ServiceTypeFactory()),
        actor=Actor(UserFactory(role="operator")),
    )
    _record, token = ApiToken.issue(user=dispatcher, name="race")
    move = assistance_services.transition

    def slow_move(**kwargs):  # type: ignore[no-untyped-def]
        moved = move(**kwargs)
        time.sleep(0.5)  # hold the row lock while the retry arrives
        return moved

    monkeypatch.setattr(assistance_services, "transition", slow_move)
    responses = twice_at_once(
        lambda: Client().post(
            f"/api/v1/requests/{help_request.pk}/transitions",
            json.dumps({"to": "accepted", "version": 1}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "move-1"},
        )
    )
    assert [r.status_code for r in responses] == [200, 200], [r.content for r in responses]
    assert sorted(r.get("Idempotent-Replayed", "") for r in responses) == ["", "true"]
    assert responses[0].json() == responses[1].json()
    help_request.refresh_from_db()
    assert help_request.status == Status.ACCEPTED and help_request.version == 2
    assert Transition.objects.filter(request=help_request, to_status=Status.ACCEPTED).count() == 1
