"""The dashboard's TCSO table, from–to period, chart data and CSV/XLSX export (issue 15 §4)."""

import csv
import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from assistance.models import HelpRequest, Status
from assistance.services import RequestInput, create_request
from core.actor import Actor
from core.roles import Role
from people.tests.factories import PersonFactory
from reports.figures.assistance import per_day, tcso_rows
from reports.periods import between, period

pytestmark = pytest.mark.django_db
MSK = datetime.timezone(datetime.timedelta(hours=3))


def _sql(query: str, *params) -> int:
    adapted = [connection.ops.adapt_datetimefield_value(p) if isinstance(p, datetime.datetime) else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(query, adapted)
        return cursor.fetchone()[0]


@pytest.fixture
def mixed(town):
    """Today, in the town's TCSO: 2 done, 1 failed, 1 overdue open; in the other: 1 done, 1 open.
    Yesterday, in the town's TCSO: 1 created and done (counted in no figure of today)."""
    with time_machine.travel(timezone.now() - datetime.timedelta(days=1), tick=False):
        town.walk(town.new_request(), Status.ACCEPTED, Status.ASSIGNED, Status.DONE)
    for _n in range(2):
        town.walk(town.new_request(), Status.ACCEPTED, Status.ASSIGNED, Status.DONE)
    town.walk(town.new_request(), Status.ACCEPTED, Status.ASSIGNED, Status.FAILED)
    late = town.new_request()
    HelpRequest.objects.filter(pk=late.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    elsewhere = PersonFactory(district=town.other_tcso.districts.first())
    other = [
        create_request(person=elsewhere, data=RequestInput(service_type=town.service), actor=Actor(town.operator))
        for _n in range(2)
    ]
    town.walk(other[0], Status.ACCEPTED, Status.ASSIGNED, Status.DONE, assignee=town.other_worker)
    return town


def test_tcso_table_equals_sql_counts(mixed):
    town = mixed
    when = period("today")
    rows = {r.tcso: r for r in tcso_rows(HelpRequest.objects.all(), when)}
    assert set(rows) == {town.tcso.name, town.other_tcso.name}
    table = HelpRequest._meta.db_table
    for tcso in (town.tcso, town.other_tcso):
        row = rows[tcso.name]
        closed = f"SELECT COUNT(*) FROM {table} WHERE tcso_id = %s AND closed_at BETWEEN %s AND %s AND status IN "
        assert row.closed == _sql(closed + "('done', 'failed', 'cancelled')", tcso.pk, when.start, when.end)
        assert row.done == _sql(closed + "('done')", tcso.pk, when.start, when.end)
        assert row.created == _sql(
            f"SELECT COUNT(*) FROM {table} WHERE tcso_id = %s AND created_at BETWEEN %s AND %s",
            tcso.pk,
            when.start,
            when.end,
        )
        assert row.overdue_now == _sql(
            f"SELECT COUNT(*) FROM {table} WHERE tcso_id = %s AND due_at < %s AND status IN "
            "('new', 'accepted', 'assigned', 'in_progress', 'returned')",
            tcso.pk,
            timezone.now(),
        )
    mine, other = rows[town.tcso.name], rows[town.other_tcso.name]
    assert (mine.created, mine.closed, mine.done, mine.overdue_now) == (4, 3, 2, 1)
    assert mine.share_done == pytest.approx(2 / 3)
    assert (other.created, other.closed, other.done, other.share_done) == (2, 1, 1, 1.0)
    assert mine.median_hours_to_done is not None and other.median_hours_to_done is not None


def test_tcso_median_time_to_done_per_tcso(town):
    start = timezone.now().replace(hour=8, minute=0, second=0, microsecond=0)
    for hours in (1, 3, 8):
        with time_machine.travel(start, tick=False):
            req = town.new_request()
        with time_machine.travel(start + datetime.timedelta(hours=hours), tick=False):
            town.walk(req, Status.ACCEPTED, Status.ASSIGNED, Status.DONE)
    with time_machine.travel(start + datetime.timedelta(hours=12), tick=False):
        rows = tcso_rows(HelpRequest.objects.all(), period("today"))
    assert [(r.tcso, r.median_hours_to_done) for r in rows] == [(town.tcso.name, pytest.approx(3.0))]


def test_dispatcher_table_has_only_his_tcso(client, mixed):
    client.force_login(mixed.dispatcher)
    rows = client.get(reverse("reports:dashboard")).context["tcso_rows"]
    assert [r.tcso for r in rows] == [mixed.tcso.name]


# --- the from–to period ---------------------------------------------------------------------------------
def _requests_on(town, *days: datetime.date) -> None:
    for day in days:
        with time_machine.travel(datetime.datetime.combine(day, datetime.time(12), tzinfo=MSK), tick=False):
            town.new_request()


def test_a_from_to_period_counts_both_days_whole(client, town):
    _requests_on(town, datetime.date(2026, 3, 1), datetime.date(2026, 3, 5), datetime.date(2026, 3, 5))
    _requests_on(town, datetime.date(2026, 2, 28), datetime.date(2026, 3, 6))
    client.force_login(town.supervisor)
    response = client.get(reverse("reports:dashboard"), {"date_from": "2026-03-01", "date_to": "2026-03-05"})
    assert response.status_code == 200
    assert response.context["figures"].created == 3
    when = response.context["period"]
    assert timezone.localtime(when.start) == datetime.datetime(2026, 3, 1, tzinfo=MSK)
    assert timezone.localtime(when.end).date() == datetime.date(2026, 3, 5)
    assert response.context["period_errors"] == []
    chart = response.context["requests_per_day"]
    assert chart["labels"] == ["01.03", "02.03", "03.03", "04.03", "05.03"]
    new = next(d for d in chart["datasets"] if d["status"] == "new")
    assert new["data"] == [1, 0, 0, 0, 2]
    # The Russian date a person types is understood too.
    typed = client.get(reverse("reports:dashboard"), {"date_from": "01.03.2026", "date_to": "05.03.2026"})
    assert typed.context["figures"].created == 3


def test_per_day_buckets_by_moscow_day(town):
    # 23:30 Moscow on 1 March is 20:30 UTC: it belongs to 1 March, not the next day.
    with time_machine.travel(datetime.datetime(2026, 3, 1, 23, 30, tzinfo=MSK), tick=False):
        town.new_request()
    data = per_day(HelpRequest.objects.all(), between(datetime.date(2026, 3, 1), datetime.date(2026, 3, 2)))
    assert next(d for d in data["datasets"] if d["status"] == "new")["data"] == [1, 0]
    assert data["rows"][0][0] == "01.03.2026"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-03-05", "date_to": "2026-03-01"}, "The last day of the period is before the first."),
        ({"date_from": "2025-01-01", "date_to": "2026-03-01"}, "A period may be at most 366 days long."),
        ({"date_from": "2026-02-30", "date_to": "2026-03-01"}, "Enter the first day as a date, e.g. 01.03.2026."),
        ({"date_from": "2026-03-01", "date_to": "вчера"}, "Enter the last day as a date, e.g. 31.03.2026."),
        ({"date_from": "2026-03-01"}, "Enter both the first and the last day of the period."),
    ],
)
def test_a_wrong_period_is_a_message_not_an_error_page(client, town, settings, params, message):
    settings.LANGUAGE_CODE = "en"
    client.force_login(town.supervisor)
    response = client.get(reverse("reports:dashboard"), {**params, "period": "week"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert [str(e) for e in response.context["period_errors"]] == [message]
    assert response.context["period"].code == "week"  # the figures fall back to the period in the list
    assert 'data-testid="period-errors"' in response.content.decode()


def test_a_366_day_period_is_allowed(client, town):
    client.force_login(town.supervisor)
    response = client.get(reverse("reports:dashboard"), {"date_from": "2024-01-01", "date_to": "2024-12-31"})
    assert response.context["period_errors"] == []
    assert response.context["period"].code == "range"


# --- export -----------------------------------------------------------------------------------------------
def _export(client, fmt, **params):
    return client.get(reverse("reports:export", args=[fmt]), params)


def test_xlsx_has_the_pages_figures_and_tables(client, mixed):
    client.force_login(mixed.supervisor)
    response = _export(client, "xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    # The "Requests received" card: 6 created today, and the TCSO table's row for each TCSO.
    received = next(r for r in rows if r and r[0] == _("Requests received"))
    assert received[1] == 6
    mine = next(r for r in rows if r and r[0] == mixed.tcso.name)
    assert mine[1:4] == [4, 3, 2]
    assert mine[-1] == 1  # overdue now
    other = next(r for r in rows if r and r[0] == mixed.other_tcso.name)
    assert other[1:4] == [2, 1, 1]
    # Every table of the page has its title in the sheet.
    titles = {r[0] for r in rows if len(r) == 1}
    assert {_("Requests by TCSO"), _("By status"), _("By service")} <= titles


def test_csv_has_the_same_figures(client, mixed):
    client.force_login(mixed.supervisor)
    response = _export(client, "csv", tcso=mixed.tcso.pk)
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [_("Dashboard"), mixed.tcso.name]
    assert next(r for r in rows if r and r[0] == _("Requests received"))[1] == "4"
    assert next(r for r in rows if r and r[0] == mixed.tcso.name)[1:4] == ["4", "3", "2"]
    assert not any(r and r[0] == mixed.other_tcso.name for r in rows)  # narrowed like the page


def test_export_follows_the_from_to_period(client, town):
    _requests_on(town, datetime.date(2026, 3, 2), datetime.date(2026, 4, 2))
    client.force_login(town.supervisor)
    response = _export(client, "csv", date_from="2026-03-01", date_to="2026-03-31")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][1] == "01.03.2026 00:00 – 31.03.2026 23:59"
    assert next(r for r in rows if r and r[0] == _("Requests received"))[1] == "1"
    assert ["02.03.2026", "1", "0", "0", "0", "0", "0", "0", "0"] in rows  # the chart's figures, day by day


def test_dispatcher_exports_only_his_tcso_whatever_he_asks(client, mixed):
    client.force_login(mixed.dispatcher)
    response = _export(client, "csv", tcso=mixed.other_tcso.pk)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][1] == mixed.tcso.name
    assert not any(r and r[0] == mixed.other_tcso.name for r in rows)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("who", ["volunteer_user", "worker_user", "psychologist", "navigator", "administrator"])
def test_who_cannot_see_the_dashboard_cannot_export(client, town, who, fmt):
    client.force_login(getattr(town, who))
    assert client.get(reverse("reports:dashboard")).status_code == 403
    assert _export(client, fmt).status_code == 403


def test_dispatcher_without_a_tcso_cannot_export(client, make_user):
    client.force_login(make_user(Role.DISPATCHER))
    assert _export(client, "xlsx").status_code == 403


def test_anonymous_cannot_export(client):
    response = _export(client, "csv")
    assert response.status_code in (302, 403)


def test_unknown_format_is_404(client, town):
    client.force_login(town.supervisor)
    assert _export(client, "pdf").status_code == 404
