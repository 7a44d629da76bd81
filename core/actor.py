"""Who does something, from where and through which door: the context every service takes.

Services never see an ``HttpRequest``: a page builds ``Actor.from_request(request)``, the API
``Actor.from_request(request, origin=Origin.API)``, and a management command, a background task or a
test ``Actor.system(user)`` or ``Actor(user)``. The journal records all three parts.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import models
from django.http import HttpRequest


class Origin(models.TextChoices):
    """Through which door an action came: the journal's ``origin`` column."""

    UI = "ui", "ui"
    API = "api", "api"
    SYSTEM = "system", "system"


@dataclass(frozen=True)
class Actor:
    user: User
    ip: str | None = None
    origin: str = Origin.UI

    @classmethod
    def from_request(cls, request: HttpRequest, origin: str = Origin.UI) -> "Actor":
        """The logged-in user of a page (or the token's owner in the API) and the client's address."""
        user = request.user
        if not isinstance(user, User):
            raise TypeError("an actor must be a logged-in user")
        return cls(user=user, ip=request.META.get("REMOTE_ADDR") or None, origin=origin)

    @classmethod
    def system(cls, user: User) -> "Actor":
        """A management command, a background task or the demo seeding acting as ``user``."""
        return cls(user=user, origin=Origin.SYSTEM)
