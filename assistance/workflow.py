"""The life cycle of a help request: one table of allowed moves, in one place.

new → accepted (by the TCSO) → assigned → in progress → done | could not be done (reason);
cancelled (by whom, why) from any open status; an assigned request can go back to accepted
(the worker is withdrawn) so that it can be given to someone else.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from assistance.models import Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.ACCEPTED, Status.CANCELLED}),
    Status.ACCEPTED: frozenset({Status.ASSIGNED, Status.CANCELLED}),
    Status.ASSIGNED: frozenset({Status.IN_PROGRESS, Status.ACCEPTED, Status.DONE, Status.FAILED, Status.CANCELLED}),
    Status.IN_PROGRESS: frozenset({Status.DONE, Status.FAILED, Status.CANCELLED}),
    Status.DONE: frozenset(),
    Status.FAILED: frozenset(),
    Status.CANCELLED: frozenset(),
}

# Moves that need a reason in words.
REASON_REQUIRED = frozenset({Status.FAILED, Status.CANCELLED})

# The permission each move asks for (core/permissions.py decides by role and relationship).
PERMISSION: dict[str, str] = {
    Status.ACCEPTED: "assistance.dispatch_request",
    Status.ASSIGNED: "assistance.dispatch_request",
    Status.IN_PROGRESS: "assistance.work_on_request",
    Status.DONE: "assistance.work_on_request",
    Status.FAILED: "assistance.work_on_request",
    Status.CANCELLED: "assistance.cancel_request",
}


def allowed(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


OPEN = (Status.NEW, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS)
CLOSED = (Status.DONE, Status.FAILED, Status.CANCELLED)


# What the button that makes a move says: the action, never the status it leads to.
ACTION_LABELS: dict[str, Promise] = {
    Status.ACCEPTED: _("Accept for the TCSO"),
    Status.ASSIGNED: _("Assign"),
    Status.IN_PROGRESS: _("Start the work"),
    Status.DONE: _("Mark as done"),
    Status.FAILED: _("Close as not done"),
    Status.CANCELLED: _("Cancel the request"),
}


def action_label(from_status: str, to_status: str) -> Promise:
    """The button's words for the move ``from_status`` → ``to_status``."""
    if from_status in (Status.ASSIGNED, Status.IN_PROGRESS) and to_status == Status.ACCEPTED:
        return _("Withdraw the worker")
    return ACTION_LABELS[to_status]
