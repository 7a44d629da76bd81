"""Every permission the rules register is exercised, role by role, by some app's matrix test.

A matrix module is any ``<app>/tests/test_*matrix*.py``; it declares ``PERMISSIONS_COVERED`` (permission ->
names of its rows that exercise it) and ``MATRIX_ROWS`` (the names of all its rows). A new app that
registers a permission in its rules.py and forgets its matrix row fails here.
"""

import importlib
from pathlib import Path

import rules

ROOT = Path(__file__).resolve().parent.parent


def _matrix_modules() -> list[object]:
    paths = sorted(p for p in ROOT.glob("*/tests/test_*matrix*.py") if ".venv" not in p.parts)
    return [importlib.import_module(".".join(p.relative_to(ROOT).with_suffix("").parts)) for p in paths]


def test_there_is_at_least_one_matrix() -> None:
    assert _matrix_modules()


def test_every_registered_permission_is_covered_by_a_matrix() -> None:
    covered: set[str] = set()
    for module in _matrix_modules():
        covered |= set(getattr(module, "PERMISSIONS_COVERED", {}))
    registered = set(rules.permissions.permissions)
    assert sorted(registered - covered) == [], "permissions no matrix test exercises"


def test_coverage_names_only_real_rows_and_real_permissions() -> None:
    registered = set(rules.permissions.permissions)
    for module in _matrix_modules():
        declared: dict[str, list[str]] = getattr(module, "PERMISSIONS_COVERED", {})
        rows: set[str] = getattr(module, "MATRIX_ROWS", set())
        assert not set(declared) - registered, f"{module.__name__} names permissions nobody registers"
        for perm, names in declared.items():
            assert names, f"{module.__name__}: {perm} names no row"
            assert set(names) <= rows, f"{module.__name__}: {perm} names rows that do not exist: {set(names) - rows}"
