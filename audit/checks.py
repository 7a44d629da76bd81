"""System checks: the journal's key and head file belong outside var/, and a key given must be long enough."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from audit.journal_key import MIN_KEY_LENGTH


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


@register()
def check_journal_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if settings.OPORA_JOURNAL_KEY and len(settings.OPORA_JOURNAL_KEY) < MIN_KEY_LENGTH:
        problems.append(
            Error(
                f"OPORA_JOURNAL_KEY is shorter than {MIN_KEY_LENGTH} characters.",
                hint="Leave it unset to have a key generated into OPORA_JOURNAL_KEY_FILE.",
                id="audit.E001",
            )
        )
    var = Path(settings.VAR_DIR)
    if not settings.OPORA_JOURNAL_KEY and _inside(Path(settings.OPORA_JOURNAL_KEY_FILE), var):
        problems.append(
            Warning(
                "OPORA_JOURNAL_KEY_FILE is inside OPORA_VAR_DIR, beside the database.",
                hint="Whoever gets a copy of var/ then holds the key that seals the journal too.",
                id="audit.W001",
            )
        )
    if _inside(Path(settings.OPORA_JOURNAL_HEAD_FILE), var):
        problems.append(
            Warning(
                "OPORA_JOURNAL_HEAD_FILE is inside OPORA_VAR_DIR, beside the database.",
                hint="Restoring var/ from a backup would then roll the record of the journal's head back with it.",
                id="audit.W002",
            )
        )
    return problems
