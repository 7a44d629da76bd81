"""Who may do what in oncology navigation: personal assistants work with their own patients; supervisors
oversee and reassign. Volunteers, operators and the other roles see nothing of the programme."""

from typing import Any

import rules
from django.contrib.auth.models import User

from core.permissions import is_supervisor, role_is
from core.roles import Role

is_navigator = role_is(Role.NAVIGATOR)


@rules.predicate
def assists(user: User, journey: Any) -> bool:
    """The user is the journey's personal assistant (``True`` for "some journey": views ask first)."""
    return journey is None or journey.assistant_id == user.pk


@rules.predicate
def registered_it(user: User, referral: Any) -> bool:
    """The user registered the referral (``True`` for "some referral")."""
    return referral is None or referral.created_by_id == user.pk


rules.add_perm("navigation.register_referral", is_navigator | is_supervisor)
# The patient's answer to the offer is recorded by whoever registered the referral, or a supervisor.
rules.add_perm("navigation.record_answer", is_navigator & registered_it | is_supervisor)
rules.add_perm("navigation.view_journey", is_navigator & assists | is_supervisor)
rules.add_perm("navigation.change_journey", is_navigator & assists)
rules.add_perm("navigation.reassign", is_supervisor)
