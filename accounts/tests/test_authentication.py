"""§2 of issue 11: authentication as ASVS level 2 expects."""

import datetime
import re
import time

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import AccountState
from accounts.tests.conftest import PASSWORD, journal_events, with_password
from api.models import ApiToken
from api.tests.conftest import JsonClient
from core.actor import Actor
from notify.models import OutboxMessage

pytestmark = pytest.mark.django_db

NEW = "another-proper-password-2"


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


# --- password change and reset ---------------------------------------------------------------------


def test_own_password_change_ends_other_sessions_and_revokes_tokens(make_user, logged_in):
    user = with_password(make_user("dispatcher"))
    here, elsewhere = logged_in(user), logged_in(user, ip="10.0.0.2")
    ApiToken.issue(user=user, name="script")
    response = here.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert here.get(reverse("account")).status_code == 200  # this session goes on
    assert elsewhere.get(reverse("account")).status_code == 302  # the other one ended
    assert ApiToken.objects.get().revoked_at is not None
    assert journal_events(details__event="password_changed")[0]["whom"] == user.username


def test_a_wrong_old_password_changes_nothing(make_user, logged_in):
    user = with_password(make_user("dispatcher"))
    client = logged_in(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


def _reset_link(user: User) -> str:
    message = OutboxMessage.objects.get(recipient=user.email)
    assert message.channel == "email"
    found = re.search(r"https?://[^/]+(/account/password/reset/[^\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_password_reset_goes_through_the_outbox_and_the_link_works_once(make_user):
    user = with_password(make_user("operator", email="anna@example.ru"))
    client = Client()
    response = client.post(reverse("accounts:password_reset"), {"email": "anna@example.ru"})
    assert response.status_code == 302
    link = _reset_link(user)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    new = "reset-proper-password-3"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert User.objects.get(pk=user.pk).check_password(new)
    assert journal_events(details__event="password_reset_by_link")[0]["whom"] == user.username
    # Used once: the same link no longer opens the form.
    assert not Client().get(link, follow=True).context["validlink"]


def test_a_reset_link_expires(make_user, settings):
    user = with_password(make_user("operator", email="anna@example.ru"))
    Client().post(reverse("accounts:password_reset"), {"email": "anna@example.ru"})
    link = _reset_link(user)
    # A timestamp, not an aware datetime: time-machine would take the latter's zone as the local one.
    with time_machine.travel(time.time() + settings.PASSWORD_RESET_TIMEOUT + 60):
        assert not Client().get(link, follow=True).context["validlink"]


def test_an_unknown_address_is_answered_alike_and_sends_nothing(db):
    response = Client().post(reverse("accounts:password_reset"), {"email": "nobody@example.ru"})
    assert response.status_code == 302
    assert not OutboxMessage.objects.exists()


# --- second factor ---------------------------------------------------------------------------------


@pytest.mark.two_factor
def test_a_record_role_enrols_at_first_login_then_verifies_each_login(make_user, logged_in):
    user = with_password(make_user("operator"))
    client = logged_in(user)
    assert client.get(reverse("people:list"))["Location"] == reverse("accounts:two_factor_setup")
    page = client.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200 and "data:image/svg+xml" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    wrong_code = "000000" if _code(device) != "000000" else "111111"
    wrong = client.post(reverse("accounts:two_factor_setup"), {"code": wrong_code})
    assert wrong.status_code == 400
    assert not TOTPDevice.objects.get(user=user).confirmed
    device.refresh_from_db()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    enrolled = client.post(reverse("accounts:two_factor_setup"), {"code": _code(device)})
    assert enrolled.status_code == 200
    codes = enrolled.context["codes"]
    assert len(codes) == 10
    assert client.get(reverse("people:list")).status_code == 200
    assert journal_events(details__event="second_factor_enrolled")[0]["whom"] == user.username

    # The next login asks for a code; a backup code works, once.
    again = logged_in(user)
    assert again.get(reverse("people:list"))["Location"] == reverse("accounts:two_factor_verify")
    assert again.post(reverse("accounts:two_factor_verify"), {"code": codes[0]}).status_code == 302
    assert again.get(reverse("people:list")).status_code == 200
    third = logged_in(user)
    assert third.post(reverse("accounts:two_factor_verify"), {"code": codes[0]}).status_code == 400
    assert third.get(reverse("people:list")).status_code == 302


@pytest.mark.two_factor
def test_administrators_need_the_second_factor_too(make_user, logged_in):
    admin = with_password(make_user("administrator"))
    client = logged_in(admin)
    assert client.get(reverse("admin:index"))["Location"] == reverse("accounts:two_factor_setup")


@pytest.mark.two_factor
def test_a_demo_login_is_exempt_and_the_login_page_says_so(make_user, logged_in):
    user = with_password(make_user("supervisor"))
    services.exempt_from_second_factor(actor=Actor.system(user), user=user)
    assert "demo-note" in Client().get(reverse("login")).content.decode()
    assert logged_in(user).get(reverse("people:list")).status_code == 200


@pytest.mark.two_factor
def test_no_demo_note_without_demo_logins(db):
    assert "demo-note" not in Client().get(reverse("login")).content.decode()


@pytest.mark.two_factor
def test_the_second_factor_can_be_switched_off_by_setting(make_user, logged_in, settings):
    settings.OPORA_TWO_FACTOR_REQUIRED = False
    user = with_password(make_user("operator"))
    assert logged_in(user).get(reverse("people:list")).status_code == 200


def test_the_setting_is_on_by_default():
    from opora import settings as defaults

    assert defaults.OPORA_TWO_FACTOR_REQUIRED is True


# --- throttling -----------------------------------------------------------------------------------


def _try(client: Client, username: str, password: str = "wrong") -> int:  # noqa: S107
    return client.post(reverse("login"), {"username": username, "password": password}).status_code


def test_one_address_trying_many_accounts_is_locked(make_user):
    users = [with_password(make_user("operator")) for _n in range(12)]
    client = Client(REMOTE_ADDR="10.9.9.9")
    answers = [_try(client, user.username) for user in users for _attempt in range(4)]
    assert 429 in answers or 403 in answers
    assert _try(client, users[0].username, PASSWORD) in (403, 429)  # the right password from there too
    # Another address is not locked, for an account that had fewer than five wrong tries.
    assert _try(Client(REMOTE_ADDR="10.9.9.10"), users[1].username, PASSWORD) == 302


def test_an_account_is_locked_whatever_address_the_tries_come_from(make_user):
    user = with_password(make_user("operator"))
    for n in range(5):
        _try(Client(REMOTE_ADDR=f"10.1.1.{n + 1}"), user.username)
    assert _try(Client(REMOTE_ADDR="10.2.2.2"), user.username, PASSWORD) in (403, 429)


# --- session lifetime -----------------------------------------------------------------------------


def test_a_session_ends_after_the_idle_time(make_user, logged_in, settings):
    user = with_password(make_user("dispatcher"))
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = logged_in(user)
        clock.move_to(start + datetime.timedelta(minutes=settings.OPORA_IDLE_MINUTES - 1))
        assert client.get(reverse("account")).status_code == 200
        clock.move_to(start + datetime.timedelta(minutes=2 * settings.OPORA_IDLE_MINUTES - 2))
        assert client.get(reverse("account")).status_code == 200  # activity kept it alive
        clock.move_to(start + datetime.timedelta(minutes=3 * settings.OPORA_IDLE_MINUTES))
        response = client.get(reverse("account"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_session_ends_twelve_hours_after_login_however_busy(make_user, logged_in):
    user = with_password(make_user("dispatcher"))
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = logged_in(user)
        for minutes in range(20, 12 * 60, 20):
            clock.move_to(start + datetime.timedelta(minutes=minutes))
            assert client.get(reverse("account")).status_code == 200
        clock.move_to(start + datetime.timedelta(hours=12, minutes=5))
        assert client.get(reverse("account")).status_code == 302


# --- API tokens -----------------------------------------------------------------------------------


def test_a_token_expires(make_user, client, settings):
    user = make_user("supervisor")
    record, raw = ApiToken.issue(user=user, name="reports")
    assert record.expires_at.date() == (timezone.now() + datetime.timedelta(days=settings.OPORA_TOKEN_DAYS)).date()
    assert JsonClient(client, raw).get("/api/v1/people", {"q": "Петрова"}).status_code == 200
    with time_machine.travel(record.expires_at + datetime.timedelta(minutes=1)):
        assert JsonClient(client, raw).get("/api/v1/people", {"q": "Петрова"}).status_code == 401


def test_roles_without_an_integration_need_make_no_tokens(client, make_user):
    operator = make_user("operator")
    client.force_login(operator)
    page = client.get(reverse("account")).content.decode()
    assert 'action="/account/tokens/"' not in page
    assert client.post(reverse("account_token_create"), {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_the_account_page_shows_tokens_with_last_use_and_expiry(client, make_user):
    user = make_user("supervisor")
    record, _raw = ApiToken.issue(user=user, name="reports")
    ApiToken.objects.filter(pk=record.pk).update(last_used_at=timezone.now())
    client.force_login(user)
    html = client.get(reverse("account")).content.decode()
    assert timezone.localtime(record.expires_at).strftime("%d.%m.%Y") in html
    assert timezone.localtime().strftime("%d.%m.%Y") in html
    assert AccountState.objects.count() == 0  # reading the page creates nothing


def test_the_outbox_page_shows_nobody_the_reset_link(make_user, client):
    user = with_password(make_user("operator", email="anna@example.ru"))
    Client().post(reverse("accounts:password_reset"), {"email": "anna@example.ru"})
    link = _reset_link(user)
    client.force_login(make_user("supervisor"))  # who reads the texts of messages to citizens
    html = client.get(reverse("notify:outbox")).content.decode()
    assert "a***@example.ru" in html
    assert link not in html and "/account/password/reset/" not in html
