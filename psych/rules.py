"""Who may do what in the psychological service: by role and by the service a psychologist works for.

A psychologist's "service" is the organisation of their worker profile: a hospital's team of psychologists
or the oncological psychological service. Consultations, groups and hotlines belong to a service.

Notes are the strictest rule of Opora: only psychologists of the consultation's service read or write
them. ``note_reader`` is asked as a predicate by ``psych.notes`` (not through ``has_perm``), so that not
even a Django superuser's blanket permissions open a note.
"""

from typing import Any

import rules
from django.contrib.auth.models import User

from core.permissions import is_supervisor, own_organisation_id, role_is
from core.roles import Role

is_psychologist = role_is(Role.PSYCHOLOGIST)
is_coordinator = role_is(Role.COORDINATOR)


def service_of(obj: Any) -> int | None:
    """The service a psych record belongs to (a consultation, a group, a line, a call, a follow-up)."""
    if hasattr(obj, "organisation_id"):
        return int(obj.organisation_id)
    if hasattr(obj, "line"):  # a hotline call
        return int(obj.line.organisation_id)
    if hasattr(obj, "group"):  # a group session or member
        return int(obj.group.organisation_id)
    source = getattr(obj, "consultation", None) or getattr(obj, "call", None)  # a follow-up
    return service_of(source) if source is not None else None


@rules.predicate
def in_own_service(user: User, obj: Any) -> bool:
    """The record belongs to the service the user works for (``True`` for "some record")."""
    if obj is None:
        return True
    own = own_organisation_id(user)
    return own is not None and service_of(obj) == own


@rules.predicate
def citywide_supervisor(user: User) -> bool:
    """A supervisor who works for no psychological service or hospital oversees every service."""
    worker = getattr(user, "worker", None) if user.is_authenticated else None
    organisation = worker.organisation if worker is not None else None
    return organisation is None or organisation.kind not in ("hospital", "psych_service")


@rules.predicate
def at_own_hospital(user: User, obj: Any) -> bool:
    """A consultation held at (or for a case of) the hospital the user works for."""
    if obj is None:
        return True
    own = own_organisation_id(user)
    return own is not None and own in (getattr(obj, "place_id", None), getattr(obj, "organisation_id", None))


service_psychologist = is_psychologist & in_own_service
service_supervisor = is_supervisor & (citywide_supervisor | in_own_service)
note_reader = service_psychologist

# Metadata of a consultation (that it happened, when, format, mode, duration, topic): its service's
# psychologists, supervisors, and the coordinators of the hospital where it was held.
rules.add_perm("psych.view_consultation", service_psychologist | service_supervisor | is_coordinator & at_own_hospital)
rules.add_perm("psych.register_consultation", is_psychologist)
rules.add_perm("psych.change_consultation", service_psychologist)
# Reading or writing a note: the same predicate psych.notes asks directly (see the module's docstring).
rules.add_perm("psych.read_note", note_reader)
rules.add_perm("psych.record_breach", service_psychologist)
rules.add_perm("psych.view_breaches", service_supervisor | service_psychologist)
# The walk-in queue screen and the psychologist's worklist.
rules.add_perm("psych.run_queue", is_psychologist)
# Support groups.
rules.add_perm("psych.view_group", service_psychologist | service_supervisor)
rules.add_perm("psych.manage_group", service_psychologist)
# Hotlines: the call log and the duty roster.
rules.add_perm("psych.view_hotline", service_psychologist | service_supervisor)
rules.add_perm("psych.log_call", service_psychologist)
rules.add_perm("psych.manage_roster", service_psychologist | service_supervisor)
rules.add_perm("psych.do_follow_up", service_psychologist)
# The "Psychological help" tab of a citizen's card (metadata only; the tab lists what one may see).
rules.add_perm("psych.see_psych_tab", is_psychologist | is_supervisor | is_coordinator)
