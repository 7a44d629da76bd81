"""Two people recording the same call at the same moment on the version they both saw: one wins, the
other is told (PostgreSQL only: SQLite takes the write lock at BEGIN, so its writers never overlap)."""

import datetime
import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import Action, AuditEvent
from core.actor import Actor
from core.exceptions import ConcurrentEditError
from intake import services
from intake.models import Interaction, Outcome

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL's concurrent writers")


def test_of_two_records_on_the_same_version_one_wins_and_the_other_is_told(town: Any, caller: Any):
    call = Interaction.objects.create(
        cti_call_id="race-1", phone="+79165551234", person=caller, operator=town.operator, outcome="information_only"
    )
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def record(user: Any, outcome: str, note: str) -> None:
        try:
            barrier.wait(timeout=10)
            callback_due_at = (
                timezone.now() + datetime.timedelta(hours=1) if outcome == Outcome.CALLBACK_NEEDED else None
            )
            services.record_interaction(
                person=caller,
                outcome=outcome,
                note=note,
                actor=Actor(user),
                callback_due_at=callback_due_at,
                cti_call_id="race-1",
                version=1,
            )
            outcomes[user.username] = "saved"
        except ConcurrentEditError:
            outcomes[user.username] = "told"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=record, args=(town.operator, Outcome.COMPLAINT, "курьер опоздал")),
        threading.Thread(target=record, args=(town.supervisor, Outcome.CALLBACK_NEEDED, "перезвонить")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["saved", "told"]
    call.refresh_from_db()
    assert call.version == 2
    winner = next(name for name, result in outcomes.items() if result == "saved")
    expected = {town.operator.username: "complaint", town.supervisor.username: "callback_needed"}[winner]
    assert call.outcome == expected
    changes = AuditEvent.objects.filter(object_id=str(call.pk), action=Action.CHANGE)
    assert list(changes.values_list("actor_username", flat=True)) == [winner]
