"""``manage.py reset_two_factor USERNAME``: for a user who lost both the phone and the backup codes.

Deliberately not in the admin site: an administrator who could reset someone's second factor and set
their password could log in as them. The user enrols again at the next login; journaled.
"""

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import reset_second_factor
from core.actor import Actor


class Command(BaseCommand):
    help = "Remove a login's authenticator app and backup codes; it enrols again at its next login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no login named {username!r}")
        removed = reset_second_factor(actor=Actor.system(user), user=user)
        self.stdout.write(f"{username}: {removed} second-factor devices removed; sessions ended, tokens revoked")
