"""The building blocks of Opora's access rules: role predicates, relationship blocks, and ``require``.

Each domain app declares its own permissions from these blocks in ``<app>/rules.py`` (loaded at start-up
by :class:`core.apps.CoreConfig`), so that a new programme brings its rules with it and `core` never
learns about it. Rules look at objects by attribute only, so `core` imports no domain app.

A predicate asked without an object (``user.has_perm("people.view_person")``) answers whether the role
could do it to some object: relationship predicates say yes to ``None``. Views use that to decide 403
(the role never may) before they load an object; the load-and-authorise functions of each app
(``people.selectors.get_visible_person``, ``assistance.selectors.get_visible_request``) then answer the
same 404 for a record that is missing and for one the user may not see.
"""

from typing import Any

import rules
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from core.roles import Role, user_roles

User = AbstractBaseUser | AnonymousUser


def require(user: Any, perm: str, obj: Any = None) -> None:
    """Raise PermissionDenied (with a message in the user's language) unless ``user`` has ``perm``.

    ``user`` is a User or AnonymousUser (``request.user``)."""
    if not user.has_perm(perm, obj):
        raise PermissionDenied(_("You do not have permission to do this."))


# --- roles ---------------------------------------------------------------------------------------------
def role_is(*roles: str) -> rules.Predicate:
    name = "role_is:" + ",".join(roles)

    @rules.predicate(name=name)
    def check(user: User) -> bool:
        return bool(user_roles(user).intersection(roles))

    return check


is_administrator = role_is(Role.ADMINISTRATOR)
is_supervisor = role_is(Role.SUPERVISOR)
is_operator = role_is(Role.OPERATOR)
is_dispatcher = role_is(Role.DISPATCHER)
is_field_worker = role_is(Role.SOCIAL_WORKER, Role.VOLUNTEER)

# Roles that read and change every citizen's record across the city: the call centre takes calls from
# anywhere, and supervisors answer for all of it.
citywide_person_roles = role_is(Role.OPERATOR, Role.SUPERVISOR)
# Roles that find any citizen at search level only (name, birth date and district) and open a citizen's
# card only through a relation another app registers (people.relations): a hospital coordinator opens
# the cards of the patients with a case at his hospital, and nobody else's.
SEARCH_LEVEL_PERSON_ROLES = frozenset({Role.COORDINATOR.value, Role.PSYCHOLOGIST.value, Role.NAVIGATOR.value})
search_level_person_roles = role_is(*sorted(SEARCH_LEVEL_PERSON_ROLES))
# Roles that register citizens, besides dispatchers (who register the citizens of their districts).
person_registrars = role_is(Role.OPERATOR, Role.COORDINATOR, Role.NAVIGATOR, Role.SUPERVISOR)


# --- relationships -------------------------------------------------------------------------------------
def own_organisation_id(user: User) -> int | None:
    """The organisation the user works for (a TCSO, a hospital...), or None."""
    worker = getattr(user, "worker", None) if user.is_authenticated else None
    return worker.organisation_id if worker is not None else None


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


def in_served_districts(attribute: str) -> rules.Predicate:
    """True when ``obj.<attribute>`` (a district id) is among the districts the user's organisation serves."""

    @rules.predicate(name=f"in_served_districts:{attribute}")
    def check(user: User, obj: Any) -> bool:
        if obj is None:
            return True
        return getattr(obj, attribute, None) in served_district_ids(user)

    return check


def of_own_organisation(attribute: str) -> rules.Predicate:
    """True when ``obj.<attribute>`` (an organisation id) is the user's own organisation."""

    @rules.predicate(name=f"of_own_organisation:{attribute}")
    def check(user: User, obj: Any) -> bool:
        if obj is None:
            return True
        own = own_organisation_id(user)
        return own is not None and getattr(obj, attribute, None) == own

    return check


# --- administration ------------------------------------------------------------------------------------
rules.add_perm("core.use_admin", is_administrator)
