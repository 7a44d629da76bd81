"""The life of a route step: one table of allowed moves, in one place.

planned → in progress → done | failed (reason) | not needed; a planned step can be done at once or found
not needed; a failed or not-needed step can be planned again. Done is final.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.models import LIVE_HANDOFF_STATUSES, Handoff, RouteStep

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


# --- hand-offs to the TCSO ------------------------------------------------------------------------
# The referral's life, as HL7 Gravity SDOH's referral Task: requested → accepted | rejected → in progress
# → completed | failed; cancelled by the sender while it is alive. An accepted or begun one goes back to requested
# when the TCSO hands the request to another TCSO (which must accept it again).

HandoffStatus = Handoff.Status

HANDOFF_TRANSITIONS: dict[str, frozenset[str]] = {
    HandoffStatus.REQUESTED: frozenset({HandoffStatus.ACCEPTED, HandoffStatus.REJECTED, HandoffStatus.CANCELLED}),
    HandoffStatus.ACCEPTED: frozenset(
        {
            HandoffStatus.REQUESTED,
            HandoffStatus.IN_PROGRESS,
            HandoffStatus.COMPLETED,
            HandoffStatus.FAILED,
            HandoffStatus.CANCELLED,
        }
    ),
    # Back to "requested" when the request, its worker withdrawn, is handed to another TCSO: that TCSO has
    # to accept it, whether or not the first had started the work.
    HandoffStatus.IN_PROGRESS: frozenset(
        {HandoffStatus.REQUESTED, HandoffStatus.COMPLETED, HandoffStatus.FAILED, HandoffStatus.CANCELLED}
    ),
    HandoffStatus.REJECTED: frozenset(),
    HandoffStatus.COMPLETED: frozenset(),
    HandoffStatus.FAILED: frozenset(),
    HandoffStatus.CANCELLED: frozenset(),
}


def handoff_allowed(from_status: str, to_status: str) -> bool:
    return to_status in HANDOFF_TRANSITIONS.get(from_status, frozenset())


def handoff_status_after(current: str, request_status: str) -> str:
    """Where a live hand-off goes when the TCSO moves its request to ``request_status`` (assistance's
    statuses). Returns ``current`` when the move does not change the referral (a worker withdrawn, a
    second assignment)."""
    if current not in LIVE_HANDOFF_STATUSES:
        return current
    if request_status == "new":  # handed to another TCSO: it has to accept it again
        return HandoffStatus.REQUESTED
    if request_status in ("accepted", "assigned"):
        return HandoffStatus.ACCEPTED if current == HandoffStatus.REQUESTED else current
    if request_status == "in_progress":
        return HandoffStatus.IN_PROGRESS
    if request_status == "done":
        return HandoffStatus.COMPLETED
    if request_status == "failed":
        return HandoffStatus.FAILED
    if request_status == "cancelled":  # by the TCSO (the sender's withdrawal ends the hand-off first)
        return HandoffStatus.REJECTED if current == HandoffStatus.REQUESTED else HandoffStatus.FAILED
    return current
