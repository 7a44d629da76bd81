"""``manage.py set_superuser USERNAME [--remove]``: the only way to make (or unmake) a superuser.

No page offers it: whoever runs this has the server, and the change is journaled all the same.
"""

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import set_superuser
from core.actor import Actor


class Command(BaseCommand):
    help = "Give a login superuser status, or take it away (--remove); journaled."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--remove", action="store_true", help="Take superuser status away.")

    def handle(self, *args: Any, username: str, remove: bool, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no login named {username!r}")
        changed = set_superuser(actor=Actor.system(user), user=user, on=not remove)
        state = "no longer a superuser" if remove else "a superuser"
        self.stdout.write(f"{username} is {state}" + ("" if changed else " (it already was so)"))
