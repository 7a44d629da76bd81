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
# The "Oncology" tab of a citizen's card (its object is the citizen; the tab lists only what one may see).
rules.add_perm("navigation.see_tab", is_navigator | is_supervisor)


@rules.predicate
def assists_its_patient(user: User, appointment: Any) -> bool:
    """The user is the personal assistant of the appointment's patient (``True`` for "some appointment")."""
    return appointment is None or appointment.journey.assistant_id == user.pk


# Appointments are booked, moved, cancelled and their outcome recorded by the patient's own assistant only;
# supervisors oversee them but do not book (nor may they hold slots: scheduling.book_slot).
rules.add_perm("navigation.book_appointment", is_navigator & assists)
rules.add_perm("navigation.change_appointment", is_navigator & assists_its_patient)
rules.add_perm("navigation.view_appointment", is_navigator & assists_its_patient | is_supervisor)
