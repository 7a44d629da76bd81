"""What Opora keeps about a login beside Django's user: its security state, its sessions, role changes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.roles import Role


class AccountState(models.Model):
    """Per-login security state. A user without a row has the defaults (nothing to change, no exemption)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="account_state"
    )
    # Set when someone else chose the password (a new account, an administrator's reset): the owner must
    # choose their own before doing anything else.
    must_change_password = models.BooleanField(_("must change the password"), default=False)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)
    # Only the demo city's seeding sets this, so that a newcomer can try every role without an
    # authenticator app. No page or admin form can.
    second_factor_exempt = models.BooleanField(_("exempt from the second factor (demo)"), default=False)

    class Meta:
        verbose_name = _("account state")
        verbose_name_plural = _("account states")

    def __str__(self) -> str:
        return str(self.user)


class UserSession(models.Model):
    """A session a user logged in with, so that a password, role or activity change can end all of them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.session_key[:6]}…"


class RoleChange(models.Model):
    """A request to give a user a role, or the record of taking one away.

    A role that opens citizens' records (and the administrator's own role) is given only when a second
    administrator confirms the request; taking a role away is never delayed.
    """

    class Kind(models.TextChoices):
        GRANT = "grant", _("give the role")
        REMOVE = "remove", _("take the role away")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for confirmation")
        APPLIED = "applied", _("done")
        REJECTED = "rejected", _("refused")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_changes", verbose_name=_("account")
    )
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    kind = models.CharField(_("change"), max_length=10, choices=Kind.choices, default=Kind.GRANT)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("asked by")
    )
    requested_at = models.DateTimeField(_("asked"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("role change")
        verbose_name_plural = _("role changes")
        constraints = [
            # One open request per account and role: a second administrator confirms exactly one thing.
            models.UniqueConstraint(
                fields=["user", "role"], condition=models.Q(status="pending"), name="one_pending_role_change"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.role} → {self.user}"
