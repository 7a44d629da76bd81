"""Deliver the due outbox messages once, or every N seconds with --loop."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.loop import run_periodically
from notify import delivery, tasks


class Command(BaseCommand):
    help = "Deliver due outbox messages (retries, and messages whose delivery task was lost)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            default=None,
            help="Keep running: sweep again every SECONDS until stopped (Ctrl+C / SIGTERM).",
        )
        parser.add_argument("--limit", type=int, default=100, help="At most this many messages per sweep.")

    def handle(self, *args: Any, loop: float | None, limit: int, **options: Any) -> None:
        def sweep() -> bool:
            # Retries book the worker's sweep too, so they are made even if this command stops.
            outcomes = delivery.deliver_due(limit=limit, on_retry=tasks.schedule_sweep)
            if outcomes or not loop or loop <= 0:
                summary = ", ".join(f"{name} {count}" for name, count in sorted(outcomes.items()))
                self.stdout.write(f"outbox: {summary or 'nothing due'}")
            # A full batch means more may be due: go again at once.
            return sum(outcomes.get(k, 0) for k in ("sent", "retry", "failed", "skipped")) >= limit

        run_periodically(sweep, loop)
