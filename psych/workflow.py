"""The life of a consultation: one table of allowed moves, in one place.

Walk-in: waiting → called in → in progress → held; a client who waits may leave (or be called back to the
queue when they did not come to the door). By appointment: booked → in progress → held, or cancelled
(the slot is freed), or did not come.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from psych.models import Consultation

Status = Consultation.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.WAITING: frozenset({Status.CALLED, Status.IN_PROGRESS, Status.LEFT}),
    Status.CALLED: frozenset({Status.IN_PROGRESS, Status.WAITING, Status.LEFT}),
    Status.BOOKED: frozenset({Status.IN_PROGRESS, Status.CANCELLED, Status.NO_SHOW}),
    Status.IN_PROGRESS: frozenset({Status.DONE}),
    Status.DONE: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.NO_SHOW: frozenset(),
    Status.LEFT: frozenset(),
}

REASON_REQUIRED = frozenset({Status.CANCELLED})

# What the button that makes a move says: the action, never the status it leads to.
ACTION_LABELS: dict[str, Promise] = {
    Status.CALLED: _("Call in"),
    Status.IN_PROGRESS: _("Start the consultation"),
    Status.DONE: _("End the consultation"),
    Status.WAITING: _("Back to the queue"),
    Status.LEFT: _("Left without a consultation"),
    Status.CANCELLED: _("Cancel the consultation"),
    Status.NO_SHOW: _("Did not come"),
}


def allowed(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())
