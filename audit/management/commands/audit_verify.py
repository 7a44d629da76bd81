from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.services import verify_chain


class Command(BaseCommand):
    help = "Recompute the audit journal's hash chain and report any edited, removed or inserted entry."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(f"audit journal is NOT intact ({len(result.problems)} problem(s) found)")
        self.stdout.write(self.style.SUCCESS(f"audit journal intact: {result.checked} entries verified"))
        if result.unsealed:
            self.stdout.write(f"{result.unsealed} recent entries are waiting for `audit_seal`.")
