"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server."""

import os
import shutil

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

PASSWORD = "correct-horse-battery"
CHROMIUM = os.environ.get("OPORA_CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's package (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "ru-RU", "timezone_id": "Europe/Moscow"}


@pytest.fixture(autouse=True)
def _plain_http_cookies(settings) -> None:
    """The live server speaks plain HTTP; secure cookies would never come back."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def csp_violations(page) -> list[str]:
    """Console messages about the Content Security Policy: a page must produce none."""
    found: list[str] = []
    page.on("console", lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None)
    return found


@pytest.fixture
def login(page, live_server):
    def do(user, password: str = PASSWORD) -> None:
        page.goto(live_server.url + "/login/")
        page.get_by_label("Имя пользователя").fill(user.username)
        page.get_by_label("Пароль").fill(password)
        page.get_by_role("button", name="Войти").click()
        page.wait_for_url(live_server.url + "/")

    return do
