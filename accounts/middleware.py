"""Sessions end after OPORA_IDLE_MINUTES without a request and SESSION_COOKIE_AGE after login; until a
user has passed their second factor and chosen their own password, only those pages open."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from accounts import gate

# Pages a user may open while a step is pending, besides the step's own page.
ALWAYS_OPEN = frozenset({"logout", "set_language", "healthz", "favicon"})
STEP_PAGES = {
    gate.ENROL: "accounts:two_factor_setup",
    gate.VERIFY: "accounts:two_factor_verify",
    "password": "accounts:password_change",
}
# Writing the session on every request would make every page a write; once a minute is precise enough.
SEEN_RESOLUTION = 60


class AccountGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith((settings.STATIC_URL, "/api/")) or not request.user.is_authenticated:
            return self.get_response(request)
        session = request.session
        now = time.time()
        login_at = session.get(gate.LOGIN_AT, now)
        seen = session.get(gate.SEEN, now)
        if now - seen > settings.OPORA_IDLE_MINUTES * 60 or now - login_at > settings.SESSION_COOKIE_AGE:
            logout(request)
            messages.info(request, _("Your session has ended. Please log in again."))
            return self._redirect(request, redirect_to_login(request.get_full_path()).url)
        if now - seen >= SEEN_RESOLUTION or gate.SEEN not in session:
            session[gate.SEEN] = now
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        if request.path.startswith("/api/") or not request.user.is_authenticated:
            return None
        step = gate.pending_step(request)
        if step is None:
            return None
        match = request.resolver_match
        name = match.view_name if match else ""
        if name in ALWAYS_OPEN or name == STEP_PAGES[step]:
            return None
        return self._redirect(request, redirect(STEP_PAGES[step]).url)

    @staticmethod
    def _redirect(request: HttpRequest, url: str) -> HttpResponse:
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)
