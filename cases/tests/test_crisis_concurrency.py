"""Two psychologists taking the same crisis at once, and two coordinators marking one at once: one wins,
the other is told why (PostgreSQL only: SQLite takes the write lock at BEGIN, so its writers never overlap)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from cases import crisis
from cases.models import CrisisAlert
from cases.tests.conftest import open_case
from core.actor import Actor
from core.exceptions import ValidationError
from people.tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL's concurrent writers")


def twice_at_once(first: Callable[[], Any], second: Callable[[], Any]) -> list[Any]:
    """Run both from two threads released together, each on its own connection; results or errors."""
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def run(action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):
                results.append(action())
        except ValidationError as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_psychologists_taking_a_crisis_at_once_one_wins(ward, make_user):
    psychologists = []
    for name in ("Ирина", "Ольга"):
        user = make_user("psychologist", first_name=name, last_name="Зайцева")
        WorkerFactory(user=user, organisation=ward.hospital)
        psychologists.append(user)
    alert = crisis.mark_crisis(actor=Actor(ward.coordinator), case=open_case(ward), note="плохо")
    results = twice_at_once(
        *(
            lambda u=u: crisis.answer_crisis(actor=Actor(u), alert=CrisisAlert.objects.get(pk=alert.pk))
            for u in psychologists
        )
    )
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(results) == 2 and len(refused) == 1
    alert.refresh_from_db()
    assert alert.answered_by in psychologists
    assert refused[0].messages[0].startswith(f"This crisis is already taken by {alert.answered_by.get_full_name()}")


def test_two_coordinators_marking_at_once_make_one_crisis(ward):
    case = open_case(ward)
    results = twice_at_once(
        *(
            lambda u=u: crisis.mark_crisis(actor=Actor(u), case=case, note="плохо")
            for u in (ward.coordinator, ward.colleague)
        )
    )
    assert sorted(type(r).__name__ for r in results) == ["CrisisAlert", "ValidationError"]
    assert CrisisAlert.objects.filter(case=case).count() == 1
