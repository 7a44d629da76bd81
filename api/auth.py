"""Bearer authentication of the JSON API with personal access tokens."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from api.models import ApiToken, hash_token

# Writing last_used_at on every call would turn each read into a write; once a minute is enough to see
# which tokens are alive.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def touch_token(token: ApiToken, now: datetime.datetime | None = None) -> None:
    """Record that ``token`` was used, at most once per LAST_USED_RESOLUTION."""
    now = now or timezone.now()
    cutoff = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at >= cutoff:
        return
    # Conditional, so concurrent requests with the same token write once.
    ApiToken.objects.filter(pk=token.pk).filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=cutoff)).update(
        last_used_at=now
    )
    token.last_used_at = now


def user_for_token(raw_token: str) -> tuple[AbstractBaseUser, ApiToken] | None:
    """The active user a valid, unrevoked token belongs to, or None."""
    raw_token = raw_token.strip()
    if not raw_token:
        return None
    try:
        token = ApiToken.objects.select_related("user").get(token_hash=hash_token(raw_token), revoked_at__isnull=True)
    except ApiToken.DoesNotExist:
        return None
    if not token.user.is_active:
        return None
    return token.user, token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; sets ``request.user`` to the token's owner."""

    def authenticate(self, request: HttpRequest, token: str) -> AbstractBaseUser | None:
        found = user_for_token(token)
        if found is None:
            return None
        user, api_token = found
        touch_token(api_token)
        request.user = user  # type: ignore[assignment]
        request.api_token = api_token  # type: ignore[attr-defined]
        return user
