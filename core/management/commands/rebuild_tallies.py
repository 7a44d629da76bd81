"""Count the daily tallies afresh from the records (core/tallies.py): after a bulk load or a restore, or
with ``--check`` to see whether they still agree with the records (exit status 1 when they do not)."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core import tallies


class Command(BaseCommand):
    help = "Count the daily tallies (requests and calls per day) afresh from the records; --check only compares."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Only say which tallies differ; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        check = options["check"]
        result = tallies.rebuild_all(check=check)
        for name, rows in result.items():
            if check:
                self.stdout.write(f"{name}: {'agrees' if not rows else f'{rows} rows differ'}")
            else:
                self.stdout.write(f"{name}: {rows} rows counted afresh")
        if check and any(result.values()):
            sys.exit(1)
