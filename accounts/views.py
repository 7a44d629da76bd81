"""The user's own account: password change and reset, enrolment in and passing of the second factor,
backup codes."""

import base64
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.models import User
from django.contrib.auth.views import (
    INTERNAL_RESET_SESSION_TOKEN,
    PasswordResetConfirmView,
    PasswordResetView,
)
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import gate, services
from accounts.forms import CodeForm, OutboxPasswordResetForm
from accounts.models import AccountState
from core.actor import Actor

BACKUP_CODES = 10


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def password_change(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    forced = bool(request.session.get(gate.OWN_PASSWORD))
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        old_key = request.session.session_key
        services.change_own_password(
            actor=Actor.from_request(request), password=form.cleaned_data["new_password1"], session_key=old_key
        )
        update_session_auth_hash(request, user)
        gate.session_key_changed(old_key, request.session.session_key)
        request.session.pop(gate.OWN_PASSWORD, None)
        messages.success(
            request, _("Your password has been changed. Other sessions have ended and your API tokens were revoked.")
        )
        return redirect("home" if forced else "account")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/password_change.html", {"form": form, "forced": forced}, status=status)


class ResetView(PasswordResetView):
    form_class = OutboxPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_sent")


class ResetConfirmView(PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form: Any) -> HttpResponse:
        """The new password is set through the service: journaled, and every session and token ends.
        The link's token no longer matches once the password changed, so it works once."""
        user = form.user
        services.change_own_password(
            actor=Actor(user=user, ip=self.request.META.get("REMOTE_ADDR") or None),
            password=form.cleaned_data["new_password1"],
            session_key=None,
            reset=True,
        )
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, _("Your new password is set. Log in with it."))
        return HttpResponseRedirect(self.get_success_url())


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_sent.html")


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("home")


def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrolment: an authenticator app scans the code; the first code it shows confirms it."""
    user = request.user
    assert isinstance(user, User)
    if user_has_device(user):
        return redirect("accounts:two_factor_verify" if not user.is_verified() else "account")  # type: ignore[attr-defined]
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").last()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = services.confirm_second_factor(actor=Actor.from_request(request), device=device, count=BACKUP_CODES)
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            otp_login(request, device)
            return _no_store(
                render(request, "accounts/backup_codes.html", {"codes": codes, "next": _next_url(request)})
            )
        form.add_error("code", _("The code is wrong or has expired. Enter the code the app shows now."))
    base32 = base64.b32encode(device.bin_key).decode().rstrip("=")
    context = {
        "form": form,
        "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=4),
        "secret": " ".join(base32[i : i + 4] for i in range(0, len(base32), 4)),
        "next": _next_url(request),
    }
    status = 400 if request.method == "POST" else 200
    return _no_store(render(request, "accounts/two_factor_setup.html", context, status=status))


def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not user_has_device(user):
        return redirect("accounts:two_factor_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            request.session.pop(gate.SECOND_FACTOR, None)
            return redirect(_next_url(request))
        form.add_error(
            "code", _("The code is wrong or has expired, or there were too many tries: wait a minute and try again.")
        )
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}, status=status)


@require_POST
def backup_codes_renew(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not user.is_verified():  # type: ignore[attr-defined]
        messages.error(request, _("Pass the second factor first."))
        return redirect("account")
    codes = services.renew_backup_codes(actor=Actor.from_request(request), count=BACKUP_CODES)
    return _no_store(render(request, "accounts/backup_codes.html", {"codes": codes, "next": reverse_lazy("account")}))


class LoginView(auth_views.LoginView):
    """Django's login page, which says when the demo city's logins need no second factor."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["demo_exempt"] = (
            settings.OPORA_TWO_FACTOR_REQUIRED and AccountState.objects.filter(second_factor_exempt=True).exists()
        )
        return context
