"""The life cycle of a help request: one table of allowed moves, in one place.

new → accepted (by the TCSO) → assigned → in progress → done; cancelled (by whom, why) from any open
status; an assigned request can go back to accepted (the worker is withdrawn, with a reason) so that
it can be given to someone else.

"Could not be done" is not a dead end: the worker's report hands the request back to the dispatcher
(returned), who assigns it again or closes it as not done (failed) — the citizen gets an SMS either
way. A dispatcher who learns of the failure himself closes it as not done directly.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from assistance.models import Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.ACCEPTED, Status.CANCELLED}),
    Status.ACCEPTED: frozenset({Status.ASSIGNED, Status.CANCELLED}),
    Status.ASSIGNED: frozenset(
        {Status.IN_PROGRESS, Status.ACCEPTED, Status.DONE, Status.RETURNED, Status.FAILED, Status.CANCELLED}
    ),
    Status.IN_PROGRESS: frozenset({Status.DONE, Status.RETURNED, Status.FAILED, Status.CANCELLED}),
    Status.RETURNED: frozenset({Status.ASSIGNED, Status.FAILED, Status.CANCELLED}),
    Status.DONE: frozenset(),
    Status.FAILED: frozenset(),
    Status.CANCELLED: frozenset(),
}

# Moves that need a reason in words.
REASON_REQUIRED = frozenset({Status.RETURNED, Status.FAILED, Status.CANCELLED})

# The permission each move asks for (core/permissions.py decides by role and relationship).
PERMISSION: dict[str, str] = {
    Status.ACCEPTED: "assistance.dispatch_request",
    Status.ASSIGNED: "assistance.dispatch_request",
    Status.IN_PROGRESS: "assistance.work_on_request",
    Status.DONE: "assistance.work_on_request",
    Status.RETURNED: "assistance.work_on_request",
    Status.FAILED: "assistance.work_on_request",
    Status.CANCELLED: "assistance.cancel_request",
}

# The statuses where a worker holds the request.
WITH_WORKER = (Status.ASSIGNED, Status.IN_PROGRESS)


def allowed(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


OPEN = (Status.NEW, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.RETURNED)
CLOSED = (Status.DONE, Status.FAILED, Status.CANCELLED)
# Open requests waiting for the dispatcher to give them to someone.
TO_ASSIGN = (Status.NEW, Status.ACCEPTED, Status.RETURNED)


# What the button that makes a move says: the action, never the status it leads to.
ACTION_LABELS: dict[str, Promise] = {
    Status.ACCEPTED: _("Accept"),
    Status.ASSIGNED: _("Assign"),
    Status.IN_PROGRESS: _("Start the work"),
    Status.DONE: _("Mark as done"),
    Status.RETURNED: _("Hand back to the dispatcher"),
    Status.FAILED: _("Mark as not done"),
    Status.CANCELLED: _("Cancel the request"),
}


def action_label(from_status: str, to_status: str) -> Promise:
    """The button's words for the move ``from_status`` → ``to_status``."""
    if from_status in WITH_WORKER and to_status == Status.ACCEPTED:
        return _("Withdraw the worker")
    if from_status == Status.RETURNED and to_status == Status.FAILED:
        return _("Close as not done")
    return ACTION_LABELS[to_status]


# What the reason field next to a move asks for, so that it visibly belongs to that action.
REASON_LABELS: dict[str, Promise] = {
    Status.ACCEPTED: _("Why the worker is withdrawn"),
    Status.RETURNED: _("Why it could not be done"),
    Status.FAILED: _("Why it could not be done (the citizen gets an SMS)"),
    Status.CANCELLED: _("Why the request is cancelled (the citizen gets an SMS)"),
}


def needs_reason(from_status: str, to_status: str) -> bool:
    """Whether the move needs words: failing, cancelling, and withdrawing a worker."""
    return to_status in REASON_REQUIRED or (from_status in WITH_WORKER and to_status == Status.ACCEPTED)
