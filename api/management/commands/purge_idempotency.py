"""``manage.py purge_idempotency [--loop SECONDS]``: delete Idempotency-Key records past their retention."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from api.idempotency import RETENTION, purge_expired
from core.loop import run_periodically


class Command(BaseCommand):
    help = f"Delete Idempotency-Key records older than {RETENTION}; with --loop, every N seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=float, default=None, metavar="SECONDS", help="Repeat every SECONDS.")

    def handle(self, *args: Any, loop: float | None, **options: Any) -> None:
        def purge() -> bool:
            deleted = purge_expired()
            if deleted or not loop or loop <= 0:
                self.stdout.write(f"Idempotency records purged: {deleted}.")
            return False

        run_periodically(purge, loop)
