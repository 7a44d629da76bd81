"""Call figures: inbound phone calls in the period and how many of them produced a request."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet

from directory.models import Organisation
from intake import tallies
from intake.models import Direction, Interaction, Medium, Outcome
from intake.selectors import sees_every_call, visible_interactions
from reports.figures import Panel
from reports.periods import Period, Split, split

ORDER = 10


@dataclass
class CallFigures:
    received: int
    with_request: int


def call_figures(interactions: QuerySet[Interaction], when: Period, *, every_call: bool = False) -> CallFigures:
    """Inbound phone calls in the period, and how many of them produced a request.

    ``every_call``: ``interactions`` are all the calls there are, so the period's whole Moscow days are read
    from the daily tallies the services keep (intake/tallies.py: a few rows a day, where the city takes
    22,000 calls a day) and only the rest of it (today up to now) call by call."""
    parts = split(when) if every_call else Split(None, [when])
    received = with_request = 0
    if parts.days is not None:
        for (medium, direction, outcome), n in tallies.counts(*parts.days).items():
            if medium == Medium.PHONE and direction == Direction.INBOUND:
                received += n
                with_request += n if outcome == Outcome.REQUEST_CREATED else 0
    for rest in parts.rest:
        live = _live_calls(interactions, rest)
        received += live.received
        with_request += live.with_request
    return CallFigures(received=received, with_request=with_request)


def _live_calls(interactions: QuerySet[Interaction], when: Period) -> CallFigures:
    calls = interactions.filter(
        started_at__gte=when.start,
        started_at__lte=when.end,
        direction=Direction.INBOUND,
        medium=Medium.PHONE,
    )
    # Counting columns the index holds (not ids), so PostgreSQL answers from ``interaction_period`` alone.
    counts = calls.aggregate(
        all=Count("*"), with_request=Count("started_at", filter=Q(outcome=Outcome.REQUEST_CREATED))
    )
    return CallFigures(received=counts["all"], with_request=counts["with_request"])


def panel(user: User, tcso: Organisation | None, when: Period) -> Panel | None:
    if not user.has_perm("intake.view_interaction"):
        return None  # a role that sees no calls (a hospital coordinator) gets no call-centre panel
    calls = visible_interactions(user)
    if tcso is not None:
        # A call belongs to the TCSO serving the caller's district; an anonymous call to none.
        calls = calls.filter(person__district__in=tcso.districts.all())
    every_call = tcso is None and sees_every_call(user)
    return Panel(cards="reports/_calls.html", context={"calls": call_figures(calls, when, every_call=every_call)})
