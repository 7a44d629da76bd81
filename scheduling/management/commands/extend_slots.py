"""Make every active resource's slots from its weekly hours, so many days ahead; once, or every N seconds."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.loop import run_periodically
from scheduling.services import HORIZON_DAYS, extend_all


class Command(BaseCommand):
    help = "Make the bookable slots of every active resource from its weekly hours and exceptions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=HORIZON_DAYS, help="How many days ahead (default %(default)s).")
        parser.add_argument("--loop", type=float, metavar="SECONDS", default=None, help="Keep running every SECONDS.")

    def handle(self, *args: Any, days: int, loop: float | None, **options: Any) -> None:
        days = max(1, min(days, 3 * 366))

        def sweep() -> bool:
            self.stdout.write(f"slots made: {extend_all(days)}")
            return False

        run_periodically(sweep, loop)
