"""Business actions on API tokens; each runs in one transaction and is journaled."""

from django.db import transaction
from django.utils import timezone

from api.models import ApiToken
from audit import services as audit
from audit.models import Action
from core.actor import Actor


def issue_token(*, actor: Actor, name: str) -> tuple[ApiToken, str]:
    """Create a token for the actor's user and journal it; returns the record and the token (shown once)."""
    with transaction.atomic():
        token, raw = ApiToken.issue(user=actor.user, name=name)
        audit.record(actor=actor, action=Action.CREATE, obj=token, fields=["name"], details={"name": name})
    return token, raw


def revoke_token(*, token: ApiToken, actor: Actor) -> bool:
    """Revoke ``token``; False if it was already revoked."""
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if revoked:
            audit.record(actor=actor, action=Action.CHANGE, obj=token, fields=["revoked_at"])
    return bool(revoked)
