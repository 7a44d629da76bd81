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
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from assistance import workflow
from assistance.models import HelpRequest, Status
from assistance.selectors import visible_requests
from directory.models import Organisation
from reports.figures import Panel
from reports.periods import Period, days

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


def median_seconds_to_done(done: QuerySet[HelpRequest]) -> float | None:
    """Median of closed_at - created_at over done requests; PostgreSQL computes it in the database."""
    if connection.vendor == "postgresql":
        sql, params = done.values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            # Only the table name and Django's own compiled subquery are formatted in; values are bound.
            table = HelpRequest._meta.db_table
            median = "percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM closed_at - created_at))"
            query = f"SELECT {median} FROM {table} WHERE id IN ({sql})"  # noqa: S608
            cursor.execute(query, params)
            value = cursor.fetchone()[0]
        return float(value) if value is not None else None
    durations = [(c - s).total_seconds() for s, c in done.values_list("created_at", "closed_at") if c and s]
    return statistics.median(durations) if durations else None


def request_figures(scope: QuerySet[HelpRequest], when: Period) -> RequestFigures:
    """Requests created in the period, by status and type; fulfilment of those closed in the period;
    open and overdue right now."""
    created = scope.filter(created_at__gte=when.start, created_at__lte=when.end)
    by_status = {row["status"]: row["n"] for row in created.values("status").annotate(n=Count("pk"))}
    by_type = [
        (row["service_type__name"], row["n"])
        for row in created.values("service_type__name").annotate(n=Count("pk")).order_by("-n", "service_type__name")
    ]
    closed = scope.filter(closed_at__gte=when.start, closed_at__lte=when.end, status__in=workflow.CLOSED)
    closed_counts = closed.aggregate(all=Count("pk"), done=Count("pk", filter=Q(status=Status.DONE)))
    now = timezone.now()
    live = scope.filter(status__in=workflow.OPEN).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now))
    )
    median = median_seconds_to_done(closed.filter(status=Status.DONE))
    return RequestFigures(
        created=sum(by_status.values()),
        by_status={s: by_status.get(s, 0) for s in Status.values},
        by_type=by_type,
        closed=closed_counts["all"],
        done=closed_counts["done"],
        share_done=closed_counts["done"] / closed_counts["all"] if closed_counts["all"] else None,
        median_hours_to_done=median / 3600 if median is not None else None,
        overdue_now=live["overdue"],
        open_now=live["open"],
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


def medians_by_tcso(done: QuerySet[HelpRequest]) -> dict[int, float]:
    """Median seconds from created_at to closed_at of done requests, per TCSO id (one query)."""
    if connection.vendor == "postgresql":
        sql, params = done.values("pk").query.sql_with_params()
        table = HelpRequest._meta.db_table
        median = "percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM closed_at - created_at))"
        query = f"SELECT tcso_id, {median} FROM {table} WHERE id IN ({sql}) GROUP BY tcso_id"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return {tcso: float(value) for tcso, value in cursor.fetchall() if value is not None}
    durations: dict[int, list[float]] = defaultdict(list)
    for tcso, start, end in done.values_list("tcso_id", "created_at", "closed_at"):
        if start and end:
            durations[tcso].append((end - start).total_seconds())
    return {tcso: statistics.median(values) for tcso, values in durations.items()}


def tcso_rows(scope: QuerySet[HelpRequest], when: Period) -> list[TcsoRow]:
    """Every TCSO that has requests in ``scope``, by name: the same figures as the cards, per TCSO."""
    now = timezone.now()
    in_period = Q(closed_at__gte=when.start, closed_at__lte=when.end, status__in=workflow.CLOSED)
    counts = (
        scope.values("tcso_id", "tcso__name")
        .annotate(
            created=Count("pk", filter=Q(created_at__gte=when.start, created_at__lte=when.end)),
            closed=Count("pk", filter=in_period),
            done=Count("pk", filter=in_period & Q(status=Status.DONE)),
            overdue=Count("pk", filter=Q(status__in=workflow.OPEN, due_at__lt=now)),
        )
        .order_by("tcso__name")
    )
    medians = medians_by_tcso(scope.filter(in_period, status=Status.DONE))
    return [
        TcsoRow(
            tcso=row["tcso__name"] or "—",
            created=row["created"],
            closed=row["closed"],
            done=row["done"],
            share_done=row["done"] / row["closed"] if row["closed"] else None,
            median_hours_to_done=medians[row["tcso_id"]] / 3600 if row["tcso_id"] in medians else None,
            overdue_now=row["overdue"],
        )
        for row in counts
    ]


def per_day(scope: QuerySet[HelpRequest], when: Period) -> dict[str, Any]:
    """Requests created on each Moscow day of the period, by their status now: the chart's data."""
    counts: dict[tuple[datetime.date, str], int] = {}
    rows = (
        scope.filter(created_at__gte=when.start, created_at__lte=when.end)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["day"], row["status"]] = row["n"]
    dates = days(when)
    datasets = [
        {"status": code, "label": str(label).capitalize(), "data": [counts.get((d, code), 0) for d in dates]}
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
    if tcso is not None:
        scope = scope.filter(tcso=tcso)
    return Panel(
        cards="reports/_requests.html",
        details="reports/_requests_details.html",
        context={
            "figures": request_figures(scope, when),
            "statuses": Status.choices,
            "tcso_rows": tcso_rows(scope, when),
            "requests_per_day": per_day(scope, when),
        },
    )
