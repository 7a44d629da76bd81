"""At login: remember the session (so that it can be ended), and which steps the user owes before
working (a second factor, their own password)."""

import time
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest
from django_otp import user_has_device

from accounts import gate
from accounts.models import AccountState, UserSession
from accounts.policy import second_factor_required


@receiver(user_logged_in, dispatch_uid="accounts.login")
def on_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    session = request.session
    if session.session_key is None:
        session.save()
    UserSession.objects.get_or_create(user=user, session_key=session.session_key)
    now = time.time()
    session[gate.LOGIN_AT] = session[gate.SEEN] = now
    state = AccountState.objects.filter(user=user).first()
    exempt = state is not None and state.second_factor_exempt
    if second_factor_required(user) and not exempt:
        session[gate.SECOND_FACTOR] = gate.VERIFY if user_has_device(user) else gate.ENROL
    if state is not None and state.must_change_password:
        session[gate.OWN_PASSWORD] = True


@receiver(user_logged_out, dispatch_uid="accounts.logout")
def on_logout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if request is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()
