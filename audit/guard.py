"""Database triggers that make the journal table append-only: DELETE is refused, and UPDATE too except
the sealer's first (and only) filling-in of an entry's ``seq``, ``prev_hash`` and ``hash``.

Installed by migrations 0002 and 0003. Only a database owner can remove them; tests do so to simulate an
attacker with such rights, and to clear the table between transactional tests.
"""

from typing import Any

# Every column a seal must leave as it was.
CONTENT_COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor_username",
    "actor_roles",
    "ip_address",
    "channel",
    "action",
    "object_type",
    "object_id",
    "person_id",
    "fields",
    "details",
)
_SQLITE_CHANGED = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in CONTENT_COLUMNS)

SQLITE_INSTALL = [
    # The one UPDATE allowed: the first seal of an entry (seq and hashes from empty to set), nothing else.
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
       WHEN OLD.hash IS NOT NULL OR OLD.seq IS NOT NULL OR NEW.hash IS NULL OR NEW.seq IS NULL
            OR {_SQLITE_CHANGED}
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
       BEGIN
         IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND OLD.seq IS NULL
            AND NEW.hash IS NOT NULL AND NEW.seq IS NOT NULL
            AND (to_jsonb(NEW) - 'seq' - 'prev_hash' - 'hash') = (to_jsonb(OLD) - 'seq' - 'prev_hash' - 'hash')
         THEN
           RETURN NEW;  -- the first seal of an entry
         END IF;
         RAISE EXCEPTION 'audit journal is append-only';
       END; $$ LANGUAGE plpgsql;""",
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
