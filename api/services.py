"""Business actions on API tokens; each runs in one transaction and is journaled."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from api.models import ApiToken
from audit import services as audit
from audit.models import Action
from core.actor import Actor


def issue_token(*, actor: Actor, name: str, user: User | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``user`` (the actor's own by default) and journal it; returns the record and the
    token, which is shown once. Who may ask is the caller's check: the account page lets only roles
    with an integration need, the admin site only administrators for service accounts."""
    owner = user or actor.user
    with transaction.atomic():
        token, raw = ApiToken.issue(user=owner, name=name)
        audit.record(
            actor=actor,
            action=Action.CREATE,
            obj=token,
            fields=["name", "expires_at"],
            details={"name": name, "whom": owner.get_username(), "expires": token.expires_at.date().isoformat()},
        )
    return token, raw


def revoke_all_tokens(*, user: User, actor: Actor) -> int:
    """Revoke every live token of ``user`` (a password, role or activity change); returns how many."""
    with transaction.atomic():
        live = list(ApiToken.objects.filter(user=user, revoked_at__isnull=True).values_list("pk", flat=True))
        if live:
            ApiToken.objects.filter(pk__in=live).update(revoked_at=timezone.now())
            audit.record(
                actor=actor,
                action=Action.CHANGE,
                object_type=ApiToken._meta.label_lower,
                object_id=",".join(map(str, live))[:64],
                fields=["revoked_at"],
                details={"whom": user.get_username(), "tokens": live},
            )
    return len(live)


def revoke_token(*, token: ApiToken, actor: Actor) -> bool:
    """Revoke ``token``; False if it was already revoked."""
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if revoked:
            audit.record(actor=actor, action=Action.CHANGE, obj=token, fields=["revoked_at"])
    return bool(revoked)
