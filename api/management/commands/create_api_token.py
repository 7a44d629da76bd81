"""``manage.py create_api_token USERNAME [--name NAME]``: print a new API token for a user.

Only the token goes to stdout, so scripts can capture it: ``TOKEN=$(manage.py create_api_token ivanova)``.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.services import issue_token
from core.actor import Actor


class Command(BaseCommand):
    help = "Create a personal access token for the JSON API and print it (it is stored only as a hash)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="What the token is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get_by_natural_key(options["username"])
        except user_model.DoesNotExist as exc:
            raise CommandError(f"There is no user {options['username']!r}.") from exc
        if not user.is_active:
            raise CommandError(f"The user {options['username']!r} is not active; the API would refuse the token.")
        name = " ".join(str(options["name"]).split())[:100]
        if not name:
            raise CommandError("The token name must not be empty.")
        _token, raw = issue_token(actor=Actor.system(user), name=name)
        self.stdout.write(raw)
