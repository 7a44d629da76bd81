"""A new operator logs in for the first time: sets up the authenticator app, keeps the backup codes,
chooses their own password, and only then reaches the work pages."""

import base64

import pytest
from django.contrib.auth.models import Group, User
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from accounts.models import AccountState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.two_factor]

TEMPORARY = "temporary-password-42"
OWN = "my-own-proper-password-7"


@pytest.fixture
def new_operator(db):
    user = User.objects.create_user("novikova", password=TEMPORARY, first_name="Ольга", last_name="Новикова")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    AccountState.objects.create(user=user, must_change_password=True)  # as the admin site makes accounts
    return user


def _code_for(secret: str) -> str:
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    return f"{totp(key):06d}"


def test_first_login_enrols_the_second_factor_then_asks_for_an_own_password(
    page: Page, live_server, new_operator, csp_violations
):
    page.goto(live_server.url + "/people/")
    page.get_by_label("Имя пользователя").fill("novikova")
    page.get_by_label("Пароль").fill(TEMPORARY)
    page.get_by_role("button", name="Войти").click()

    expect(page.get_by_role("heading", name="Настройка второго фактора")).to_be_visible()
    expect(page.get_by_test_id("totp-qr")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()

    page.get_by_label("Код").fill("000000" if _code_for(secret) != "000000" else "111111")
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_role("alert")).to_contain_text("Код неверен")

    new_operator_device = new_operator.totpdevice_set.get()
    new_operator_device.throttle_reset()
    page.get_by_label("Код").fill(_code_for(secret))
    page.get_by_role("button", name="Подтвердить").click()
    codes = page.get_by_test_id("backup-codes").locator("li")
    expect(codes).to_have_count(10)
    page.get_by_role("button", name="Я сохранил коды").click()

    # The password was chosen by the administrator: the owner chooses their own before working.
    expect(page.get_by_role("heading", name="Смена пароля")).to_be_visible()
    page.get_by_label("Старый пароль").fill(TEMPORARY)
    page.locator("#id_new_password1").fill(OWN)
    page.get_by_label("Подтверждение нового пароля").fill(OWN)
    page.get_by_role("button", name="Сохранить новый пароль").click()
    expect(page).to_have_url(live_server.url + "/")
    page.goto(live_server.url + "/people/")
    expect(page).to_have_url(live_server.url + "/people/")
    assert new_operator.totpdevice_set.get().confirmed
    assert csp_violations == []
