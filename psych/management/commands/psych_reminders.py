"""Remind clients of their booked consultations (SMS / e-mail), once, or every N seconds with --loop."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.loop import run_periodically
from psych.services import send_due_reminders


class Command(BaseCommand):
    help = "Send the reminders of consultations starting within their service's reminder time."

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
            sent = send_due_reminders()
            if sent or not loop or loop <= 0:
                self.stdout.write(f"consultation reminders sent: {sent}")
            return False

        run_periodically(sweep, loop)
