"""The dashboard at city scale (issue 15 §4): what made it take seconds, each caught where it came from.

- Every query of the request and call panels reads only the rows of its period (or the open requests)
  through an index, never a whole table nor every request of every TCSO: with 4 million requests such a
  pass took seconds. The plan is asked of the database itself (SQLite as the
  application leaves it, without statistics; PostgreSQL with sequential scans priced out, so that a
  missing index shows however small the test tables are).
- The requests closed in a period are found through ``request_closed``: an index of every status once
  led SQLite to read all closed requests through it.
- The median time to done and the days of the chart are computed by the database's own arithmetic, and
  agree with Python's ``statistics.median`` and Django's ``TruncDate``.
"""

import datetime
import statistics
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from assistance.models import HelpRequest, Status
from reports.figures import assistance as figures
from reports.figures import intake as call_figures
from reports.periods import between, period
from tests.plans import plans, recording, unbounded

pytestmark = pytest.mark.django_db
MSK = datetime.timezone(datetime.timedelta(hours=3))


def test_dashboard_reads_every_table_through_an_index(town):
    town.walk(town.new_request(), Status.ACCEPTED, Status.ASSIGNED, Status.DONE)
    town.new_request()
    when = period("30d")
    with recording() as captured:
        figures.panel(town.supervisor, None, when)
        call_figures.panel(town.supervisor, None, when)
    found = plans(captured)
    assert len(found) >= 5  # the medians, the created, the closed, the open; the calls
    for sql, plan in found:
        assert not unbounded(plan), f"{sql}\n{plan}"


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_requests_closed_in_a_period_are_found_by_close_time_on_sqlite(town):
    """SQLite plans without statistics: given an index on status it read every closed request of the city
    through it (most of the table) to count those closed in 30 days."""
    when = period("30d")
    closed = HelpRequest.objects.filter(
        closed_at__gte=when.start, closed_at__lte=when.end, status__in=[Status.DONE, Status.FAILED]
    )
    sql, params = closed.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "request_closed" in plan, plan


def test_median_time_to_done_is_the_middle_of_an_even_count(town):
    start = timezone.now().replace(hour=8, minute=0, second=0, microsecond=0)
    hours = (1, 3, 6, 8)
    for n in hours:
        with time_machine.travel(start, tick=False):
            req = town.new_request()
        with time_machine.travel(start + datetime.timedelta(hours=n), tick=False):
            town.walk(req, Status.ACCEPTED, Status.ASSIGNED, Status.DONE)
    with time_machine.travel(start + datetime.timedelta(hours=12), tick=False):
        when = period("today")
        result = figures.request_figures(HelpRequest.objects.all(), when)
        rows = figures.tcso_rows(HelpRequest.objects.all(), when)
    assert statistics.median(hours) == 4.5
    assert result.median_hours_to_done == pytest.approx(4.5, abs=1e-3)
    assert [(r.tcso, r.median_hours_to_done) for r in rows] == [(town.tcso.name, pytest.approx(4.5, abs=1e-3))]


def test_days_of_the_chart_agree_with_truncdate_at_the_moscow_midnight(town, monkeypatch):
    """A request made at 23:59 Moscow time counts on that day, one made at 00:00 on the next, whichever
    way the day is computed."""
    first = datetime.date(2026, 3, 1)
    for moment in (
        datetime.datetime(2026, 3, 1, 23, 59, tzinfo=MSK),
        datetime.datetime(2026, 3, 2, 0, 0, tzinfo=MSK),
        datetime.datetime(2026, 3, 2, 0, 1, tzinfo=MSK),
    ):
        with time_machine.travel(moment, tick=False):
            town.new_request()
    with time_machine.travel(datetime.datetime(2026, 3, 3, 12, 0, tzinfo=MSK), tick=False):
        when = between(first, first + datetime.timedelta(days=1))
        assert figures.fixed_offset_minutes(when) == 180
        fast = figures.per_day(HelpRequest.objects.all(), when)
        monkeypatch.setattr(figures, "fixed_offset_minutes", lambda _when: None)
        slow = figures.per_day(HelpRequest.objects.all(), when)
    new = next(ds["data"] for ds in fast["datasets"] if ds["status"] == Status.NEW)
    assert new == [1, 2]
    assert fast == slow


def test_a_zone_that_moves_its_clocks_in_the_period_has_no_fixed_offset():
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    with timezone.override(berlin):
        across = between(datetime.date(2026, 3, 28), datetime.date(2026, 3, 30))  # summer time from 29.03
        within = between(datetime.date(2026, 4, 1), datetime.date(2026, 4, 30))
        assert figures.fixed_offset_minutes(across) is None
        assert figures.fixed_offset_minutes(within) == 120
