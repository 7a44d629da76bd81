import importlib
import sys
import textwrap
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

import demo.seed
from demo.seed import steps

BUILT_IN = ["users", "staff", "citizens", "requests"]

DropIn = Callable[[str, str], None]


def names() -> list[str]:
    return [step.__name__.rsplit(".", 1)[-1] for step in steps()]


@pytest.fixture
def drop_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DropIn]:
    """Put a module into the demo.seed package for one test, as a new app would add a file there."""
    monkeypatch.setattr(demo.seed, "__path__", [*demo.seed.__path__, str(tmp_path)])
    added: list[str] = []

    def drop(name: str, source: str) -> None:
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        importlib.invalidate_caches()
        added.append(name)

    yield drop
    for name in added:
        sys.modules.pop(f"demo.seed.{name}", None)
        if hasattr(demo.seed, name):
            delattr(demo.seed, name)


def test_built_in_steps_run_users_staff_citizens_requests_in_that_order() -> None:
    assert [name for name in names() if name in BUILT_IN] == BUILT_IN
    orders = [step.ORDER for step in steps()]
    assert orders == sorted(orders)


def test_helper_modules_starting_with_an_underscore_are_not_steps() -> None:
    assert "_names" not in names()


def test_a_module_dropped_into_the_package_runs_at_its_order(drop_in: DropIn) -> None:
    drop_in("extra_step", 'ORDER = 35\nLABEL = "Extra"\ndef seed(ctx):\n    return 0\n')

    found = names()

    assert found.index("citizens") < found.index("extra_step") < found.index("requests")


def test_a_module_without_order_is_refused_by_name(drop_in: DropIn) -> None:
    drop_in("half_step", 'LABEL = "Half"\ndef seed(ctx):\n    return 0\n')

    with pytest.raises(ImproperlyConfigured, match=r"demo\.seed\.half_step .*ORDER"):
        steps()


def test_two_steps_with_the_same_order_are_refused(drop_in: DropIn) -> None:
    drop_in("rival_step", 'ORDER = 30\nLABEL = "Rival"\ndef seed(ctx):\n    return 0\n')

    with pytest.raises(ImproperlyConfigured, match="share ORDER"):
        steps()


@pytest.mark.django_db
def test_seed_demo_runs_a_new_step_with_the_demo_users_and_reports_what_it_added(
    drop_in: DropIn, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    drop_in(
        "cases_step",
        """
        ORDER = 45
        LABEL = "Demo cases"
        SEEN = []

        def seed(ctx):
            SEEN.append((sorted(ctx.users), ctx.seed))
            return 3
        """,
    )
    out = StringIO()

    call_command("seed_demo", people=0, requests=0, seed=5, stdout=out)

    lines = out.getvalue().splitlines()
    assert "Demo cases: 3 added." in lines
    assert lines.index("Demo cases: 3 added.") > next(i for i, line in enumerate(lines) if "Demo help requests" in line)
    seen_users, seen_seed = sys.modules["demo.seed.cases_step"].SEEN[0]
    assert "operator" in seen_users
    assert seen_seed == 5
