"""Fill the database with a demo city: the steps of ``demo.seed``, in order, then the demo logins."""

import time
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from core import tallies
from demo.seed import SeedContext, steps
from demo.seed.users import DEMO_USERS, TELEPHONY_ACCOUNT
from people.models import Person


class Command(BaseCommand):
    help = (
        "Create the demo city, one step per module of demo/seed/: demo logins (one per role), field staff "
        "for every TCSO, citizens up to --people, help requests, and whatever later apps add. "
        "Running it again only adds what is missing (citizens are topped up to --people)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=20000, help="Citizens wanted in total (20000).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed; the same seed gives the same city.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="If the database already has citizens, only make sure the demo logins and demo data exist.",
        )
        parser.add_argument("--requests", type=int, default=300, help="Help requests across the city (300).")
        parser.add_argument("--batch-size", type=int, default=2000, help="Citizens per transaction (2000).")

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = SeedContext(
            password=settings.OPORA_DEMO_PASSWORD,
            seed=options["seed"],
            people=options["people"],
            requests=options["requests"],
            batch_size=options["batch_size"],
            if_empty=options["if_empty"],
            had_citizens=Person.objects.exists(),
            verbosity=options["verbosity"],
            out=self.stdout.write,
        )
        if ctx.keep_city:
            self.stdout.write(f"Demo city already present: {Person.objects.count()} citizens.")
        else:
            call_command("load_reference", stdout=self.stdout, verbosity=ctx.verbosity)

        for step in steps():
            started = time.perf_counter()
            added = step.seed(ctx)
            seconds = time.perf_counter() - started
            if added or not ctx.keep_city:  # a kept city reports only what had to be made
                summary = getattr(step, "summary", None)
                self.stdout.write(f"{step.LABEL}: {summary(added, seconds) if summary else f'{added} added'}.")
        # The steps date records back past the services (a request made "three days ago"), so the daily
        # tallies the services keep are counted afresh from the records.
        tallies.rebuild_all()
        self.print_logins(ctx.password)

    def print_logins(self, password: str) -> None:
        usernames = [d.username for d in DEMO_USERS]
        existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
        if not existing:
            return
        self.stdout.write("Demo logins:")
        width = max(len(d.username) for d in DEMO_USERS)
        role_width = max(len(d.role.value) for d in DEMO_USERS)
        for demo in DEMO_USERS:
            if demo.username in existing:
                self.stdout.write(f"  {demo.username:<{width}}  {demo.role.value:<{role_width}}  {password}")
        telephony = TELEPHONY_ACCOUNT[0]
        if User.objects.filter(username=telephony).exists():
            self.stdout.write(
                f"Telephony service account (no password): {telephony}; "
                f"its token for POST /api/v1/cti/calls: manage.py create_api_token {telephony} --name CTI"
            )
