"""Who may open, read and work on cases: by role and by relationship to the case's hospital."""

from typing import Any

import rules
from django.contrib.auth.models import User

from core.permissions import is_dispatcher, is_supervisor, own_organisation_id, role_is
from core.roles import Role
from directory.models import Organisation

is_coordinator = role_is(Role.COORDINATOR)


@rules.predicate
def at_own_organisation(user: User, case: Any) -> bool:
    """The case is at the organisation the user works for (``True`` for "some case": views ask first)."""
    if case is None:
        return True
    own = own_organisation_id(user)
    return own is not None and case.organisation_id == own


@rules.predicate
def citywide_supervisor(user: User) -> bool:
    """A supervisor who works for no hospital oversees every hospital's cases.

    Read through the user's worker and its organisation, which Django keeps on the user object: the
    rule is asked several times a page and used to query the organisation each time."""
    worker = getattr(user, "worker", None) if user.is_authenticated else None
    organisation = worker.organisation if worker is not None else None
    return organisation is None or organisation.kind != Organisation.Kind.HOSPITAL


hospital_coordinator = is_coordinator & at_own_organisation
# A hospital's own supervisors see its cases; a supervisor of no hospital sees every hospital's.
case_supervisor = is_supervisor & (citywide_supervisor | at_own_organisation)

rules.add_perm("cases.view_case", hospital_coordinator | case_supervisor)
rules.add_perm("cases.open_case", is_coordinator)
rules.add_perm("cases.change_case", hospital_coordinator)
# The "Cases" tab of a citizen's card (its object is the citizen; the tab lists only the cases one may see).
rules.add_perm("cases.see_cases_tab", is_coordinator | is_supervisor)
# The list of hand-offs to TCSOs: a TCSO's dispatchers see those to their TCSO, a hospital's coordinators
# and supervisors those from their hospital, a city supervisor all (cases.selectors.visible_handoffs).
rules.add_perm("cases.view_handoffs", is_coordinator | is_supervisor | is_dispatcher)


# --- crises -----------------------------------------------------------------------------------------
is_psychologist = role_is(Role.PSYCHOLOGIST)


@rules.predicate
def alert_at_own_organisation(user: User, alert: Any) -> bool:
    """The crisis is on a case of the user's own organisation (``True`` for "some crisis")."""
    if alert is None:
        return True
    own = own_organisation_id(user)
    return own is not None and alert.case.organisation_id == own


@rules.predicate
def answered_it(user: User, alert: Any) -> bool:
    """The user is the psychologist who took the crisis (``True`` for "some crisis")."""
    return alert is None or (alert.answered_by_id is not None and alert.answered_by_id == user.pk)


@rules.predicate
def psychologists_step_at_own_organisation(user: User, step: Any) -> bool:
    """A route step the psychologists answer for, on a case of the user's own hospital or asked of the user's
    own service (``True`` for "some step")."""
    if step is None:
        return True
    own = own_organisation_id(user)
    at_own = step.addressed_to_id == own if step.addressed_to_id else step.case.organisation_id == own
    return own is not None and step.responsible == "psychologist" and at_own


# The psychological service finishes the route's psychologist's steps from its own pages (a consultation
# held answers one); every other step, and every other change of the case, stays the coordinator's.
rules.add_perm("cases.move_psychologist_step", is_psychologist & psychologists_step_at_own_organisation)

# Until duty rosters exist, the hospital's psychologists are its on-duty team: any of them takes a crisis.
rules.add_perm("cases.answer_crisis", is_psychologist & alert_at_own_organisation)
rules.add_perm("cases.end_crisis", is_coordinator & alert_at_own_organisation | is_psychologist & answered_it)
# The crisis list; each role sees the crises of its hospital (a city supervisor every hospital's).
rules.add_perm("cases.view_crises", is_psychologist | is_coordinator | is_supervisor)
