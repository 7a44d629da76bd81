"""``manage.py audit_seal [--loop SECONDS]``: link newly written journal entries into the hash chain."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from audit.services import SEAL_BATCH, seal


class Command(BaseCommand):
    help = "Seal the journal entries written since the last run into the hash chain; with --loop, keep doing it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=float, default=None, metavar="SECONDS", help="Look again every SECONDS.")

    def handle(self, *args: Any, loop: float | None, **options: Any) -> None:
        try:
            while True:
                total = 0
                while sealed := seal():
                    total += sealed
                    if sealed < SEAL_BATCH:
                        break
                if total or loop is None:
                    self.stdout.write(f"journal: {total} entries sealed")
                if loop is None or loop <= 0:
                    return
                time.sleep(loop)
                close_old_connections()
        except KeyboardInterrupt:
            return
