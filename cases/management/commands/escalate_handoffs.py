"""Escalate the hand-offs to a TCSO not accepted in time, once, or every N seconds with --loop."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cases.handoffs import escalate_overdue
from core.loop import run_periodically


class Command(BaseCommand):
    help = "Tell the TCSO's dispatchers and the hospital's supervisors of hand-offs waiting past their target time."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            default=None,
            help="Keep running: look again every SECONDS until stopped (Ctrl+C / SIGTERM).",
        )

    def handle(self, *args: Any, loop: float | None, **options: Any) -> None:
        def sweep() -> bool:
            escalated = escalate_overdue()
            if escalated or not loop or loop <= 0:
                self.stdout.write(f"hand-offs escalated: {escalated}")
            return escalated >= 500  # a full batch: more may be waiting

        run_periodically(sweep, loop)
