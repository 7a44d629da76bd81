import datetime

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from assistance.models import HelpRequest, Status
from assistance.services import RequestInput, create_request
from core.actor import Actor
from people.tests.factories import PersonFactory
from reports.figures.assistance import request_figures
from reports.periods import period

pytestmark = pytest.mark.django_db


def _sql(query: str, *params) -> int:
    """A plain SQL count; datetimes adapted as the backend stores them (UTC text on SQLite)."""
    adapted = [connection.ops.adapt_datetimefield_value(p) if isinstance(p, datetime.datetime) else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(query, adapted)
        return cursor.fetchone()[0]


@pytest.fixture
def busy_day(town):
    done = [town.new_request() for _ in range(3)]
    for req in done:
        town.walk(req, Status.ACCEPTED, Status.ASSIGNED, Status.DONE)
    failed = town.new_request()
    town.walk(failed, Status.ACCEPTED, Status.ASSIGNED, Status.FAILED)
    cancelled = town.new_request()
    town.walk(cancelled, Status.CANCELLED)
    overdue = town.new_request()
    HelpRequest.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - datetime.timedelta(hours=2))
    elsewhere = create_request(
        person=PersonFactory(district=town.other_tcso.districts.first()),
        data=RequestInput(service_type=town.service),
        actor=Actor(town.operator),
    )
    return {"elsewhere": elsewhere}


def test_figures_equal_sql_counts_over_the_same_data(town, busy_day):
    when = period("today")
    figures = request_figures(HelpRequest.objects.all(), when)
    table = HelpRequest._meta.db_table
    start, end = when.start, when.end
    assert figures.created == _sql(f"SELECT COUNT(*) FROM {table} WHERE created_at BETWEEN %s AND %s", start, end)
    closed = _sql(
        f"SELECT COUNT(*) FROM {table} WHERE closed_at BETWEEN %s AND %s AND status IN ('done', 'failed', 'cancelled')",
        start,
        end,
    )
    done = _sql(f"SELECT COUNT(*) FROM {table} WHERE closed_at BETWEEN %s AND %s AND status = 'done'", start, end)
    assert (figures.closed, figures.done) == (closed, done) == (5, 3)
    assert figures.share_done == pytest.approx(3 / 5)
    assert (
        figures.overdue_now
        == _sql(
            f"SELECT COUNT(*) FROM {table} WHERE due_at < %s AND status IN ('new', 'accepted', 'assigned', "
            "'in_progress')",
            timezone.now(),
        )
        == 1
    )
    assert figures.open_now == 2
    for status, count in figures.by_status.items():
        assert count == _sql(
            f"SELECT COUNT(*) FROM {table} WHERE status = %s AND created_at BETWEEN %s AND %s", status, start, end
        )


def test_median_time_to_done_is_computed_from_created_and_closed(town):
    start = timezone.now().replace(hour=8, minute=0, second=0, microsecond=0)
    durations = [1, 2, 10]
    for hours in durations:
        with time_machine.travel(start, tick=False):
            req = town.new_request()
        with time_machine.travel(start + datetime.timedelta(hours=hours), tick=False):
            town.walk(req, Status.ACCEPTED, Status.ASSIGNED, Status.DONE)
    with time_machine.travel(start + datetime.timedelta(hours=12), tick=False):
        figures = request_figures(HelpRequest.objects.all(), period("today"))
    assert figures.median_hours_to_done == pytest.approx(2.0)


def test_dispatcher_sees_only_own_tcso_and_supervisor_the_city(client, town, busy_day):
    client.force_login(town.dispatcher)
    own = client.get(reverse("reports:dashboard")).context["figures"]
    client.force_login(town.supervisor)
    city = client.get(reverse("reports:dashboard")).context["figures"]
    assert city.created == own.created + 1
    narrowed = client.get(reverse("reports:dashboard"), {"tcso": town.tcso.pk}).context["figures"]
    assert narrowed.created == own.created


@pytest.mark.parametrize("who", ["volunteer_user", "worker_user"])
def test_field_workers_have_no_dashboard(client, town, who):
    client.force_login(getattr(town, who))
    assert client.get(reverse("reports:dashboard")).status_code == 403


def test_calls_figure_equals_a_sql_count(client, town):
    from intake.models import Interaction

    Interaction.objects.create(person=town.person, operator=town.operator, outcome="request_created")
    Interaction.objects.create(person=town.person, operator=town.operator, outcome="information_only")
    Interaction.objects.create(person=None, operator=town.operator, outcome="wrong_number")
    Interaction.objects.create(person=town.person, operator=town.operator, direction="outbound")
    when = period("today")
    client.force_login(town.supervisor)
    calls = client.get(reverse("reports:dashboard")).context["calls"]
    table = Interaction._meta.db_table
    expected = _sql(
        f"SELECT COUNT(*) FROM {table} WHERE started_at BETWEEN %s AND %s AND direction = 'inbound' "
        "AND channel = 'phone'",
        when.start,
        when.end,
    )
    assert calls.received == expected == 3
    assert calls.with_request == 1
    client.force_login(town.dispatcher)
    own = client.get(reverse("reports:dashboard")).context["calls"]
    assert own.received == 2  # the anonymous wrong number belongs to no TCSO
