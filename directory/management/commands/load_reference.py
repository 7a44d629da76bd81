"""``manage.py load_reference``: see directory/reference.py for what it loads and why."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from core.roles import Role
from directory.models import DiagnosisCode, District, Okrug, Organisation, Programme, Skill
from directory.reference import (
    DIAGNOSIS_CODES_CSV,
    DISTRICTS_CSV,
    LoadResult,
    load_catalogues,
    load_diagnosis_codes,
    load_organisations,
    load_roles,
    load_territory,
    plan_organisations,
    read_diagnosis_codes,
    read_districts,
)


class Command(BaseCommand):
    help = (
        "Load districts, programmes, skills, organisations, role groups and ICD-10 codes C00-D48 "
        "(safe to run on every start)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Reset existing programmes, skills and organisations to the built-in values.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.BASE_DIR) / DISTRICTS_CSV
        if not path.exists():
            raise CommandError(f"District list not found: {path}")
        codes_path = Path(settings.BASE_DIR) / DIAGNOSIS_CODES_CSV
        if not codes_path.exists():
            raise CommandError(f"Diagnosis code list not found: {codes_path}")
        try:
            rows = read_districts(path)
            code_rows = read_diagnosis_codes(codes_path)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        overwrite: bool = options["overwrite"]
        result = LoadResult()
        with transaction.atomic():
            districts = load_territory(rows, result)
            programmes = load_catalogues(overwrite, result)
            load_organisations(plan_organisations(rows), districts, programmes, overwrite, result)
            load_diagnosis_codes(code_rows, result)
            load_roles(result)

        created = sum(result.created.values())
        self.stdout.write(
            f"Reference data: {Okrug.objects.count()} okrugs, {District.objects.count()} districts, "
            f"{Programme.objects.count()} programmes, {Skill.objects.count()} skills, "
            f"{Organisation.objects.count()} organisations "
            f"({Organisation.objects.filter(kind=Organisation.Kind.TCSO).count()} TCSOs), "
            f"{Group.objects.filter(name__in=Role.values).count()} role groups, "
            f"{DiagnosisCode.objects.filter(is_active=True).count()} diagnosis codes; {created} created."
        )
