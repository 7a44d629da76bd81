"""The JSON API, version 1: one NinjaAPI instance, and one router per domain app mounted on it.

Each app keeps its endpoints and their In/Out schemas in its own ``api`` module; the `api` app is the
shared kit (token auth, idempotency, error shape and handlers, strict schema base, answers). A new
programme adds one ``add_router`` line here.
"""

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI

import assistance.api
import cases.api
import intake.api
import navigation.api
import people.api
import psych.api
from api.auth import TokenAuth
from api.docs import StrictCspSwagger
from api.errors import install_handlers

DESCRIPTION = """
The citizen registry of Opora.

**Authentication:** every call needs a personal access token, created on the *My account* page:
`Authorization: Bearer <token>`.

**Writes** accept an `Idempotency-Key` header: a repeat of the same request with the same key returns
the first answer (with `Idempotent-Replayed: true`) instead of doing the work again.

**Errors** are JSON: `{"detail": "...", "errors": {"field": ["message"]}}`, in the language asked
for with `Accept-Language` (Russian by default).
"""

api = NinjaAPI(
    title="Opora API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=TokenAuth(),
    docs=StrictCspSwagger(settings={"validatorUrl": None}),
)
install_handlers(api)

api.add_router("/", people.api.router)
api.add_router("/", assistance.api.router)
api.add_router("/", cases.api.router)
api.add_router("/", psych.api.router)
api.add_router("/", navigation.api.router)
api.add_router("/cti", intake.api.router)


def public_urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    """ninja's URLs, opened to anonymous requests at the login middleware.

    The API authenticates every operation itself with bearer tokens and answers 401 in JSON; the docs
    and the OpenAPI schema are public.
    """
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = login_not_required(pattern.callback)
    return patterns, app_name, namespace
