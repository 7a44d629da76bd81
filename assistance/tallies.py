"""Requests per Moscow day (``RequestTally``), kept by the services beside the requests (core/tallies.py).

A request counts in one "created" row (the day it was created, its TCSO, service and status now) and, once
closed, in one "closed" row (the day it was closed). ``create_request`` adds it; every move (``_move``: a
status, or a TCSO on hand-over) takes it from the rows it was in and adds it to those it is in now, in the
same transaction. ``counts`` reads whole days back for the dashboard; ``rebuild`` counts them afresh from
the requests (after a bulk load, or to check them).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from assistance import workflow
from assistance.models import HelpRequest, RequestTally
from core import tallies

Row = tuple[str, datetime.date, int, int, str]
CREATED, CLOSED = RequestTally.Kind.CREATED.value, RequestTally.Kind.CLOSED.value


def local_day(moment: datetime.datetime) -> datetime.date:
    """The calendar day of ``moment`` in the city's time zone (settings.TIME_ZONE), whoever is looking."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def rows(
    created_at: datetime.datetime, closed_at: datetime.datetime | None, tcso_id: int, service_type_id: int, status: str
) -> list[Row]:
    """The tally rows a request with these values counts in."""
    status = str(status)  # a Status member or its value: the same row
    found: list[Row] = [(CREATED, local_day(created_at), tcso_id, service_type_id, status)]
    if closed_at is not None and status in workflow.CLOSED:
        found.append((CLOSED, local_day(closed_at), tcso_id, service_type_id, status))
    return found


def rows_of(help_request: HelpRequest) -> list[Row]:
    return rows(
        help_request.created_at,
        help_request.closed_at,
        help_request.tcso_id,
        help_request.service_type_id,
        help_request.status,
    )


def created(help_request: HelpRequest) -> None:
    """A new request: counted in its day's row."""
    tallies.add(RequestTally, tallies.difference([], rows_of(help_request)))


def moved(before: list[Row], help_request: HelpRequest) -> None:
    """A request that was in the rows ``before`` (``rows_of`` before the change) is now as it is."""
    tallies.add(RequestTally, tallies.difference(before, rows_of(help_request)))


@dataclass
class DayCounts:
    """Requests of whole days, as the dashboard reads them: ``created`` (day, status, service type id) →
    requests created that day, ``created_by_tcso`` TCSO id → the same per TCSO, ``closed`` (TCSO id,
    status) → requests closed in those days."""

    created: dict[tuple[datetime.date, str, int], int] = field(default_factory=dict)
    created_by_tcso: dict[int, int] = field(default_factory=dict)
    closed: dict[tuple[int, str], int] = field(default_factory=dict)


def counts(first: datetime.date, last: datetime.date, tcso_ids: list[int] | None) -> DayCounts:
    """The days ``first``–``last`` (Moscow, both included) of the TCSOs ``tcso_ids`` (None: every one)."""
    days = RequestTally.objects.filter(day__gte=first, day__lte=last)
    if tcso_ids is not None:
        days = days.filter(tcso_id__in=tcso_ids)
    result = DayCounts()
    created_by_tcso: dict[int, int] = defaultdict(int)
    for day, status, service_type, tcso, n in (
        days.filter(kind=CREATED)
        .values("day", "status", "service_type_id", "tcso_id")
        .annotate(total=Sum("n"))
        .values_list("day", "status", "service_type_id", "tcso_id", "total")
    ):
        if n:
            result.created[day, status, service_type] = result.created.get((day, status, service_type), 0) + n
            created_by_tcso[tcso] += n
    result.created_by_tcso = {tcso: n for tcso, n in created_by_tcso.items() if n}
    result.closed = {
        (tcso, status): n
        for tcso, status, n in days.filter(kind=CLOSED)
        .values("tcso_id", "status")
        .annotate(total=Sum("n"))
        .values_list("tcso_id", "status", "total")
        if n
    }
    return result


def rebuild(*, check: bool = False) -> dict[str, int]:
    """Count every request afresh into the tally (or, with ``check``, only say how many rows differ)."""
    counted: dict[Any, int] = defaultdict(int)
    for values in (
        HelpRequest.objects.order_by()
        .values_list("created_at", "closed_at", "tcso_id", "service_type_id", "status")
        .iterator(chunk_size=10_000)
    ):
        for row in rows(*values):
            counted[row] += 1
    return {"requests per day": tallies.replace(RequestTally, counted, check=check)}
