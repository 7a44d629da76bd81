"""The demo city, built by ordered steps: one module of this package per step.

A step is a module here whose name does not start with ``_`` and that declares

- ``ORDER: int``: where it runs (users 10, staff 20, citizens 30, requests 40; leave gaps);
- ``LABEL: str``: how ``seed_demo`` names it in its output;
- ``seed(ctx: SeedContext) -> int``: adds what is missing and returns how many rows it added;
- optionally ``summary(added: int, seconds: float) -> str``: the rest of its output line (by default
  "<added> added").

``seed_demo`` runs ``steps()`` in order, so a new app adds its demo data with one new module and edits
neither the other steps nor the command. Each step decides itself whether it has anything to do: it
must be safe to run again, and should leave the city alone when ``ctx.keep_city`` says so.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, cast

from django.contrib.auth.models import User

from core.plugins import ordered_modules


def _discard(message: str) -> None:
    """Where a step's messages go when nobody reads them (a test, or the bench seeding quietly)."""


@dataclass(kw_only=True)
class SeedContext:
    """What ``seed_demo`` was asked for, and what earlier steps made for later ones."""

    password: str
    seed: int = 1
    people: int = 20000  # citizens wanted in total
    requests: int = 300  # help requests wanted across the city, besides the demo TCSO's queue
    batch_size: int = 2000  # citizens per transaction
    if_empty: bool = False
    had_citizens: bool = False  # whether the database had citizens when the run began
    verbosity: int = 1
    out: Callable[[str], None] = _discard
    users: dict[str, User] = field(default_factory=dict)  # the demo users by username, from the users step

    @property
    def keep_city(self) -> bool:
        """``--if-empty`` on a database that already had citizens: only make sure of what the demo cannot
        work without (its logins, its help requests) and leave everything else as it is."""
        return self.if_empty and self.had_citizens

    def progress(self, message: str) -> None:
        if self.verbosity > 1:
            self.out(message)


class Step(Protocol):
    __name__: str
    ORDER: int
    LABEL: str

    def seed(self, ctx: SeedContext) -> int: ...


def steps() -> list[Step]:
    """The step modules of this package, in ``ORDER``."""
    return [cast(Step, module) for module in ordered_modules(__name__, __path__, needs=("LABEL", "seed"))]
