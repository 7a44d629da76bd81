"""The dashboard reads whole past days from the daily tallies and the rest of the period row by row; the
figures are the same as counting every row (reports/periods.py ``split``, assistance and intake tallies)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from assistance.models import HelpRequest, RequestTally, Status
from assistance.selectors import visible_requests, visible_tcso_ids
from assistance.services import transfer
from core.actor import Actor
from intake.selectors import visible_interactions
from intake.services import record_interaction
from reports.figures.assistance import period_counts
from reports.figures.intake import call_figures
from reports.periods import Period, between, period, split

pytestmark = pytest.mark.django_db

MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")
# The tests run at one evening: the month's last closings (yesterday 12:00 and 23:50 plus twenty hours) fall
# today before it, whatever the clock of the machine says (CI once ran at 08:10 Moscow time and counted one
# of them, a test written before 08:00 did not).
NOW = datetime.datetime(2026, 12, 6, 21, 30, tzinfo=MOSCOW)


@pytest.fixture(autouse=True)
def evening():
    with time_machine.travel(NOW, tick=False):
        yield


def _day(days_ago: int, hour: int) -> datetime.datetime:
    today = timezone.localdate()
    return datetime.datetime.combine(today - datetime.timedelta(days=days_ago), datetime.time(hour), tzinfo=MOSCOW)


@pytest.fixture
def month(town):
    """Six weeks of requests and calls in both TCSOs: made at 00:10, noon and 23:50 Moscow time, closed a
    day later (done, not done, cancelled), one handed to the other TCSO; and some made today."""
    for days_ago in (40, 30, 29, 15, 7, 2, 1):
        for hour, minute in ((0, 10), (12, 0), (23, 50)):
            moment = _day(days_ago, hour) + datetime.timedelta(minutes=minute)
            with time_machine.travel(moment, tick=False):
                done, failed, cancelled = (town.new_request() for _ in range(3))
                record_interaction(person=town.person, outcome="information_only", actor=Actor(town.operator))
            with time_machine.travel(moment + datetime.timedelta(hours=20), tick=False):
                town.walk(done, Status.ACCEPTED, Status.ASSIGNED, Status.DONE)
                town.walk(failed, Status.ACCEPTED, Status.ASSIGNED, Status.FAILED)
                town.walk(cancelled, Status.CANCELLED)
                handed = town.new_request()
                transfer(help_request=handed, to_tcso=town.other_tcso, actor=Actor(town.supervisor),
                         version=handed.version, reason="Переехала")  # fmt: skip
    today = town.new_request()
    town.walk(today, Status.ACCEPTED)
    town.walk(town.new_request(), Status.CANCELLED)
    record_interaction(person=town.person, outcome="wrong_number", actor=Actor(town.operator))


def _periods() -> list[Period]:
    today = timezone.localdate()
    thirty = period("30d")
    return [
        thirty,
        period("week"),
        period("today"),
        between(today - datetime.timedelta(days=45), today - datetime.timedelta(days=1)),
        between(today - datetime.timedelta(days=10), today),
        between(today - datetime.timedelta(days=29), today - datetime.timedelta(days=29)),
        # begun in the middle of a day: that day counted row by row
        Period("from noon", thirty.start + datetime.timedelta(hours=12), thirty.end),
    ]


@pytest.mark.parametrize("who", ["supervisor", "dispatcher", "other_dispatcher"])
def test_requests_counted_from_the_tallies_are_those_counted_row_by_row(town, month, who):
    user = getattr(town, who)
    scope, tcso_ids = visible_requests(user), visible_tcso_ids(user)
    assert tcso_ids is not None
    for when in _periods():
        tallied, counted = period_counts(scope, when, tcso_ids), period_counts(scope, when)
        assert tallied == counted, when
    assert sum(period_counts(scope, period("30d"), tcso_ids).created.values()) > 0


def test_calls_counted_from_the_tallies_are_those_counted_row_by_row(town, month):
    calls = visible_interactions(town.supervisor)
    for when in _periods():
        assert call_figures(calls, when, every_call=True) == call_figures(calls, when), when
    assert call_figures(calls, period("30d"), every_call=True).received == 5 * 3 + 1  # days 29, 15, 7, 2, 1 and today


def test_the_dashboard_reads_past_days_from_the_tallies_and_today_row_by_row(client, town, month):
    """A tally row of a past day put wrong shows on the 30-day dashboard and not on today's: the page reads
    the past from the tallies (and `rebuild_tallies --check` is what finds such a row)."""
    client.force_login(town.supervisor)
    url = reverse("reports:dashboard")
    before = client.get(url, {"period": "30d"}).context["figures"].created
    today = client.get(url, {"period": "today"}).context["figures"].created
    row = RequestTally.objects.filter(kind="created", day=_day(7, 12).date(), status="done").first()
    RequestTally.objects.filter(pk=row.pk).update(n=row.n + 100)
    assert client.get(url, {"period": "30d"}).context["figures"].created == before + 100
    # made today: two in the morning and evening (handed on), one accepted, one cancelled
    assert client.get(url, {"period": "today"}).context["figures"].created == today == 4


def test_a_coordinator_is_counted_row_by_row(town, month):
    assert visible_tcso_ids(town.coordinator) is None


USERS = ["operator", "dispatcher", "other_dispatcher", "supervisor", "administrator", "worker_user",
         "volunteer_user", "coordinator", "psychologist", "navigator", "telephony"]  # fmt: skip


@pytest.mark.parametrize("who", USERS)
def test_the_tcsos_a_user_is_counted_by_hold_exactly_the_requests_he_sees(town, month, who):
    """``visible_tcso_ids`` names whole TCSOs only where ``visible_requests`` is those TCSOs' requests."""
    user = getattr(town, who)
    tcso_ids = visible_tcso_ids(user)
    if tcso_ids is None:
        return  # counted row by row
    seen = set(visible_requests(user).values_list("pk", flat=True))
    assert seen == set(HelpRequest.objects.filter(tcso_id__in=tcso_ids).values_list("pk", flat=True))
    if who in ("supervisor", "dispatcher", "other_dispatcher"):
        assert seen


# --- split ------------------------------------------------------------------------------------------------
def test_thirty_days_are_twenty_nine_whole_days_and_today_up_to_now():
    now = datetime.datetime(2026, 12, 6, 15, 0, tzinfo=MOSCOW)
    parts = split(period("30d", now=now))
    assert parts.days == (datetime.date(2026, 11, 7), datetime.date(2026, 12, 5))
    assert [(p.start, p.end) for p in parts.rest] == [(datetime.datetime(2026, 12, 6, tzinfo=MOSCOW), now)]


def test_a_range_of_days_is_whole_and_a_period_begun_after_midnight_is_not():
    parts = split(between(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)))
    assert (parts.days, parts.rest) == ((datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)), [])
    start = datetime.datetime(2026, 11, 1, 9, 30, tzinfo=MOSCOW)
    end = datetime.datetime(2026, 11, 3, 23, 59, 59, 999999, tzinfo=MOSCOW)
    parts = split(Period("range", start, end))
    assert parts.days == (datetime.date(2026, 11, 2), datetime.date(2026, 11, 3))
    first_end = datetime.datetime(2026, 11, 1, 23, 59, 59, 999999, tzinfo=MOSCOW)
    assert [(p.start, p.end) for p in parts.rest] == [(start, first_end)]
    today = period("today", now=datetime.datetime(2026, 12, 6, 15, 0, tzinfo=MOSCOW))
    assert split(today).days is None


def test_in_another_time_zone_than_the_citys_every_day_is_counted_row_by_row():
    with timezone.override(zoneinfo.ZoneInfo("Asia/Vladivostok")):
        assert split(period("30d")).days is None
