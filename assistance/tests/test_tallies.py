"""The daily tallies of requests (assistance/tallies.py) follow every creation and move, day by day."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from assistance import tallies
from assistance.models import RequestTally, Status
from assistance.services import reassign, transfer, unassign
from core.actor import Actor
from core.exceptions import ConcurrentEditError

pytestmark = pytest.mark.django_db

MOSCOW = datetime.timezone(datetime.timedelta(hours=3))


def _at(day: int, hour: int) -> datetime.datetime:
    """``day`` days before 2026-12-05, at ``hour`` Moscow time."""
    return datetime.datetime(2026, 12, 5, hour, tzinfo=MOSCOW) - datetime.timedelta(days=day)


def _kept() -> dict[tuple, int]:
    return {
        (kind, day, tcso, service, status): n
        for kind, day, tcso, service, status, n in RequestTally.objects.values_list(
            "kind", "day", "tcso_id", "service_type_id", "status", "n"
        )
        if n
    }


@pytest.fixture
def history(town):
    """Requests made and moved over four days, late in the evening and just after midnight (Moscow)."""
    with time_machine.travel(_at(3, 23), tick=False):  # 20:00 UTC: the day is Moscow's, not UTC's
        done = town.new_request()
        cancelled = town.new_request()
        handed = town.new_request()
    with time_machine.travel(_at(2, 0) + datetime.timedelta(minutes=30), tick=False):
        town.walk(done, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS)
        town.walk(cancelled, Status.CANCELLED)
        handed.refresh_from_db()
        transfer(help_request=handed, to_tcso=town.other_tcso, actor=Actor(town.supervisor), version=handed.version,
                 reason="Переехала")  # fmt: skip
        failed = town.new_request()
        town.walk(failed, Status.ACCEPTED, Status.ASSIGNED, Status.RETURNED)
    with time_machine.travel(_at(1, 12), tick=False):
        town.walk(done, Status.DONE)
        town.walk(failed, Status.FAILED)
        moving = town.walk(town.new_request(), Status.ACCEPTED, Status.ASSIGNED)
        moving = unassign(help_request=moving, actor=Actor(town.dispatcher), version=moving.version, reason="Болеет")
        reassign_to = town.volunteer
        moving = town.walk(moving, Status.ASSIGNED, assignee=town.worker)
        reassign(help_request=moving, assignee=reassign_to, actor=Actor(town.dispatcher), version=moving.version,
                 reason="Ближе живёт")  # fmt: skip
    return {"done": done, "cancelled": cancelled, "handed": handed, "failed": failed, "moving": moving}


def test_the_kept_tally_is_what_counting_the_requests_gives(town, history):
    assert tallies.rebuild(check=True) == {"requests per day": 0}
    day3, day2, day1 = (_at(n, 12).date() for n in (3, 2, 1))
    service = town.service.pk
    assert _kept() == {
        # created late on day 3 (Moscow): done, cancelled, and the one handed to the other TCSO (new there)
        ("created", day3, town.tcso.pk, service, "done"): 1,
        ("created", day3, town.tcso.pk, service, "cancelled"): 1,
        ("created", day3, town.other_tcso.pk, service, "new"): 1,
        ("created", day2, town.tcso.pk, service, "failed"): 1,
        ("created", day1, town.tcso.pk, service, "assigned"): 1,
        # closed on the day each was closed
        ("closed", day2, town.tcso.pk, service, "cancelled"): 1,
        ("closed", day1, town.tcso.pk, service, "done"): 1,
        ("closed", day1, town.tcso.pk, service, "failed"): 1,
    }


def test_a_refused_move_leaves_the_tally_as_it_was(town, history):
    before = _kept()
    stale = history["moving"]
    with pytest.raises(ConcurrentEditError):
        unassign(help_request=stale, actor=Actor(town.dispatcher), version=stale.version - 1, reason="Устарело")
    assert _kept() == before


def test_rebuild_mends_a_tally_that_drifted_and_check_says_so(town, history, capsys):
    row = RequestTally.objects.filter(kind="closed", status="done").get()
    RequestTally.objects.filter(pk=row.pk).update(n=5)
    RequestTally.objects.create(kind="created", day=timezone.localdate(), tcso=town.tcso, service_type=town.service,
                                status="new", n=2)  # fmt: skip
    with pytest.raises(SystemExit) as stopped:
        call_command("rebuild_tallies", "--check")
    assert stopped.value.code == 1
    assert "requests per day: 2 rows differ" in capsys.readouterr().out
    call_command("rebuild_tallies")
    assert tallies.rebuild(check=True) == {"requests per day": 0}
    call_command("rebuild_tallies", "--check")  # agrees: no exit
    assert "requests per day: agrees" in capsys.readouterr().out


def test_counts_reads_whole_days_per_tcso(town, history):
    day3, day1 = _at(3, 12).date(), _at(1, 12).date()
    city = tallies.counts(day3, day1, None)
    assert sum(city.created.values()) == 5
    assert city.created_by_tcso == {town.tcso.pk: 4, town.other_tcso.pk: 1}
    assert city.closed == {(town.tcso.pk, "cancelled"): 1, (town.tcso.pk, "done"): 1, (town.tcso.pk, "failed"): 1}
    own = tallies.counts(day1, day1, [town.other_tcso.pk])
    assert (own.created, own.closed) == ({}, {})
