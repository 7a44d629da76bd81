"""Ordered plug-in modules: a package whose every module is one contribution (a seeding step, a panel).

A new programme adds its contribution by adding a module; nothing else lists it. The demo seeding
(`demo/seed/`) and the dashboard (`reports/figures/`) find theirs with :func:`ordered_modules`.
"""

import importlib
import pkgutil
from collections import Counter
from collections.abc import Iterable
from types import ModuleType

from django.core.exceptions import ImproperlyConfigured


def ordered_modules(package: str, path: Iterable[str], *, needs: Iterable[str] = ()) -> list[ModuleType]:
    """The modules of ``package`` whose names do not start with ``_``, by their ``ORDER: int``.

    Each must declare ``ORDER`` and every name in ``needs``; two with the same ``ORDER`` would run in an
    order nobody chose. Either mistake raises ImproperlyConfigured naming the module.
    """
    needed = ("ORDER", *needs)
    found = []
    for info in pkgutil.iter_modules(list(path)):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        missing = [name for name in needed if not hasattr(module, name)]
        if missing or not isinstance(module.ORDER, int):
            raise ImproperlyConfigured(
                f"{module.__name__} is in {package}, so it needs {', '.join(needed)} (ORDER an int); "
                "give a module that only holds helpers a name starting with _."
            )
        found.append(module)
    clashes = sorted(order for order, n in Counter(m.ORDER for m in found).items() if n > 1)
    if clashes:
        names = [m.__name__ for m in found if m.ORDER in clashes]
        raise ImproperlyConfigured(f"Modules {names} of {package} share ORDER {clashes}; give each its own.")
    return sorted(found, key=lambda module: module.ORDER)
