"""Calls per Moscow day (``CallTally``), kept by the services beside the calls (core/tallies.py).

A call counts in one row: the day it began, its medium, direction and outcome now. The services that
write a call (a telephony event that opens it, an operator's record of it) move it between rows in the
same transaction; ``counts`` reads whole days back for the dashboard; ``rebuild`` counts them afresh.
"""

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Sum

from assistance.tallies import local_day
from core import tallies
from intake.models import CallTally, Interaction

Row = tuple[datetime.date, str, str, str]


def rows(started_at: datetime.datetime, medium: str, direction: str, outcome: str) -> list[Row]:
    return [(local_day(started_at), str(medium), str(direction), str(outcome))]


def rows_of(call: Interaction | None) -> list[Row]:
    """The rows ``call`` counts in as it is now (none for a call not written yet)."""
    if call is None or call.pk is None:
        return []
    return rows(call.started_at, call.medium, call.direction, call.outcome)


def moved(before: list[Row], call: Interaction) -> None:
    """A call that was in the rows ``before`` (``rows_of`` before the change; [] for a new one) is now as it is."""
    tallies.add(CallTally, tallies.difference(before, rows_of(call)))


def counts(first: datetime.date, last: datetime.date) -> dict[tuple[str, str, str], int]:
    """(medium, direction, outcome) → calls begun on the days ``first``–``last`` (Moscow, both included)."""
    return {
        (medium, direction, outcome): n
        for medium, direction, outcome, n in CallTally.objects.filter(day__gte=first, day__lte=last)
        .values("medium", "direction", "outcome")
        .annotate(total=Sum("n"))
        .values_list("medium", "direction", "outcome", "total")
        if n
    }


def rebuild(*, check: bool = False) -> dict[str, int]:
    """Count every call afresh into the tally (or, with ``check``, only say how many rows differ)."""
    counted: dict[Any, int] = defaultdict(int)
    for values in (
        Interaction.objects.order_by()
        .values_list("started_at", "medium", "direction", "outcome")
        .iterator(chunk_size=10_000)
    ):
        for row in rows(*values):
            counted[row] += 1
    return {"calls per day": tallies.replace(CallTally, counted, check=check)}
