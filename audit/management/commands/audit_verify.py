from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit import head_file
from audit.services import verify_chain


class Command(BaseCommand):
    help = (
        "Recompute the audit journal's HMAC chain, compare it with the head file kept outside the database,"
        " and report any edited, removed, inserted or rebuilt entries."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(f"audit journal is NOT intact ({len(result.problems)} problem(s) found)")
        self.stdout.write(self.style.SUCCESS(f"audit journal intact: {result.checked} entries verified"))
        if result.recorded is not None:
            self.stdout.write(
                f"The head file {head_file.path()} agrees; its last record: entry {result.recorded.seq}"
                f" at {result.recorded.at:%Y-%m-%d %H:%M:%S %Z}."
            )
        if result.unsealed:
            self.stdout.write(f"{result.unsealed} recent entries are waiting for `audit_seal`.")
