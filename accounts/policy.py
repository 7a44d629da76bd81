"""Which roles open citizens' records, and what that asks of an account: a second factor, a second
administrator's confirmation when the role is given, and whether the user may make API tokens."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from core.roles import Role, user_roles

# Every role that reads citizens' records, in full or in part (a volunteer sees what a task needs).
RECORD_ROLES = frozenset(
    {
        Role.SUPERVISOR,
        Role.OPERATOR,
        Role.DISPATCHER,
        Role.SOCIAL_WORKER,
        Role.VOLUNTEER,
        Role.COORDINATOR,
        Role.PSYCHOLOGIST,
        Role.NAVIGATOR,
    }
)
# Roles given only on a second administrator's confirmation: the record roles, and the administrator's
# own, which manages every account.
CONFIRMED_ROLES = RECORD_ROLES | {Role.ADMINISTRATOR}


def role_needs_confirmation(role: str) -> bool:
    return role in CONFIRMED_ROLES


def second_factor_required(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether ``user`` must pass a second factor to use the site (before any exemption)."""
    if not settings.OPORA_TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    return bool(user_roles(user) & CONFIRMED_ROLES) or bool(getattr(user, "is_superuser", False))


def may_create_tokens(user: AbstractBaseUser | AnonymousUser) -> bool:
    """People may make their own API tokens only in a role with an integration need (settings)."""
    return bool(user_roles(user) & set(settings.OPORA_TOKEN_ROLES))


def is_service_account(user: AbstractBaseUser) -> bool:
    """A login no person uses: it has roles, and none of them is a person's role."""
    roles = user_roles(user)
    return bool(roles) and not (roles & CONFIRMED_ROLES)
