"""Fill the database with a demo city: demo logins, field staff and citizens."""

import time
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from assistance.models import HelpRequest
from demo.requests import seed_requests
from demo.seeding import DEMO_USERS, ensure_demo_users, seed_citizens, seed_field_staff
from directory.models import Worker
from people.models import Consent, ContactPerson, IdentityDocument, Person, PersonPhone


class Command(BaseCommand):
    help = (
        "Create demo logins (one per role), field staff for every TCSO and citizens up to --people. "
        "Running it again only tops the citizens up to --people."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=20000, help="Citizens wanted in total (20000).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed; the same seed gives the same city.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if the database already has citizens.")
        parser.add_argument("--requests", type=int, default=300, help="Help requests across the city (300).")
        parser.add_argument("--batch-size", type=int, default=2000, help="Citizens per transaction (2000).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Person.objects.exists():
            self.stdout.write(f"Demo city already present: {Person.objects.count()} citizens.")
            demo_users = ensure_demo_users(settings.OPORA_DEMO_PASSWORD)
            if added := seed_requests(users=demo_users, seed=options["seed"]):
                self.stdout.write(f"Demo help requests: {added} added.")
            self.print_logins(settings.OPORA_DEMO_PASSWORD)
            return
        verbosity: int = options["verbosity"]
        call_command("load_reference", stdout=self.stdout, verbosity=verbosity)

        password: str = settings.OPORA_DEMO_PASSWORD
        users = ensure_demo_users(password)
        staff_added = seed_field_staff(seed=options["seed"])

        wanted: int = options["people"]
        to_add = max(0, wanted - Person.objects.count())

        def progress(done: int) -> None:
            if verbosity > 1:
                rate = done / max(time.perf_counter() - started, 1e-9)
                self.stdout.write(f"  {done} / {to_add} citizens ({rate:.0f}/s)")

        started = time.perf_counter()
        added = seed_citizens(
            count=to_add,
            seed=options["seed"],
            recorded_by=users["operator"],
            batch_size=options["batch_size"],
            progress=progress,
        )
        elapsed = time.perf_counter() - started

        rate = f" in {elapsed:.1f} s ({added / elapsed:.0f} citizens/s)" if added else ""
        self.stdout.write(
            f"Demo city: {Person.objects.count()} citizens ({added} added{rate}), "
            f"{PersonPhone.objects.count()} phones, {ContactPerson.objects.count()} contact persons, "
            f"{IdentityDocument.objects.count()} documents, {Consent.objects.count()} consents, "
            f"{Worker.objects.count()} workers ({staff_added} added)."
        )
        requests_added = seed_requests(users=users, seed=options["seed"], city=options["requests"])
        self.stdout.write(f"Demo help requests: {HelpRequest.objects.count()} ({requests_added} added).")
        self.print_logins(password)

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
