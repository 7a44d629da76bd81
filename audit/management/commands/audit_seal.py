"""``manage.py audit_seal [--loop SECONDS]``: link newly written journal entries into the hash chain."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit import services
from audit.journal_key import JournalError
from core.loop import run_periodically

# A problem that stops sealing is repeated on standard error at most this often while it lasts.
REPEAT_PROBLEM_SECONDS = 60.0


class Command(BaseCommand):
    help = (
        "Seal the journal entries written since the last run into the hash chain and record its head in the"
        " head file; with --loop, keep doing it (the head at least once a minute)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=float, default=None, metavar="SECONDS", help="Look again every SECONDS.")

    def handle(self, *args: Any, loop: float | None, **options: Any) -> None:
        looping = loop is not None and loop > 0
        told_problem, told_at = "", 0.0

        def seal_pending() -> bool:
            nonlocal told_problem, told_at
            try:
                total = services.seal_all()
                services.record_head()
            except JournalError as problem:
                if not looping:
                    raise CommandError(f"journal: {problem}") from problem
                # The loop keeps going: the problem may be mended (a key restored) while it waits.
                if str(problem) != told_problem or time.monotonic() - told_at >= REPEAT_PROBLEM_SECONDS:
                    self.stderr.write(f"journal: {problem}")
                    told_problem, told_at = str(problem), time.monotonic()
                return False
            if total or not looping:
                self.stdout.write(f"journal: {total} entries sealed")
            return False

        run_periodically(seal_pending, loop)
