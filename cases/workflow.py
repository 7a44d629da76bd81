"""The life of a route step: one table of allowed moves, in one place.

planned → in progress → done | failed (reason) | not needed; a planned step can be done at once or found
not needed; a failed or not-needed step can be planned again. Done is final.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.models import RouteStep

Status = RouteStep.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PLANNED: frozenset({Status.IN_PROGRESS, Status.DONE, Status.NOT_NEEDED, Status.FAILED}),
    Status.IN_PROGRESS: frozenset({Status.DONE, Status.NOT_NEEDED, Status.FAILED}),
    Status.FAILED: frozenset({Status.PLANNED}),
    Status.NOT_NEEDED: frozenset({Status.PLANNED}),
    Status.DONE: frozenset(),
}

REASON_REQUIRED = frozenset({Status.FAILED})

# What the button that makes a move says: the action, never the status it leads to.
ACTION_LABELS: dict[str, Promise] = {
    Status.IN_PROGRESS: _("Start the step"),
    Status.DONE: _("Mark the step done"),
    Status.NOT_NEEDED: _("Not needed"),
    Status.FAILED: _("Could not be done…"),
    Status.PLANNED: _("Plan again"),
}


def allowed(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def moves(from_status: str) -> list[tuple[str, Promise]]:
    """The moves a step in ``from_status`` offers, in the order of the buttons."""
    order = [Status.IN_PROGRESS, Status.DONE, Status.NOT_NEEDED, Status.FAILED, Status.PLANNED]
    return [(to, ACTION_LABELS[to]) for to in order if allowed(from_status, to)]
