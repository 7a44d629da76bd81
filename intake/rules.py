"""Who may take calls at the call centre's screen, see a call, change it, and post the telephony's events.

A call (an ``Interaction``) is seen by the call centre and supervisors city-wide, and by a dispatcher when
it is a call of a citizen his TCSO serves, or a call not linked to a citizen that he or a colleague of
his organisation took. It is changed only by its operator or a supervisor; a call nobody has taken yet
(the telephony announced it, nobody answered or recorded it) is taken by whoever may see it and records
it first. The CTI webhook is the telephony system's own service account's, never a person's token.
"""

from typing import Any

import rules

from core.permissions import (
    User,
    is_dispatcher,
    is_supervisor,
    own_organisation_id,
    role_is,
    served_district_ids,
)
from core.roles import Role

# The call centre and its supervisors work with every call in the city.
citywide_call_roles = role_is(Role.OPERATOR, Role.SUPERVISOR)


@rules.predicate
def call_of_own_tcso(user: User, call: Any) -> bool:
    """A call of a citizen in the districts the user's TCSO serves; a call not linked to a citizen only
    when the user or a colleague of his organisation took it (asked without a call: yes)."""
    if call is None:
        return True
    if call.person_id is not None:
        return call.person.district_id in served_district_ids(user)
    if call.operator_id is None:
        return False
    if call.operator_id == user.pk:
        return True
    own = own_organisation_id(user)
    worker = getattr(call.operator, "worker", None)
    return own is not None and worker is not None and worker.organisation_id == own


@rules.predicate
def taken_by_user_or_nobody(user: User, call: Any) -> bool:
    """The user is the call's operator, or nobody has taken the call yet."""
    if call is None:
        return True
    return call.operator_id is None or call.operator_id == user.pk


# What intake.selectors.visible_interactions answers as a query.
may_view_call = citywide_call_roles | (is_dispatcher & call_of_own_tcso)

rules.add_perm("intake.take_calls", role_is(Role.OPERATOR, Role.SUPERVISOR, Role.DISPATCHER))
rules.add_perm("intake.view_interaction", may_view_call)
rules.add_perm("intake.change_interaction", is_supervisor | (may_view_call & taken_by_user_or_nobody))
rules.add_perm("intake.post_call_events", role_is(Role.TELEPHONY))
