"""Daily tallies: counts a domain keeps beside its records, so that a figure over a period reads a few
rows per day instead of every record of the period.

A tally is a model with key fields and a count ``n`` (unique on the key). The domain's services call
:func:`add` inside the transaction of each change, with what the change takes from one row of the tally
and gives to another: the counts commit or roll back with the change. Each app that keeps tallies has a
``tallies`` module with ``rebuild(check=False) -> dict[str, int]``, which counts them afresh from the
records (after a bulk load, a restore, or to check them: ``manage.py rebuild_tallies [--check]``).

Concurrency: one ``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`` per row (SQLite ≥ 3.24 and
PostgreSQL alike), so two transactions that add to the same row both count, the second waiting for the
first's commit; rows are written in key order, so two transactions never wait on each other's rows in a
circle.
"""

import importlib
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction


def _key_fields(model: type[models.Model]) -> list[Any]:
    """The fields of the tally's key: those of its (unconditional) unique constraint, in its order."""
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and not constraint.condition:
            return [model._meta.get_field(name) for name in constraint.fields]
    raise TypeError(f"{model.__name__} has no unique constraint on its key")


def add(model: type[models.Model], changes: Mapping[tuple[Any, ...], int]) -> None:
    """Add each count of ``changes`` (key values in the order of the model's unique constraint → a
    number, negative to take away) to the model's rows; zero changes are left out."""
    wanted = sorted((key, n) for key, n in changes.items() if n)
    if not wanted:
        return
    columns = [field.column for field in _key_fields(model)]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = connection.ops.quote_name("n")
    placeholders = ", ".join(["%s"] * (len(columns) + 1))
    sql = (
        f"INSERT INTO {table} ({names}, {count}) VALUES ({placeholders}) "  # noqa: S608 - names from the model
        f"ON CONFLICT ({names}) DO UPDATE SET {count} = {table}.{count} + excluded.{count}"
    )
    with connection.cursor() as cursor:
        for key, n in wanted:
            cursor.execute(sql, [*key, n])


def difference(before: Iterable[tuple[Any, ...]], after: Iterable[tuple[Any, ...]]) -> dict[tuple[Any, ...], int]:
    """What moving a record from the rows ``before`` to the rows ``after`` changes: −1 for each row it
    leaves, +1 for each it joins (nothing for a row in both)."""
    changes: dict[tuple[Any, ...], int] = {}
    for key in before:
        changes[key] = changes.get(key, 0) - 1
    for key in after:
        changes[key] = changes.get(key, 0) + 1
    return {key: n for key, n in changes.items() if n}


def replace(model: type[models.Model], counted: Mapping[tuple[Any, ...], int], *, check: bool) -> int:
    """Make the model's rows ``counted`` (key → count), or with ``check`` only say how many rows differ.

    Returns the number of rows that were (or would be) changed, added or removed."""
    attnames = [field.attname for field in _key_fields(model)]
    kept = {tuple(row[:-1]): row[-1] for row in model._default_manager.values_list(*attnames, "n")}
    wanted = {key: n for key, n in counted.items() if n}
    differing = sum(1 for key in set(kept) | set(wanted) if kept.get(key, 0) != wanted.get(key, 0))
    if check or not differing:
        return differing
    with transaction.atomic():
        model._default_manager.all().delete()
        model._default_manager.bulk_create(
            [model(**dict(zip(attnames, key, strict=True)), n=n) for key, n in sorted(wanted.items())],
            batch_size=2000,
        )
    return differing


def keepers() -> list[ModuleType]:
    """Every installed app's ``tallies`` module that can rebuild its tallies."""
    found = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.tallies")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.tallies":
                raise
            continue
        if callable(getattr(module, "rebuild", None)):
            found.append(module)
    return found


def rebuild_all(*, check: bool = False) -> dict[str, int]:
    """Each tally counted afresh from its records: tally name → rows changed (or, with ``check``, that
    would change)."""
    result: dict[str, int] = {}
    for module in keepers():
        result.update(module.rebuild(check=check))
    return result
