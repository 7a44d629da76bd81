"""Bearer authentication of the JSON API with personal access tokens."""

import datetime
from dataclasses import dataclass
from functools import cache

from django.contrib.auth.models import AbstractBaseUser, Group, User
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from api.models import ApiToken, hash_token

# Writing last_used_at on every call would turn each read into a write; once a minute is enough to see
# which tokens are alive.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def touch_token(token_id: int, now: datetime.datetime | None = None) -> None:
    """Record that the token was used; conditional, so concurrent requests with it write once a minute."""
    now = now or timezone.now()
    cutoff = now - LAST_USED_RESOLUTION
    ApiToken.objects.filter(pk=token_id).filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=cutoff)).update(
        last_used_at=now
    )


@dataclass
class TokenUse:
    user: User
    token_id: int
    touch_due: bool


@cache
def _token_sql(vendor: str) -> str:
    """Token, user and the user's role names in one statement.

    Every API call runs it. Written in SQL because the ORM needed two queries (the token with its
    user, then the groups) and ~0.9 ms of CPU to build them, against ~0.15 ms for this one; see
    docs/benchmarks.md. Table names come from the models, values are parameters.
    """
    qn = connection.ops.quote_name
    joined = "string_agg(g.name, ',')" if vendor == "postgresql" else "group_concat(g.name, ',')"
    users, tokens = qn(User._meta.db_table), qn(ApiToken._meta.db_table)
    memberships, groups = qn(User.groups.through._meta.db_table), qn(Group._meta.db_table)
    return (
        f"SELECT u.*, t.id AS token_id,"  # noqa: S608
        f" CASE WHEN t.last_used_at IS NULL OR t.last_used_at < %s THEN 1 ELSE 0 END AS touch_due,"
        f" (SELECT {joined} FROM {memberships} m JOIN {groups} g ON g.id = m.group_id"
        f"  WHERE m.user_id = u.id) AS role_names"
        f" FROM {tokens} t JOIN {users} u ON u.id = t.user_id"
        f" WHERE t.token_hash = %s AND t.revoked_at IS NULL AND t.expires_at > %s"
    )


def user_for_token(raw_token: str, now: datetime.datetime | None = None) -> TokenUse | None:
    """The active user a valid, unrevoked and unexpired token belongs to (roles already read), or None."""
    raw_token = raw_token.strip()
    if not raw_token:
        return None
    now = now or timezone.now()
    cutoff = now - LAST_USED_RESOLUTION
    found = list(User.objects.raw(_token_sql(connection.vendor), [cutoff, hash_token(raw_token), now]))
    if not found or not found[0].is_active:
        return None
    user = found[0]
    names = getattr(user, "role_names", None) or ""
    # core.roles.user_roles reads this instead of querying the groups again.
    user._opora_roles = frozenset(name for name in names.split(",") if name)  # type: ignore[attr-defined]
    return TokenUse(user=user, token_id=user.token_id, touch_due=bool(user.touch_due))  # type: ignore[attr-defined]


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; sets ``request.user`` to the token's owner."""

    def authenticate(self, request: HttpRequest, token: str) -> AbstractBaseUser | None:
        found = user_for_token(token)
        if found is None:
            return None
        if found.touch_due:
            touch_token(found.token_id)
        request.user = found.user
        request.api_token_id = found.token_id  # type: ignore[attr-defined]
        return found.user
