"""The API docs page works in a real browser under the site's strict Content Security Policy."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("OPORA_CHROMIUM", "/usr/bin/chromium")

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_the_operations_without_csp_violations(live_server):
    if not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

    problems: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page()
            page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.goto(f"{live_server.url}/api/v1/docs")
            page.wait_for_selector("#operations-people-create_person", timeout=15000)
            schema = page.request.get(f"{live_server.url}/api/v1/openapi.json").json()
            expected = sum(len(methods) for methods in schema["paths"].values())
            assert expected >= 4
            assert page.locator(".opblock").count() == expected
            assert page.locator("button.authorize").count() == 1
        finally:
            browser.close()
    assert problems == []
