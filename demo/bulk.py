"""Insert many rows of a model quickly, for generated demo and benchmark data.

``QuerySet.bulk_create`` compiles every value of every row through the ORM (about 7 µs per value);
for hundreds of thousands of generated rows that is most of the run time. ``RowInserter`` prepares the
statement once and hands plain tuples to the driver (``COPY`` on PostgreSQL, ``executemany`` elsewhere).
Columns the caller does not supply get the model field's default (or "now" for ``auto_now`` and
``auto_now_add``), so new fields with defaults need no change here. No signals are sent and ``save()``
is not called: callers compute derived columns themselves.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone


class RowInserter:
    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
        unknown = set(columns) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
        self.model = model
        self.columns = tuple(columns)
        self.supplied = [fields[name] for name in self.columns]
        self.defaulted = [f for name, f in fields.items() if name not in self.columns]
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        names = ", ".join(quote(f.column) for f in [*self.supplied, *self.defaulted])
        placeholders = ", ".join(["%s"] * (len(self.supplied) + len(self.defaulted)))
        self.insert_sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608
        self.copy_sql = f"COPY {table} ({names}) FROM STDIN"
        self.converters: list[tuple[int, Callable[[Any], Any]]] = [
            (index, converter) for index, f in enumerate(self.supplied) if (converter := _converter(f))
        ]

    def _defaults(self) -> tuple[Any, ...]:
        now = timezone.now()
        values = []
        for f in self.defaulted:
            value = now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
            values.append(f.get_db_prep_save(value, connection))
        return tuple(values)

    def insert(self, rows: Iterable[Sequence[Any]]) -> int:
        """Insert ``rows`` (values in the order of ``columns``); returns how many rows were sent."""
        defaults = self._defaults()
        prepared = []
        for row in rows:
            if self.converters:
                row = list(row)
                for index, converter in self.converters:
                    if row[index] is not None:
                        row[index] = converter(row[index])
            prepared.append((*row, *defaults))
        if not prepared:
            return 0
        with connection.cursor() as cursor:
            driver_cursor = cursor.cursor
            if connection.vendor == "postgresql" and hasattr(driver_cursor, "copy"):
                # psycopg 3: COPY streams rows, several times faster than one INSERT per row.
                with driver_cursor.copy(self.copy_sql) as copy:
                    for row in prepared:
                        copy.write_row(row)
            else:
                # SQLite runs executemany() in-process: no round trip per row.
                cursor.executemany(self.insert_sql, prepared)
        return len(prepared)


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """The backend's adapter for values the driver cannot take as they are (SQLite stores dates as text)."""
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        return lambda value: ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
    return None
