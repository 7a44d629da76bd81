"""Remind patients of their appointments (SMS, or a call task for their assistant), once, or every N seconds
with --loop."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.loop import run_periodically
from navigation.appointments import send_due_reminders


class Command(BaseCommand):
    help = "Send the reminders of the oncology programme's appointments whose time has come."

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
                self.stdout.write(f"appointment reminders sent: {sent}")
            return False

        run_periodically(sweep, loop)
