from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from directory.reference import load_roles

PASSWORD = "a-long-and-proper-password-1"


@pytest.fixture
def roles(db: None) -> None:
    load_roles()  # the administrator's admin permissions


@pytest.fixture
def admins(make_user: Callable[..., User], roles: None) -> tuple[User, User]:
    first = make_user("administrator", username="admin-a")
    second = make_user("administrator", username="admin-b")
    return first, second


@pytest.fixture
def logged_in() -> Callable[..., Client]:
    """A fresh client logged in through the real login page (so the login signal runs), address given."""

    def log_in(user: User, password: str = PASSWORD, ip: str = "10.0.0.1") -> Client:
        client = Client(REMOTE_ADDR=ip)
        response = client.post(reverse("login"), {"username": user.username, "password": password})
        assert response.status_code == 302, response.content.decode()[:500]
        return client

    return log_in


def with_password(user: User, password: str = PASSWORD) -> User:
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def journal_events(**filters: Any) -> list[dict[str, Any]]:
    from audit.models import AuditEvent

    events = AuditEvent.objects.filter(object_type="auth.user", **filters)
    return [event.details | {"actor": event.actor_username} for event in events]
