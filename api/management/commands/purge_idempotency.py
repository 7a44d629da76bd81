"""``manage.py purge_idempotency [--loop SECONDS]``: delete Idempotency-Key records past their retention."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from api.idempotency import RETENTION, purge_expired


class Command(BaseCommand):
    help = f"Delete Idempotency-Key records older than {RETENTION}; with --loop, every N seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=float, default=None, metavar="SECONDS", help="Repeat every SECONDS.")

    def handle(self, *args: Any, loop: float | None, **options: Any) -> None:
        try:
            while True:
                deleted = purge_expired()
                if deleted or loop is None:
                    self.stdout.write(f"Idempotency records purged: {deleted}.")
                if loop is None or loop <= 0:
                    return
                time.sleep(loop)
                close_old_connections()
        except KeyboardInterrupt:
            return
