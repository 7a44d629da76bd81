"""Security baseline: CSP without inline code, login throttling, secure production settings."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

TEMPLATE_DIRS = [
    Path(settings.BASE_DIR) / d
    for d in ("templates", "core", "people", "api", "audit", "directory", "assistance", "intake", "notify", "reports")
]


def _templates() -> list[Path]:
    return [p for d in TEMPLATE_DIRS for p in d.rglob("*.html") if "static" not in p.parts]


def test_no_template_has_inline_script_style_or_event_handler():
    offenders = []
    for path in _templates():
        text = re.sub(r"\{#.*?#\}", "", path.read_text())  # template comments may mention tags
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{path}: inline <script>")
        if re.search(r"<style\b|\sstyle=\"", text):
            offenders.append(f"{path}: inline style")
        if re.search(r"\son[a-z]+=\"", text):
            offenders.append(f"{path}: inline event handler")
    assert len(_templates()) > 10
    assert offenders == []


@pytest.mark.django_db
def test_pages_send_a_strict_content_security_policy(client):
    policy = client.get(reverse("login")).headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_login_is_locked_after_repeated_wrong_passwords(client, django_user_model):
    django_user_model.objects.create_user("operator1", password="the-right-password-1")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("login"), {"username": "operator1", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    last = client.post(reverse("login"), {"username": "operator1", "password": "wrong"})
    assert last.status_code == 429
    locked = client.post(reverse("login"), {"username": "operator1", "password": "the-right-password-1"})
    assert locked.status_code == 429
    assert "15" in locked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_right_password_logs_in(client, django_user_model):
    django_user_model.objects.create_user("operator1", password="the-right-password-1")
    response = client.post(reverse("login"), {"username": "operator1", "password": "the-right-password-1"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_production_settings_pass_the_deploy_check(settings, monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)  # set by the browser tests only
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000  # what OPORA_HSTS_SECONDS=31536000 gives
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    call_command("check", deploy=True, fail_level="WARNING")


def test_defaults_are_safe():
    assert settings.DEBUG is False, "DEBUG must default to off"
    assert settings.LANGUAGE_CODE == "ru"
    assert settings.TIME_ZONE == "Europe/Moscow"
    assert "unsafe-inline" not in str(settings.CONTENT_SECURITY_POLICY)


def test_the_secret_key_is_not_in_the_repository():
    tracked = (Path(settings.BASE_DIR) / ".gitignore").read_text()
    assert "var/" in tracked
    assert settings.SECRET_KEY not in (Path(settings.BASE_DIR) / "opora" / "settings.py").read_text()


def test_the_var_folder_is_reachable_by_its_owner_only(settings):
    """It holds the SQLite database, the secret key, receipts and the outbox log."""
    mode = settings.VAR_DIR.stat().st_mode
    assert mode & 0o077 == 0, oct(mode)
