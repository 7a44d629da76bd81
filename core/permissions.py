"""Every access rule of Opora, in one place: by role and by relationship.

Views and API endpoints ask ``user.has_perm(<name>, obj)``; the rules below answer. The matrix test
(core/tests/test_permission_matrix.py) walks every role against every view and endpoint.
Rules look at objects by attribute only, so `core` does not import the domain apps.
"""

from typing import Any

import rules
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from core.roles import Role, user_roles

User = AbstractBaseUser | AnonymousUser


def role_is(*roles: str) -> rules.Predicate:
    name = "role_is:" + ",".join(roles)

    @rules.predicate(name=name)
    def check(user: User) -> bool:
        return bool(user_roles(user).intersection(roles))

    return check


def served_district_ids(user: User) -> frozenset[int]:
    """Districts the user's organisation serves, plus the user's own districts (cached per user)."""
    if not user.is_authenticated:
        return frozenset()
    cached: frozenset[int] | None = getattr(user, "_opora_districts", None)
    if cached is None:
        worker = getattr(user, "worker", None)
        ids: set[int] = set()
        if worker is not None:
            ids.update(worker.districts.values_list("id", flat=True))
            if worker.organisation_id:
                ids.update(worker.organisation.districts.values_list("id", flat=True))
        cached = frozenset(ids)
        user._opora_districts = cached  # type: ignore[attr-defined]
    return cached


@rules.predicate
def person_in_served_districts(user: User, person: Any) -> bool:
    if person is None:
        return True
    return getattr(person, "district_id", None) in served_district_ids(user)


is_administrator = role_is(Role.ADMINISTRATOR)
is_supervisor = role_is(Role.SUPERVISOR)
is_dispatcher = role_is(Role.DISPATCHER)

# Roles that work with citizens' records across the city: the call centre takes calls from anywhere,
# hospital staff and personal assistants see patients from any district.
citywide_person_roles = role_is(Role.OPERATOR, Role.COORDINATOR, Role.PSYCHOLOGIST, Role.NAVIGATOR, Role.SUPERVISOR)
citywide_person_editors = role_is(Role.OPERATOR, Role.COORDINATOR, Role.NAVIGATOR, Role.SUPERVISOR)
district_dispatcher = is_dispatcher & person_in_served_districts

# --- people ---
rules.add_perm("people.search_person", citywide_person_roles | is_dispatcher)
rules.add_perm("people.view_person", citywide_person_roles | district_dispatcher)
rules.add_perm("people.add_person", citywide_person_editors | is_dispatcher)
rules.add_perm("people.change_person", citywide_person_editors | district_dispatcher)

# --- audit ---
rules.add_perm("audit.view_person_journal", is_supervisor)

# --- administration ---
rules.add_perm("core.use_admin", is_administrator)


# --- assistance (help requests) ---
def _own_organisation_id(user: User) -> int | None:
    worker = getattr(user, "worker", None) if user.is_authenticated else None
    return worker.organisation_id if worker is not None else None


@rules.predicate
def request_in_own_tcso(user: User, help_request: Any) -> bool:
    if help_request is None:
        return True
    return getattr(help_request, "tcso_id", None) == _own_organisation_id(user)


@rules.predicate
def is_assigned_worker(user: User, help_request: Any) -> bool:
    """The social worker or volunteer who holds the request's live assignment."""
    if help_request is None or not user.is_authenticated:
        return False
    return bool(help_request.assignments.filter(outcome="", worker__user_id=user.pk).exists())


is_operator = role_is(Role.OPERATOR)
is_field_worker = role_is(Role.SOCIAL_WORKER, Role.VOLUNTEER)
tcso_dispatcher = is_dispatcher & request_in_own_tcso

rules.add_perm(
    "assistance.create_request",
    role_is(Role.OPERATOR, Role.DISPATCHER, Role.COORDINATOR, Role.NAVIGATOR, Role.SUPERVISOR),
)
rules.add_perm(
    "assistance.view_request",
    role_is(Role.OPERATOR, Role.SUPERVISOR, Role.COORDINATOR, Role.NAVIGATOR) | tcso_dispatcher,
)
rules.add_perm("assistance.view_queue", is_dispatcher | is_supervisor)
rules.add_perm("assistance.dispatch_request", tcso_dispatcher | is_supervisor)
rules.add_perm("assistance.transfer_request", tcso_dispatcher | is_supervisor)
rules.add_perm("assistance.work_on_request", (is_field_worker & is_assigned_worker) | tcso_dispatcher | is_supervisor)
rules.add_perm("assistance.cancel_request", is_operator | tcso_dispatcher | is_supervisor)
rules.add_perm("assistance.view_own_tasks", is_field_worker)


# --- reports ---
rules.add_perm("reports.view_dashboard", is_supervisor | is_operator | is_dispatcher)


# --- intake ---
rules.add_perm("intake.take_calls", role_is(Role.OPERATOR, Role.SUPERVISOR, Role.DISPATCHER))


# --- notify ---
rules.add_perm("notify.view_outbox", is_supervisor | is_administrator)
