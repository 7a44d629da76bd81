"""The dashboard's panels: one module per domain in this package, found at run time.

A module here (its name not starting with ``_``) declares ``ORDER`` (an int; lower comes first) and
``panel(user, tcso, period) -> Panel | None``. It takes its scope from its own domain's selector, so
the view never decides what a role may count. A new programme adds its figures by adding a module.
"""

import functools
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.contrib.auth.models import User

from core.plugins import ordered_modules
from directory.models import Organisation
from reports.periods import Period


@dataclass(frozen=True)
class Panel:
    """What one domain shows: ``cards`` (articles in the row of headline figures) and, if any, ``details``
    (sections below it), both templates rendered with ``context`` on top of the page's."""

    cards: str
    context: dict[str, Any] = field(default_factory=dict)
    details: str = ""


@functools.cache
def modules() -> tuple[ModuleType, ...]:
    """The figure modules of this package, in their ``ORDER`` (found once per process)."""
    return tuple(ordered_modules(__name__, __path__, needs=("panel",)))


def panels(user: User, tcso: Organisation | None, when: Period) -> list[Panel]:
    """Every module's panel for ``user``, over ``tcso`` (None: all the user may see) and ``when``."""
    return [panel for module in modules() if (panel := module.panel(user, tcso, when)) is not None]
