"""The Russian catalogue covers every user-facing string in the code and templates."""

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

ROOT = Path(settings.BASE_DIR)


def untranslated(po_text: str) -> list[str]:
    """msgids of a .po file whose translation is missing or marked fuzzy."""
    missing = []
    for block in po_text.strip().split("\n\n"):
        fuzzy, current, parts = False, "", {}
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                parts[current] = match.group(2)
            elif line.startswith('"') and current:
                parts[current] += line[1:-1]
        msgid = parts.get("msgid", "")
        if msgid and (fuzzy or not all(v for k, v in parts.items() if k.startswith("msgstr"))):
            missing.append(msgid)
    return missing


def test_the_check_itself_notices_a_missing_and_a_fuzzy_translation():
    po = (
        'msgid ""\nmsgstr "header"\n\nmsgid "Yes"\nmsgstr "Да"\n\n'
        'msgid "No"\nmsgstr ""\n\n#, fuzzy\nmsgid "Maybe"\nmsgstr "Может"\n'
    )
    assert untranslated(po) == ["No", "Maybe"]


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (apt-get install gettext)")
def test_every_string_in_the_sources_has_a_russian_translation(tmp_path, settings, monkeypatch):
    # makemessages writes next to the sources it reads, so it runs on a copy of them.
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT, copy, ignore=shutil.ignore_patterns(".venv", "var", ".git", "static", "node_modules", "*.pyc", "*.mo")
    )
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command(
        "makemessages",
        locale=["ru"],
        no_location=True,
        verbosity=0,
        ignore_patterns=["bench/*"],
    )
    po = (copy / "locale/ru/LC_MESSAGES/django.po").read_text()
    assert po.count("\nmsgid ") > 300
    assert untranslated(po) == []


def test_the_compiled_catalogue_is_in_use():
    with translation.override("ru"):
        assert translation.gettext("Find a citizen") == "Поиск гражданина"
    with translation.override("en"):
        assert translation.gettext("Find a citizen") == "Find a citizen"
