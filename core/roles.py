"""The roles of Opora. Each role is a Django group with the same name as its code."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    SUPERVISOR = "supervisor", _("Supervisor")
    OPERATOR = "operator", _("Call-centre operator")
    DISPATCHER = "dispatcher", _("TCSO dispatcher")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    VOLUNTEER = "volunteer", _("Volunteer")
    COORDINATOR = "coordinator", _("Hospital social coordinator")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    NAVIGATOR = "navigator", _("Personal assistant (oncology)")
    # The telephony system's own account: it posts call events to the CTI webhook with a token and holds
    # no permission on citizens' records.
    TELEPHONY = "telephony", _("Telephony service account")


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The role codes of ``user``, read once per request object and cached on it."""
    if not user.is_authenticated:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_opora_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
        user._opora_roles = cached  # type: ignore[attr-defined]
    return cached


def has_role(user: AbstractBaseUser | AnonymousUser, *roles: str) -> bool:
    return bool(user_roles(user).intersection(roles))
