"""The search reads one surname's bearers a page at a time in the order it shows them
(``person_name_order``); on PostgreSQL the surname dictionary also gets a ``varchar_pattern_ops`` index
for the surnames starting with what was typed (``people.selectors.longer_surnames``)."""

from django.db import migrations, models


def _run(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_surname_dictionary"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["surname_folded", "given_name_folded", "patronymic_folded", "birth_date", "id"],
                name="person_name_order",
            ),
        ),
        migrations.RunPython(
            _run("CREATE INDEX people_surname_prefix ON people_surname (folded varchar_pattern_ops)"),
            _run("DROP INDEX IF EXISTS people_surname_prefix"),
        ),
    ]
