"""URLs of the API app: the JSON API under /api/v1/ and the account page with its tokens."""

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, path

from api import views
from api.api import api


def _public_api_urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    """ninja's URLs, opened to anonymous requests at the login middleware.

    The API authenticates every operation itself with bearer tokens and answers 401 in JSON; the docs
    and the OpenAPI schema are public.
    """
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = login_not_required(pattern.callback)
    return patterns, app_name, namespace


urlpatterns = [
    path("api/v1/", _public_api_urls()),
    path("account/", views.account, name="account"),
    path("account/tokens/", views.token_create, name="account_token_create"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="account_token_revoke"),
]
