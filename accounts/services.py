"""Business actions on accounts. Each runs in one transaction and is journaled with who did it to whom.

Administrators call them through the admin site, users through their account pages, operators of the
server through management commands. A password set by someone else, a role change and deactivation end
the user's sessions and revoke their API tokens, so that the change holds at once.
"""

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountState, RoleChange, UserSession
from accounts.policy import role_needs_confirmation
from api.services import revoke_all_tokens
from audit import services as audit
from audit.models import Action
from core.actor import Actor
from core.permissions import is_administrator
from core.roles import Role, user_roles

USER_TYPE = "auth.user"


def _journal(actor: Actor, whom: User, event: str, action: str = Action.CHANGE, **details: Any) -> None:
    audit.record(
        actor=actor,
        action=action,
        object_type=USER_TYPE,
        object_id=whom.pk,
        fields=details.pop("fields", ()),
        details={"event": event, "whom": whom.get_username(), **details},
    )


def state_of(user: User) -> AccountState:
    return AccountState.objects.get_or_create(user=user)[0]


def end_sessions(user: User, *, keep: str | None = None) -> int:
    """End every session ``user`` logged in with, but ``keep`` (the caller's own); returns how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(
        UserSession.objects.filter(user=user).exclude(session_key=keep or "").values_list("session_key", flat=True)
    )
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def _cut_off(actor: Actor, user: User, *, keep: str | None = None) -> None:
    """After a change of what ``user`` may do: no session and no token of before goes on working."""
    end_sessions(user, keep=keep)
    revoke_all_tokens(user=user, actor=actor)


def _require_administrator(actor: Actor) -> None:
    if not (is_administrator(actor.user) or actor.user.is_superuser):
        raise PermissionDenied(_("Only an administrator manages accounts."))


# --- creating, deactivating, passwords ------------------------------------------------------------


def create_account(*, actor: Actor, user: User) -> User:
    """Save a new login (its password already set by the administrator's form): no role, and its owner
    must choose their own password at first login."""
    _require_administrator(actor)
    if user.pk is not None:
        raise ValueError("create_account saves a new user")
    with transaction.atomic():
        user.is_superuser = user.is_staff = False
        user.save()
        AccountState.objects.create(user=user, must_change_password=True)
        _journal(actor, user, "account_created", Action.CREATE, fields=["username", "first_name", "last_name", "email"])
    return user


def change_account(*, actor: Actor, user: User, fields: list[str]) -> None:
    """Names and e-mail of a login; nothing that grants access goes through here."""
    _require_administrator(actor)
    allowed = {"username", "first_name", "last_name", "email"}
    if set(fields) - allowed:
        raise PermissionDenied(
            _("These fields are not changed here: %(fields)s.") % {"fields": ", ".join(sorted(set(fields) - allowed))}
        )
    with transaction.atomic():
        user.save(update_fields=fields)
        _journal(actor, user, "account_changed", fields=fields)


def set_active(*, actor: Actor, user: User, active: bool) -> bool:
    """Open or close a login; False if it already was so. Closing ends its sessions and tokens."""
    _require_administrator(actor)
    if user.pk == actor.user.pk and not active:
        raise ValidationError(_("You cannot deactivate your own account."))
    with transaction.atomic():
        changed = User.objects.filter(pk=user.pk).exclude(is_active=active).update(is_active=active)
        if not changed:
            return False
        user.is_active = active
        _journal(actor, user, "account_activated" if active else "account_deactivated", fields=["is_active"])
        if not active:
            _cut_off(actor, user)
    return True


def set_password_for(*, actor: Actor, user: User, password: str) -> None:
    """An administrator sets someone's password: it must be changed at next login; sessions and tokens end."""
    _require_administrator(actor)
    if user.is_superuser:
        raise PermissionDenied(_("A superuser's password is changed on the server, not here."))
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        AccountState.objects.update_or_create(user=user, defaults={"must_change_password": True})
        _journal(actor, user, "password_set_by_administrator", fields=["password"])
        _cut_off(actor, user)


def change_own_password(*, actor: Actor, password: str, session_key: str | None, reset: bool = False) -> None:
    """The user chose a new password (on the account page, or by a reset link): every other session ends
    and every API token is revoked; the session it was chosen in goes on."""
    user = actor.user
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        AccountState.objects.update_or_create(
            user=user, defaults={"must_change_password": False, "password_changed_at": timezone.now()}
        )
        _journal(actor, user, "password_reset_by_link" if reset else "password_changed", fields=["password"])
        _cut_off(actor, user, keep=session_key)


def set_superuser(*, actor: Actor, user: User, on: bool) -> bool:
    """Superuser status, from a management command only (no page offers it); False if nothing changed."""
    with transaction.atomic():
        changed = User.objects.filter(pk=user.pk).exclude(is_superuser=on).update(is_superuser=on, is_staff=on)
        if not changed:
            return False
        user.is_superuser = user.is_staff = on
        _journal(actor, user, "superuser_granted" if on else "superuser_removed", fields=["is_superuser"])
        _cut_off(actor, user)
    return True


# --- roles ----------------------------------------------------------------------------------------


def _known_role(role: str) -> str:
    if role not in Role.values:
        raise ValidationError(_("There is no role “%(role)s”.") % {"role": role})
    return role


def request_role(*, actor: Actor, user: User, role: str, reason: str = "") -> RoleChange:
    """Ask to give ``user`` a role. A role that opens records waits for a second administrator; any other
    is given at once."""
    _require_administrator(actor)
    _known_role(role)
    if role in user_roles(user):
        raise ValidationError(_("This account already has that role."))
    with transaction.atomic():
        if RoleChange.objects.filter(user=user, role=role, status=RoleChange.Status.PENDING).exists():
            raise ValidationError(_("A request for this role is already waiting for confirmation."))
        change = RoleChange.objects.create(user=user, role=role, reason=reason, requested_by=actor.user)
        _journal(actor, user, "role_requested", role=role, request=change.pk)
        if not role_needs_confirmation(role):
            _apply(actor, change)
    return change


def confirm_role(*, actor: Actor, change: RoleChange) -> None:
    """The second administrator confirms: the role is given, and the user's sessions and tokens end."""
    _require_administrator(actor)
    if actor.user.pk == change.requested_by_id:
        raise PermissionDenied(_("A second administrator must confirm the request you made."))
    if actor.user.pk == change.user_id:
        raise PermissionDenied(_("Nobody confirms a role for their own account."))
    with transaction.atomic():
        locked = RoleChange.objects.select_for_update().get(pk=change.pk)
        if locked.status != RoleChange.Status.PENDING:
            raise ValidationError(_("This request has already been decided."))
        _apply(actor, locked)
    change.refresh_from_db()


def reject_role(*, actor: Actor, change: RoleChange) -> None:
    _require_administrator(actor)
    with transaction.atomic():
        updated = RoleChange.objects.filter(pk=change.pk, status=RoleChange.Status.PENDING).update(
            status=RoleChange.Status.REJECTED, decided_by=actor.user, decided_at=timezone.now()
        )
        if not updated:
            raise ValidationError(_("This request has already been decided."))
        _journal(actor, change.user, "role_refused", role=change.role, request=change.pk)
    change.refresh_from_db()


def remove_role(*, actor: Actor, user: User, role: str) -> RoleChange:
    """Take a role away, at once: taking access away never waits for anyone."""
    _require_administrator(actor)
    _known_role(role)
    if role not in user_roles(user):
        raise ValidationError(_("This account does not have that role."))
    if user.pk == actor.user.pk and role == Role.ADMINISTRATOR:
        raise ValidationError(_("You cannot take the administrator's role from yourself."))
    with transaction.atomic():
        change = RoleChange.objects.create(user=user, role=role, kind=RoleChange.Kind.REMOVE, requested_by=actor.user)
        _apply(actor, change)
    return change


def _apply(actor: Actor, change: RoleChange) -> None:
    group = Group.objects.get_or_create(name=change.role)[0]
    user = change.user
    if change.kind == RoleChange.Kind.GRANT:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    if hasattr(user, "_opora_roles"):
        del user._opora_roles
    RoleChange.objects.filter(pk=change.pk).update(
        status=RoleChange.Status.APPLIED, decided_by=actor.user, decided_at=timezone.now()
    )
    event = "role_granted" if change.kind == RoleChange.Kind.GRANT else "role_removed"
    details: dict[str, Any] = {"role": change.role, "request": change.pk}
    if change.requested_by_id != actor.user.pk:
        details["asked_by"] = change.requested_by.get_username()
    _journal(actor, user, event, fields=["roles"], **details)
    _cut_off(actor, user)


# --- second factor --------------------------------------------------------------------------------


def _new_backup_codes(user: User, count: int) -> list[str]:
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Backup codes"), confirmed=True)
    codes = [StaticToken.random_token() for _n in range(count)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def confirm_second_factor(*, actor: Actor, device: Any, count: int) -> list[str]:
    """The authenticator app proved it works: the device counts from now on, with fresh backup codes."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_backup_codes(actor.user, count)
        _journal(actor, actor.user, "second_factor_enrolled", fields=["second_factor"])
    return codes


def renew_backup_codes(*, actor: Actor, count: int) -> list[str]:
    with transaction.atomic():
        codes = _new_backup_codes(actor.user, count)
        _journal(actor, actor.user, "backup_codes_renewed", fields=["second_factor"])
    return codes


def reset_second_factor(*, actor: Actor, user: User) -> int:
    """A lost authenticator and lost backup codes: from a management command only. The user enrols again
    at next login; their sessions and tokens end."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
        _journal(actor, user, "second_factor_reset", fields=["second_factor"])
        _cut_off(actor, user)
    return removed


def exempt_from_second_factor(*, actor: Actor, user: User) -> None:
    """The demo city's seeding only: lets a newcomer try a role without an authenticator app."""
    with transaction.atomic():
        AccountState.objects.update_or_create(user=user, defaults={"second_factor_exempt": True})
        _journal(actor, user, "second_factor_exempted", fields=["second_factor"])
