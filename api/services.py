"""Business actions on API tokens; each runs in one transaction and is journaled."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from api.models import ApiToken
from audit import services as audit
from audit.models import Action


def issue_token(
    *, user: AbstractBaseUser, name: str, request: HttpRequest | None = None, channel: str = "ui"
) -> tuple[ApiToken, str]:
    """Create a token for ``user`` and journal it; returns the record and the token (shown once)."""
    with transaction.atomic():
        token, raw = ApiToken.issue(user=user, name=name)
        audit.record(
            actor=user,
            action=Action.CREATE,
            obj=token,
            fields=["name"],
            details={"name": name},
            request=request,
            channel=channel,
        )
    return token, raw


def revoke_token(*, token: ApiToken, by: AbstractBaseUser, request: HttpRequest | None = None) -> bool:
    """Revoke ``token``; False if it was already revoked."""
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if revoked:
            audit.record(actor=by, action=Action.CHANGE, obj=token, fields=["revoked_at"], request=request)
    return bool(revoked)
