"""The account page: who I am, my password and second factor, and my personal access tokens for the API."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticToken

from accounts.policy import may_create_tokens, second_factor_required
from api.forms import ApiTokenForm
from api.models import ApiToken
from api.services import issue_token, revoke_token
from core.actor import Actor
from core.roles import Role, user_roles


def _account_page(
    request: HttpRequest, form: ApiTokenForm, status: int = 200, new_token: tuple[ApiToken, str] | None = None
) -> HttpResponse:
    user = request.user
    codes = user_roles(user)
    worker = getattr(user, "worker", None)
    context: dict[str, Any] = {
        "roles": [label for code, label in Role.choices if code in codes],
        "organisation": worker.organisation if worker is not None else None,
        "tokens": list(ApiToken.objects.filter(user=user)),  # type: ignore[misc]
        "may_create_tokens": may_create_tokens(user),
        "form": form,
        "second_factor": user_has_device(user),
        "second_factor_required": second_factor_required(user),
        "backup_codes_left": StaticToken.objects.filter(device__user=user).count(),
        "docs_url": reverse("api:openapi-view"),
        "new_token": new_token[1] if new_token else None,
        "new_token_name": new_token[0].name if new_token else None,
    }
    return render(request, "accounts/account.html", context, status=status)


@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request, ApiTokenForm())


@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Create a token and show it on this answer only: it is stored nowhere but as a hash."""
    if not may_create_tokens(request.user):
        raise PermissionDenied(_("Your role does not make API tokens. Programs of a service use a service account."))
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _account_page(request, form, status=400)
    created = issue_token(actor=Actor.from_request(request), name=form.cleaned_data["name"])
    messages.success(request, _("Token created."))
    response = _account_page(request, ApiTokenForm(), new_token=created)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if revoke_token(token=token, actor=Actor.from_request(request)):
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    else:
        messages.info(request, _("This token was already revoked."))
    return redirect("account")
