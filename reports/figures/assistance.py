"""Help-request figures: created by status and type, share fulfilled, median time to done, open and overdue.

Each figure is a plain query over the same data a SQL count would read.
"""

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Case, Count, DateField, Func, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from assistance import tallies, workflow
from assistance.models import HelpRequest, ServiceType, Status
from assistance.selectors import visible_requests, visible_tcso_ids
from directory.models import Organisation
from reports.figures import Panel
from reports.periods import Period, Split, days, split

ORDER = 20


@dataclass
class RequestFigures:
    created: int
    by_status: dict[str, int]
    by_type: list[tuple[str, int]]
    closed: int
    done: int
    share_done: float | None
    median_hours_to_done: float | None
    overdue_now: int
    open_now: int
    extra: dict[str, int] = field(default_factory=dict)


def _seconds_sql(vendor: str) -> str:
    """Seconds from created_at to closed_at, in the database's own arithmetic (no Python per row)."""
    if vendor == "postgresql":
        return "EXTRACT(EPOCH FROM closed_at - created_at)"
    return "(julianday(closed_at) - julianday(created_at)) * 86400.0"


@dataclass
class Medians:
    """Median seconds from created_at to closed_at: over all the requests given, and per TCSO."""

    overall: float | None
    by_tcso: dict[int, float]


def medians_to_done(done: QuerySet[HelpRequest]) -> Medians:
    """The medians of ``done`` overall and per TCSO — what ``statistics.median`` gives — in one query.

    PostgreSQL sorts with ``percentile_cont`` over grouping sets (each TCSO, and all). SQLite has no median:
    it computes each duration in its own arithmetic and Python takes the medians of the plain numbers (a
    window-function median in SQLite took three times as long, and turning every row's two datetimes into
    Python objects ten times). Only Django's own compiled query is formatted in; values are bound.
    """
    # Unordered: the model's default order (by due time) made the database sort every row by a column the
    # index does not hold, reading each row of the table for it.
    inner, params = done.order_by().values("tcso_id", "created_at", "closed_at").query.sql_with_params()
    rows = f"SELECT tcso_id, {_seconds_sql(connection.vendor)} AS s FROM ({inner}) AS d"  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            median = "percentile_cont(0.5) WITHIN GROUP (ORDER BY s)"
            query = (
                f"SELECT tcso_id, GROUPING(tcso_id), {median} FROM ({rows}) AS r GROUP BY GROUPING SETS ((tcso_id), ())"  # noqa: S608
            )
            cursor.execute(query, params)
            overall, by_tcso = None, {}
            for tcso, is_total, value in cursor.fetchall():
                if value is None:
                    continue
                if is_total:
                    overall = float(value)
                else:
                    by_tcso[tcso] = float(value)
            return Medians(overall, by_tcso)
        cursor.execute(f"{rows} WHERE closed_at IS NOT NULL", params)
        durations: dict[int, list[float]] = defaultdict(list)
        every: list[float] = []
        for tcso, seconds in cursor.fetchall():
            durations[tcso].append(seconds)
            every.append(seconds)
    return Medians(
        statistics.median(every) if every else None,
        {tcso: statistics.median(values) for tcso, values in durations.items()},
    )


def _done_in(scope: QuerySet[HelpRequest], when: Period) -> QuerySet[HelpRequest]:
    return scope.filter(closed_at__gte=when.start, closed_at__lte=when.end, status=Status.DONE)


@dataclass
class PeriodCounts:
    """The period's requests read once each way, for the cards, the TCSO table and the chart alike.

    ``created``: (Moscow day, status now, service type id) → requests created in the period, and
    ``created_by_tcso``: TCSO id → the same per TCSO (apart: grouped together they were tens of thousands
    of rows to read back, each with a date to convert);
    ``closed``: (TCSO id, status) → requests closed in it; ``overdue``: TCSO id → open and overdue now;
    ``open_now``: open requests now.
    """

    created: dict[tuple[datetime.date, str, int], int]
    created_by_tcso: dict[int, int]
    closed: dict[tuple[int, str], int]
    overdue: dict[int, int]
    open_now: int

    def created_by(self, index: int) -> dict[Any, int]:
        """The created counts summed by one part of their key (0 day, 1 status, 2 service type)."""
        sums: dict[Any, int] = defaultdict(int)
        for key, n in self.created.items():
            sums[key[index]] += n
        return sums


def _live_counts(scope: QuerySet[HelpRequest], when: Period, counts: PeriodCounts) -> None:
    """Add the period's requests, read row by row, to ``counts``: those created in it (``request_created``,
    or ``request_tcso_created`` for named TCSOs) and closed in it (``request_closed``), each through an index
    that holds what it counts. They count rows (``COUNT(*)``), not ids: PostgreSQL answers ``COUNT(id)`` from
    the table, not the index, since an index does not hold the id."""
    minutes = fixed_offset_minutes(when)
    day = (
        LocalDate("created_at", minutes)
        if minutes is not None
        else TruncDate("created_at", tzinfo=timezone.get_current_timezone())
    )
    in_period = scope.filter(created_at__gte=when.start, created_at__lte=when.end)
    for row in (
        in_period.annotate(day=day)
        .values("day", "status", "service_type_id")
        .annotate(n=Count("*"))
        .values_list("day", "status", "service_type_id", "n")
    ):
        key = (row[0], row[1], row[2])
        counts.created[key] = counts.created.get(key, 0) + row[3]
    for tcso, n in in_period.values("tcso_id").annotate(n=Count("*")).values_list("tcso_id", "n"):
        counts.created_by_tcso[tcso] = counts.created_by_tcso.get(tcso, 0) + n
    for tcso, status, n in (
        scope.filter(closed_at__gte=when.start, closed_at__lte=when.end, status__in=workflow.CLOSED)
        .values("tcso_id", "status")
        .annotate(n=Count("*"))
        .values_list("tcso_id", "status", "n")
    ):
        counts.closed[tcso, status] = counts.closed.get((tcso, status), 0) + n


def _tallied_counts(day_counts: tallies.DayCounts, counts: PeriodCounts) -> None:
    for key, n in day_counts.created.items():
        counts.created[key] = counts.created.get(key, 0) + n
    for tcso, n in day_counts.created_by_tcso.items():
        counts.created_by_tcso[tcso] = counts.created_by_tcso.get(tcso, 0) + n
    for closed, n in day_counts.closed.items():
        counts.closed[closed] = counts.closed.get(closed, 0) + n


def period_counts(scope: QuerySet[HelpRequest], when: Period, tcso_ids: list[int] | None = None) -> PeriodCounts:
    """The requests of ``scope`` created and closed in the period, and those open now.

    ``tcso_ids``: when ``scope`` is every request of these TCSOs (``visible_tcso_ids``), the period's
    whole Moscow days are read from the daily tallies the services keep (assistance/tallies.py: a few
    hundred rows a day, where the city makes 8,222 requests a day) and only the rest of it (today up to now)
    request by request. Without it (a coordinator's citizens) every day is read request by request.
    Open and overdue now are read from ``request_open`` (or ``request_queue`` for one TCSO)."""
    counts = PeriodCounts({}, {}, {}, {}, 0)
    parts = split(when) if tcso_ids is not None else Split(None, [when])
    if parts.days is not None:
        _tallied_counts(tallies.counts(*parts.days, tcso_ids), counts)
    for rest in parts.rest:
        _live_counts(scope, rest, counts)
    now = timezone.now()
    # A city-wide scope names every TCSO (assistance.selectors.all_requests), so this seeks request_queue.
    for tcso, late, n in (
        scope.filter(status__in=workflow.OPEN)
        .annotate(late=Case(When(due_at__lt=now, then=Value(True)), default=Value(False)))
        .values("tcso_id", "late")
        .annotate(n=Count("*"))
        .values_list("tcso_id", "late", "n")
    ):
        counts.open_now += n
        if late:
            counts.overdue[tcso] = counts.overdue.get(tcso, 0) + n
    return counts


def request_figures(
    scope: QuerySet[HelpRequest], when: Period, medians: Medians | None = None, counts: PeriodCounts | None = None
) -> RequestFigures:
    """Requests created in the period, by status and type; fulfilment of those closed in the period;
    open and overdue right now (``period_counts``)."""
    counts = counts or period_counts(scope, when)
    by_status = counts.created_by(1)
    names = dict(ServiceType.objects.values_list("pk", "name"))
    type_counts: dict[str, int] = defaultdict(int)
    for service_type, n in counts.created_by(2).items():
        type_counts[names.get(service_type, "—")] += n
    by_type = sorted(type_counts.items(), key=lambda item: (-item[1], item[0]))
    closed = sum(counts.closed.values())
    done = sum(n for (_tcso, status), n in counts.closed.items() if status == Status.DONE)
    median = (medians or medians_to_done(_done_in(scope, when))).overall
    return RequestFigures(
        created=sum(by_status.values()),
        by_status={s: by_status.get(s, 0) for s in Status.values},
        by_type=by_type,
        closed=closed,
        done=done,
        share_done=done / closed if closed else None,
        median_hours_to_done=median / 3600 if median is not None else None,
        overdue_now=sum(counts.overdue.values()),
        open_now=counts.open_now,
    )


@dataclass
class TcsoRow:
    """One TCSO's requests: created and closed in the period, share done, median time to done, overdue now."""

    tcso: str
    created: int
    closed: int
    done: int
    share_done: float | None
    median_hours_to_done: float | None
    overdue_now: int


def tcso_rows(
    scope: QuerySet[HelpRequest], when: Period, medians: Medians | None = None, counts: PeriodCounts | None = None
) -> list[TcsoRow]:
    """Every TCSO with requests created or closed in the period or overdue now, by name: the same figures
    as the cards, per TCSO, from the same reads (``period_counts``) rather than one pass over every
    request the TCSOs ever had: at the city's 4 million requests that pass took seconds."""
    counts = counts or period_counts(scope, when)
    created = counts.created_by_tcso
    closed: dict[int, int] = defaultdict(int)
    done: dict[int, int] = defaultdict(int)
    for (tcso, status), n in counts.closed.items():
        closed[tcso] += n
        if status == Status.DONE:
            done[tcso] += n
    by_tcso = (medians or medians_to_done(_done_in(scope, when))).by_tcso
    ids = set(created) | set(closed) | set(counts.overdue)
    names = dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [
        TcsoRow(
            tcso=names.get(tcso) or "—",
            created=created.get(tcso, 0),
            closed=closed.get(tcso, 0),
            done=done.get(tcso, 0),
            share_done=done.get(tcso, 0) / closed[tcso] if closed.get(tcso) else None,
            median_hours_to_done=by_tcso[tcso] / 3600 if tcso in by_tcso else None,
            overdue_now=counts.overdue.get(tcso, 0),
        )
        for tcso in sorted(ids, key=lambda pk: (names.get(pk, ""), pk))
    ]


class LocalDate(Func):
    """The calendar date of a stored (UTC) moment at a fixed offset from UTC, in the database's own
    arithmetic: Django's TruncDate runs a Python function per row on SQLite."""

    output_field = DateField()

    def __init__(self, expression: Any, minutes: int) -> None:
        self.minutes = minutes
        super().__init__(expression)

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"(({sql}) AT TIME ZONE 'UTC' + make_interval(mins => %s))::date", [*params, self.minutes]
        return f"date({sql}, %s)", [*params, f"{self.minutes:+d} minutes"]


def fixed_offset_minutes(when: Period) -> int | None:
    """The local time's offset from UTC in minutes if it is the same all through the period (Moscow's is,
    +3 hours since 2014), else None (a zone that moves its clocks within the period)."""
    zone = timezone.get_current_timezone()
    moments = [
        when.start,
        when.end,
        *(datetime.datetime.combine(d, datetime.time(12), tzinfo=zone) for d in days(when)),
    ]
    offsets = {m.astimezone(zone).utcoffset() for m in moments}
    if len(offsets) != 1:
        return None
    offset = offsets.pop()
    return int(offset.total_seconds() // 60) if offset is not None else None


def per_day(scope: QuerySet[HelpRequest], when: Period, counts: PeriodCounts | None = None) -> dict[str, Any]:
    """Requests created on each Moscow day of the period, by their status now: the chart's data."""
    counts = counts or period_counts(scope, when)
    by_day: dict[tuple[datetime.date, str], int] = defaultdict(int)
    for (day, status, _service), n in counts.created.items():
        by_day[day, status] += n
    dates = days(when)
    datasets = [
        {"status": code, "label": str(label).capitalize(), "data": [by_day.get((d, code), 0) for d in dates]}
        for code, label in Status.choices
    ]
    return {
        "labels": [d.strftime("%d.%m") for d in dates],
        "datasets": datasets,
        # The same figures as table rows (day, then one count per status), for the page's table and export.
        "rows": [[d.strftime("%d.%m.%Y"), *(ds["data"][i] for ds in datasets)] for i, d in enumerate(dates)],
    }


def panel(user: User, tcso: Organisation | None, when: Period) -> Panel:
    scope = visible_requests(user)
    tcso_ids = visible_tcso_ids(user)
    if tcso is not None:
        scope = scope.filter(tcso=tcso)
        tcso_ids = [pk for pk in tcso_ids if pk == tcso.pk] if tcso_ids is not None else None
    # Each kind of row read once, for the cards, the TCSO table and the chart.
    medians = medians_to_done(_done_in(scope, when))
    counts = period_counts(scope, when, tcso_ids)
    return Panel(
        cards="reports/_requests.html",
        details="reports/_requests_details.html",
        context={
            "figures": request_figures(scope, when, medians, counts),
            "statuses": Status.choices,
            "tcso_rows": tcso_rows(scope, when, medians, counts),
            "requests_per_day": per_day(scope, when, counts),
        },
    )
