"""Read queries on the reference data that grow beyond a line."""

import re

from core.validators import fold_name
from directory.models import DiagnosisCode

# What someone starts typing for a code: a letter, then up to three digits with or without the dot
# ("c5", "C50.", "c50.4", "C504"). On the Russian keyboard layout the keys of C and D type "с" and "в".
_CODE_PREFIX = re.compile(r"([a-zсв])(\d{0,2})(?:\.?(\d?))")
_LAYOUT = {"с": "c", "в": "d"}


def _code_prefix(word: str) -> str | None:
    """``word`` as the start of a code in its stored form ("c504" -> "C50.4"), or None if it cannot be one."""
    match = _CODE_PREFIX.fullmatch(word)
    if match is None:
        return None
    letter, digits, subcategory = match.groups()
    if letter in _LAYOUT:
        if not digits:  # a lone "с" or "в" is more likely the start of a word
            return None
        letter = _LAYOUT[letter]
    prefix = letter.upper() + digits
    if len(digits) == 2 and (subcategory or word.endswith(".")):
        prefix += "." + subcategory
    return prefix


def find_diagnosis_codes(query: str, limit: int = 20) -> list[DiagnosisCode]:
    """Active diagnosis codes for a type-ahead: those starting with the typed code, then those whose name
    holds every typed word (case and ё ignored); each group in code order."""
    words = fold_name(query).split()
    if not words or limit <= 0:
        return []
    active = DiagnosisCode.objects.filter(is_active=True).order_by("code")
    found: list[DiagnosisCode] = []
    prefix = _code_prefix(words[0]) if len(words) == 1 else None
    if prefix is not None:
        found = list(active.filter(code__startswith=prefix)[:limit])
    if len(found) < limit:
        by_name = active.exclude(pk__in=[code.pk for code in found])
        for word in words:
            by_name = by_name.filter(name_folded__contains=word)
        found += by_name[: limit - len(found)]
    return found
