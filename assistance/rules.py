"""Who may register, see, dispatch and carry out help requests."""

from typing import Any

import rules

from core.permissions import (
    User,
    is_dispatcher,
    is_field_worker,
    is_operator,
    is_supervisor,
    of_own_organisation,
    own_organisation_id,
    role_is,
)
from core.roles import Role
from directory.models import Worker


@rules.predicate
def is_assigned_worker(user: User, help_request: Any) -> bool:
    """The social worker or volunteer who holds the request's live assignment (asked without a request:
    whether the user could hold one)."""
    if not user.is_authenticated:
        return False
    if help_request is None:
        return True
    return bool(help_request.assignments.filter(outcome="", worker__user_id=user.pk).exists())


@rules.predicate
def registered_here(user: User, help_request: Any) -> bool:
    """The user, or a colleague of the user's organisation, registered the request (a hospital's
    coordinators withdraw a request one of them made when handing a patient over)."""
    if help_request is None or not user.is_authenticated or help_request.created_by_id is None:
        return False
    if help_request.created_by_id == user.pk:
        return True
    own = own_organisation_id(user)
    return own is not None and Worker.objects.filter(user_id=help_request.created_by_id, organisation_id=own).exists()


@rules.predicate
def citizen_card_open_to_user(user: User, help_request: Any) -> bool:
    """The user may open the card of the request's citizen (``True`` for "some request": lists ask first)."""
    if help_request is None:
        return True
    return bool(user.is_authenticated and user.has_perm("people.view_person", help_request.person))  # type: ignore[attr-defined]


# Roles that see every TCSO's requests; a dispatcher sees his own TCSO's; a hospital coordinator or a
# personal assistant the requests of the citizens whose cards a relation opens to them (people.relations).
citywide_request_roles = role_is(Role.OPERATOR, Role.SUPERVISOR)
related_request_roles = role_is(Role.COORDINATOR, Role.NAVIGATOR)
request_in_own_tcso = of_own_organisation("tcso_id")
tcso_dispatcher = is_dispatcher & request_in_own_tcso

rules.add_perm(
    "assistance.create_request",
    role_is(Role.OPERATOR, Role.DISPATCHER, Role.COORDINATOR, Role.NAVIGATOR, Role.SUPERVISOR),
)
rules.add_perm(
    "assistance.view_request",
    citywide_request_roles | tcso_dispatcher | (related_request_roles & citizen_card_open_to_user),
)
rules.add_perm("assistance.view_queue", is_dispatcher | is_supervisor)
# The whole city's queue (every TCSO), not one's own TCSO's.
rules.add_perm("assistance.view_all_queues", is_supervisor)
rules.add_perm("assistance.dispatch_request", tcso_dispatcher | is_supervisor)
rules.add_perm("assistance.transfer_request", tcso_dispatcher | is_supervisor)
rules.add_perm("assistance.work_on_request", (is_field_worker & is_assigned_worker) | tcso_dispatcher | is_supervisor)
# Whoever registered a request, or a colleague of theirs, may withdraw it (it leaves the queue with a reason).
rules.add_perm("assistance.cancel_request", is_operator | tcso_dispatcher | is_supervisor | registered_here)
rules.add_perm("assistance.view_own_tasks", is_field_worker)
