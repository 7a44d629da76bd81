"""The daily tallies of calls (intake/tallies.py) follow every call the services write, and two writers
adding to the same row at once both count (core/tallies.py)."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection, transaction

from api.tests.test_concurrency import twice_at_once
from assistance.services import RequestInput
from core import tallies as core_tallies
from core.actor import Actor
from intake import tallies
from intake.models import CallTally, Interaction
from intake.services import RowInput, cti_event, log_call, record_interaction

MOSCOW = datetime.timezone(datetime.timedelta(hours=3))
DAY = datetime.datetime(2026, 12, 1, 23, 30, tzinfo=MOSCOW)  # 20:30 UTC: Moscow's 1 December


def _kept() -> dict[tuple, int]:
    return {
        (day, medium, direction, outcome): n
        for day, medium, direction, outcome, n in CallTally.objects.values_list(
            "day", "medium", "direction", "outcome", "n"
        )
        if n
    }


@pytest.mark.django_db
def test_each_call_counts_once_on_its_moscow_day_with_its_outcome_now(town):
    with time_machine.travel(DAY, tick=False):
        ringing = cti_event(event="ring", call_id="c-1", phone="+74950000001", actor=Actor(town.telephony))
        record_interaction(person=town.person, outcome="information_only", actor=Actor(town.operator))
    with time_machine.travel(DAY + datetime.timedelta(days=1), tick=False):
        # The call that rang yesterday is recorded today: it stays on its day, with its outcome now.
        window = DAY + datetime.timedelta(days=2)
        # At 23:30 the call centre takes urgent requests only.
        need = RequestInput(service_type=town.service, urgency="urgent", window_start=window,
                            window_end=window + datetime.timedelta(hours=4))  # fmt: skip
        log_call(person=town.person, rows=[RowInput(need)], actor=Actor(town.operator), cti_call_id="c-1",
                 version=ringing.version)  # fmt: skip
        record_interaction(person=town.person, outcome="wrong_number", actor=Actor(town.operator))
    first, second = DAY.date(), DAY.date() + datetime.timedelta(days=1)
    assert _kept() == {
        (first, "phone", "inbound", "request_created"): 1,
        (first, "phone", "inbound", "information_only"): 1,
        (second, "phone", "inbound", "wrong_number"): 1,
    }
    assert Interaction.objects.count() == 3
    assert tallies.rebuild(check=True) == {"calls per day": 0}
    assert tallies.counts(first, second)[("phone", "inbound", "request_created")] == 1


@pytest.mark.django_db(transaction=True)
def test_two_writers_adding_to_a_new_row_at_once_both_count():
    """PostgreSQL only (SQLite's writers never overlap): the second writer waits for the first's row and
    adds to it; a read-then-write would count one, a plain insert would fail on the key."""
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL's concurrent writers")
    key = (datetime.date(2026, 12, 1), "phone", "inbound", "complaint")

    def add_and_hold() -> str:
        with transaction.atomic():
            core_tallies.add(CallTally, {key: 1})
            threading.Event().wait(0.3)  # hold the row while the other writer arrives
        return "counted"

    assert twice_at_once(add_and_hold) == ["counted", "counted"]
    assert CallTally.objects.get(day=key[0], outcome="complaint").n == 2


@pytest.mark.django_db
def test_changes_that_cancel_out_write_nothing_and_a_negative_change_subtracts():
    key = (datetime.date(2026, 12, 1), "phone", "inbound", "")
    assert core_tallies.difference([key], [key]) == {}
    core_tallies.add(CallTally, {key: 3})
    core_tallies.add(CallTally, {key: -1, (datetime.date(2026, 12, 2), "phone", "inbound", ""): 0})
    assert _kept() == {key: 2}
