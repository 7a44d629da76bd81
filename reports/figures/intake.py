"""Call figures: inbound phone calls in the period and how many of them produced a request."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet

from directory.models import Organisation
from intake.models import Direction, Interaction, Medium, Outcome
from intake.selectors import visible_interactions
from reports.figures import Panel
from reports.periods import Period

ORDER = 10


@dataclass
class CallFigures:
    received: int
    with_request: int


def call_figures(interactions: QuerySet[Interaction], when: Period) -> CallFigures:
    """Inbound phone calls in the period, and how many of them produced a request."""
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
    return Panel(cards="reports/_calls.html", context={"calls": call_figures(calls, when)})
