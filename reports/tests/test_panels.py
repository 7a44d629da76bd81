"""The dashboard renders every module of reports/figures/, in ORDER, without the view knowing them."""

import sys
import textwrap

import pytest
from django.urls import reverse

from reports import figures

pytestmark = pytest.mark.django_db

PROGRAMME = """
from reports.figures import Panel

ORDER = 15


def panel(user, tcso, when):
    return Panel(cards="reports/_programme.html", context={"visits": 7}, details="reports/_programme_details.html")
"""


@pytest.fixture
def programme_module(tmp_path, settings, monkeypatch):
    """A module dropped into the figures package, with its own templates."""
    (tmp_path / "programme.py").write_text(textwrap.dedent(PROGRAMME))
    templates = tmp_path / "templates" / "reports"
    templates.mkdir(parents=True)
    (templates / "_programme.html").write_text(
        '<article><p class="figure" data-figure="visits">{{ visits }}</p></article>'
    )
    (templates / "_programme_details.html").write_text('<section data-testid="programme-details"></section>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path / "templates"]}]
    monkeypatch.setattr(figures, "__path__", [*figures.__path__, str(tmp_path)])
    figures.modules.cache_clear()
    yield
    figures.modules.cache_clear()
    sys.modules.pop("reports.figures.programme", None)


def test_a_module_added_to_the_figures_package_is_shown_in_its_order(client, town, programme_module):
    client.force_login(town.supervisor)
    html = client.get(reverse("reports:dashboard")).content.decode()
    calls, visits, created = (html.index(f'data-figure="{name}"') for name in ("calls", "visits", "created"))
    assert calls < visits < created  # ORDER 10 (calls) < 15 < 20 (requests)
    assert '<p class="figure" data-figure="visits">7</p>' in html
    assert html.index('data-testid="programme-details"') < html.index('data-status="new"')


def test_the_figures_package_finds_every_programmes_module():
    assert [module.__name__ for module in figures.modules()] == [
        "reports.figures.intake",
        "reports.figures.assistance",
        "reports.figures.cases",
        "reports.figures.psych",
        "reports.figures.navigation",
    ]


def test_a_module_without_a_panel_for_the_user_adds_nothing(client, town, monkeypatch):
    class Hidden:
        __name__ = "reports.figures.hidden"
        ORDER = 1

        @staticmethod
        def panel(user, tcso, when):
            return None

    found = figures.modules()
    monkeypatch.setattr(figures, "modules", lambda: (Hidden, *found))
    client.force_login(town.supervisor)
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    assert len(response.context["panels"]) == len(found)
