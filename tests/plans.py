"""Query plans for tests that a page reads only the rows it needs (issue 15 §4: the city at scale).

``plans(statements)`` asks the database how it would run each statement ``recording()`` kept on the
request, call or assignment table (SQLite as the application leaves it, without statistics; PostgreSQL
with sequential scans priced out, so that a missing index shows however small the test tables are);
``unbounded(plan)`` names the reads in a plan that a period or the open statuses do not bound (on
PostgreSQL: the reads no index serves).
"""

import contextlib
from collections.abc import Iterator
from typing import Any

from django.db import connection

# What bounds a read of each table to the rows a figure counts: a period, or the open statuses.
BOUNDS = {
    "assistance_helprequest": ("created_at", "closed_at", "status"),
    "intake_interaction": ("started_at",),
    # A worker's assignments: the live ones (the partial index says so by its name) or today's.
    "assistance_assignment": ("finished_at", "request_id", "assignment_worker_live"),
}
# Partial indexes: their rows are bounded by their condition, which the plan does not repeat.
PARTIAL = ("assignment_worker_live", "request_open")


@contextlib.contextmanager
def recording() -> Iterator[list[tuple[str, Any]]]:
    """The statements run inside, each with its parameters as the driver got them: a plan is asked of
    the statement as it runs (SQLite plans ``status IN (?, ?)`` otherwise than ``status IN ('a', 'b')``:
    it cannot see that a partial index applies to bound values)."""
    statements: list[tuple[str, Any]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield statements


def plans(statements: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """(statement, plan) of each recorded statement that reads the request, call or assignment table."""
    found = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")
        for sql, params in statements:
            if not sql.startswith("SELECT") or not any(f'"{table}"' in sql for table in BOUNDS):
                continue
            prefix = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
            cursor.execute(prefix + sql, params)
            rows = cursor.fetchall()
            plan = "\n".join(str(row[0]) if connection.vendor == "postgresql" else str(row[-1]) for row in rows)
            found.append((sql, plan))
        if connection.vendor == "postgresql":
            cursor.execute("RESET enable_seqscan")
    return found


def unbounded(plan: str) -> list[str]:
    """The plan's reads of the request or call table not bounded by a period or by status: a whole
    table, a whole index, or every request of a TCSO (most of them closed long ago).

    On SQLite the plan of the test's few rows is the plan of the city's millions: SQLite plans without
    statistics, and the application leaves it so. PostgreSQL plans from statistics, so a plan of a few rows
    says little of one over millions (it filters a handful of rows rather than seek them); there only a
    sequential scan is refused, which with ``enable_seqscan`` off means no index could serve the query at
    all. ``make bench`` (bench/city.py) measures both at the city's size.
    """
    lines = plan.splitlines()
    if connection.vendor == "postgresql":
        return [line for line in lines if "Seq Scan" in line and any(table in line for table in BOUNDS)]
    found = []
    for line in lines:
        table = next((t for t in BOUNDS if t in line), None)
        step = line.lstrip("|-` ")
        if table is None or not step.startswith(("SCAN", "SEARCH")) or "USING INTEGER PRIMARY KEY" in line:
            continue  # one row by its key is bounded
        cond = line.split("(", 1)[1] if step.startswith("SEARCH") and "(" in line else ""
        cond += " ".join(index for index in PARTIAL if f"INDEX {index} " in line)
        if not any(column in cond for column in BOUNDS[table]):
            found.append(line)
    return found
