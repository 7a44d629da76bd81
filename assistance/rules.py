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
    role_is,
)
from core.roles import Role


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
def registered_it(user: User, help_request: Any) -> bool:
    """The user registered the request (a coordinator who handed a patient over withdraws it so)."""
    if help_request is None:
        return False
    return bool(user.is_authenticated and help_request.created_by_id == user.pk)


# Roles that see every TCSO's requests; a dispatcher sees his own TCSO's.
citywide_request_roles = role_is(Role.OPERATOR, Role.SUPERVISOR, Role.COORDINATOR, Role.NAVIGATOR)
request_in_own_tcso = of_own_organisation("tcso_id")
tcso_dispatcher = is_dispatcher & request_in_own_tcso

rules.add_perm(
    "assistance.create_request",
    role_is(Role.OPERATOR, Role.DISPATCHER, Role.COORDINATOR, Role.NAVIGATOR, Role.SUPERVISOR),
)
rules.add_perm("assistance.view_request", citywide_request_roles | tcso_dispatcher)
rules.add_perm("assistance.view_queue", is_dispatcher | is_supervisor)
# The whole city's queue (every TCSO), not one's own TCSO's.
rules.add_perm("assistance.view_all_queues", is_supervisor)
rules.add_perm("assistance.dispatch_request", tcso_dispatcher | is_supervisor)
rules.add_perm("assistance.transfer_request", tcso_dispatcher | is_supervisor)
rules.add_perm("assistance.work_on_request", (is_field_worker & is_assigned_worker) | tcso_dispatcher | is_supervisor)
# Whoever registered a request may withdraw it (it leaves the queue with their reason).
rules.add_perm("assistance.cancel_request", is_operator | tcso_dispatcher | is_supervisor | registered_it)
rules.add_perm("assistance.view_own_tasks", is_field_worker)
