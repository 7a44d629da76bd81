"""Database triggers that make the journal table append-only (UPDATE and DELETE are refused).

Installed by migration 0002. Only a database owner can remove them; tests do so to simulate an
attacker with such rights, and to clear the table between transactional tests.
"""

from typing import Any

SQLITE_INSTALL = [
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit journal is append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit journal is append-only'); END;""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
    "DROP TRIGGER IF EXISTS audit_event_no_delete;",
]

POSTGRES_INSTALL = [
    """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit journal is append-only'; END; $$ LANGUAGE plpgsql;""",
    "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_auditevent;",
    """CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_auditevent
       FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();""",
]
POSTGRES_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_auditevent;",
    "DROP FUNCTION IF EXISTS audit_event_append_only();",
]


def _run(connection: Any, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(connection: Any) -> None:
    _run(connection, POSTGRES_INSTALL if connection.vendor == "postgresql" else SQLITE_INSTALL)


def remove(connection: Any) -> None:
    _run(connection, POSTGRES_REMOVE if connection.vendor == "postgresql" else SQLITE_REMOVE)
