from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from assistance.catalogue import load_catalogue
from assistance.models import ServiceType


class Command(BaseCommand):
    help = "Create the service catalogue's missing entries (safe to run on every start)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--overwrite", action="store_true", help="Reset existing entries to the built-in values.")

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_catalogue(overwrite=options["overwrite"])
        self.stdout.write(f"Service catalogue: {ServiceType.objects.count()} service types; {created} created.")
