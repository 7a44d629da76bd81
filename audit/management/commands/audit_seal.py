"""``manage.py audit_seal [--loop SECONDS]``: link newly written journal entries into the hash chain."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from audit import services
from core.loop import run_periodically


class Command(BaseCommand):
    help = "Seal the journal entries written since the last run into the hash chain; with --loop, keep doing it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=float, default=None, metavar="SECONDS", help="Look again every SECONDS.")

    def handle(self, *args: Any, loop: float | None, **options: Any) -> None:
        def seal_pending() -> bool:
            total = services.seal_all()
            if total or not loop or loop <= 0:
                self.stdout.write(f"journal: {total} entries sealed")
            return False

        run_periodically(seal_pending, loop)
