"""Fixtures of the API tests: users with roles, their tokens, and a small JSON client."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from api.models import ApiToken
from api.tests.factories import (
    DistrictFactory,
    PersonFactory,
    PhoneFactory,
)
from people.models import Person


@pytest.fixture(autouse=True)
def _plain_static_files(settings: Any) -> None:
    """Pages render without collectstatic: no manifest storage in tests."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


class JsonClient:
    """Calls the API with a bearer token and an Accept-Language, like an integration would."""

    def __init__(self, client: Client, token: str | None, language: str = "en") -> None:
        self.client = client
        self.token = token
        self.language = language

    def headers(self, key: str | None = None, language: str | None = None, **extra: str) -> dict[str, str]:
        headers = {"Accept-Language": language or self.language, **extra}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def get(self, path: str, params: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.get(path, params or {}, headers=self.headers(**kwargs))

    def post(self, path: str, body: Any, **kwargs: Any) -> Any:
        return self.client.post(path, json.dumps(body), content_type="application/json", headers=self.headers(**kwargs))

    def patch(self, path: str, body: Any, **kwargs: Any) -> Any:
        return self.client.patch(
            path, json.dumps(body), content_type="application/json", headers=self.headers(**kwargs)
        )


@pytest.fixture
def district(db: None) -> Any:
    return DistrictFactory()


@pytest.fixture
def person(district: Any) -> Person:
    person = PersonFactory(district=district)
    PhoneFactory(person=person, number="+79161234567")
    return person


@pytest.fixture
def user_with_role(make_user: Callable[..., User]) -> Callable[..., User]:
    """A user in one role, with a name (the shared ``make_user`` of the root conftest.py)."""

    def make(role: str, **kwargs: Any) -> User:
        kwargs.setdefault("first_name", "Анна")
        kwargs.setdefault("last_name", "Кузнецова")
        return make_user(role, **kwargs)

    return make


@pytest.fixture
def api_as(client: Client) -> Callable[[User], JsonClient]:
    """``api_as(user)``: a JSON client holding a fresh token of ``user``."""

    def make(user: User, language: str = "en") -> JsonClient:
        _record, token = ApiToken.issue(user=user, name="tests")
        return JsonClient(client, token, language)

    return make


@pytest.fixture
def operator_api(user_with_role: Callable[..., User], api_as: Callable[[User], JsonClient]) -> JsonClient:
    return api_as(user_with_role("operator"))


@pytest.fixture
def anonymous_api(client: Client) -> JsonClient:
    return JsonClient(client, None)
