"""The supervisor's dashboard in the browser: a from–to period, the chart drawn (no CSP violation), and the
XLSX of what the page shows downloaded and read back."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from assistance.models import Status
from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path("/tmp/shots")


def test_supervisor_sets_a_period_sees_the_chart_and_downloads_the_xlsx(
    page: Page, live_server, login, town, csp_violations, tmp_path
):
    town.supervisor.set_password(PASSWORD)
    town.supervisor.save()
    town.walk(town.new_request(), Status.ACCEPTED, Status.ASSIGNED, Status.DONE)
    town.new_request()
    town.new_request()
    today = timezone.localdate()
    first = today - datetime.timedelta(days=6)

    login(town.supervisor, PASSWORD)
    page.goto(live_server.url + "/reports/")
    filters = page.get_by_test_id("dashboard-filters")
    filters.locator("input[name=date_from]").fill(first.isoformat())
    filters.locator("input[name=date_to]").fill(today.isoformat())
    filters.get_by_role("button", name="Показать").click()
    expect(page.get_by_test_id("period-errors")).to_have_count(0)
    expect(page.locator("[data-figure=created]")).to_have_text("3")
    expect(page.locator("canvas[data-chart]")).to_have_attribute("data-drawn", "true")
    expect(page.get_by_test_id("requests-by-tcso").locator(f'tr[data-tcso="{town.tcso.name}"]')).to_contain_text(
        "100 %"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dash-browser.png"), full_page=True)

    with page.expect_download() as info:
        page.get_by_test_id("export").get_by_role("link", name="Excel (XLSX)").click()
    path = tmp_path / "dashboard.xlsx"
    info.value.save_as(path)
    rows = [[c for c in row if c is not None] for row in load_workbook(path).active.iter_rows(values_only=True)]
    assert rows[1][1].startswith(first.strftime("%d.%m.%Y 00:00"))
    assert next(r for r in rows if r and r[0] == _("Requests received"))[1] == 3
    assert next(r for r in rows if r and r[0] == town.tcso.name)[1:4] == [3, 1, 1]

    # A wrong period is said in words, and the page still works.
    filters = page.get_by_test_id("dashboard-filters")
    filters.locator("input[name=date_from]").fill(today.isoformat())
    filters.locator("input[name=date_to]").fill(first.isoformat())
    filters.get_by_role("button", name="Показать").click()
    expect(page.get_by_test_id("period-errors")).to_be_visible()
    assert csp_violations == []
