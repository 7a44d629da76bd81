"""The surname dictionary of the misspelt-name search (people.models.Surname), kept by triggers.

PostgreSQL: the ``pg_trgm`` extension and a GIN trigram index on the dictionary; statement-level
triggers with transition tables add the surnames of every INSERT or UPDATE of people in one statement
(a 500,000-row ``bulk_create`` pays one ``INSERT ... SELECT DISTINCT`` per batch, not a row trigger).

SQLite: an FTS5 table with the trigram tokenizer holds each surname padded the way ``pg_trgm`` pads a
word (two spaces before, one after), so both databases look candidates up by the same trigrams; row
triggers keep it and the dictionary in step.
"""

from django.db import migrations, models

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX people_surname_trgm ON people_surname USING gin (folded gin_trgm_ops)",
    """CREATE FUNCTION people_surname_keep() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO people_surname (folded)
        SELECT DISTINCT surname_folded FROM changed_people WHERE surname_folded <> ''
        ON CONFLICT (folded) DO NOTHING;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER people_person_surname_insert AFTER INSERT ON people_person
    REFERENCING NEW TABLE AS changed_people FOR EACH STATEMENT EXECUTE FUNCTION people_surname_keep()""",
    """CREATE TRIGGER people_person_surname_update AFTER UPDATE ON people_person
    REFERENCING NEW TABLE AS changed_people FOR EACH STATEMENT EXECUTE FUNCTION people_surname_keep()""",
    """INSERT INTO people_surname (folded) SELECT DISTINCT surname_folded FROM people_person
    WHERE surname_folded <> '' ON CONFLICT (folded) DO NOTHING""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS people_person_surname_update ON people_person",
    "DROP TRIGGER IF EXISTS people_person_surname_insert ON people_person",
    "DROP FUNCTION IF EXISTS people_surname_keep()",
    "DROP INDEX IF EXISTS people_surname_trgm",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE people_surname_trigram USING fts5(padded, tokenize='trigram')",
    """CREATE TRIGGER people_surname_trigram_insert AFTER INSERT ON people_surname BEGIN
        INSERT INTO people_surname_trigram (rowid, padded) VALUES (NEW.id, '  ' || NEW.folded || ' ');
    END""",
    """CREATE TRIGGER people_surname_trigram_delete AFTER DELETE ON people_surname BEGIN
        DELETE FROM people_surname_trigram WHERE rowid = OLD.id;
    END""",
    """CREATE TRIGGER people_person_surname_insert AFTER INSERT ON people_person
    WHEN NEW.surname_folded <> '' BEGIN
        INSERT OR IGNORE INTO people_surname (folded) VALUES (NEW.surname_folded);
    END""",
    """CREATE TRIGGER people_person_surname_update AFTER UPDATE OF surname_folded ON people_person
    WHEN NEW.surname_folded <> '' BEGIN
        INSERT OR IGNORE INTO people_surname (folded) VALUES (NEW.surname_folded);
    END""",
    """INSERT OR IGNORE INTO people_surname (folded)
    SELECT DISTINCT surname_folded FROM people_person WHERE surname_folded <> ''""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS people_person_surname_update",
    "DROP TRIGGER IF EXISTS people_person_surname_insert",
    "DROP TRIGGER IF EXISTS people_surname_trigram_delete",
    "DROP TRIGGER IF EXISTS people_surname_trigram_insert",
    "DROP TABLE IF EXISTS people_surname_trigram",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_consent_share_with_tcso"),
    ]

    operations = [
        migrations.CreateModel(
            name="Surname",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("folded", models.CharField(max_length=100, unique=True)),
            ],
            options={
                "verbose_name": "surname",
                "verbose_name_plural": "surnames",
            },
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
