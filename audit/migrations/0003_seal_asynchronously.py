"""Entries are appended unsealed and sealed later by ``audit_seal``; the triggers allow exactly that."""

from django.db import migrations, models

from audit import guard


def reinstall(apps, schema_editor):
    guard.remove(schema_editor.connection)
    guard.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]
    operations = [
        # Altering the table (SQLite rebuilds it) needs the old triggers out of the way.
        migrations.RunPython(lambda apps, schema_editor: guard.remove(schema_editor.connection), reinstall),
        migrations.AlterModelOptions(
            name="auditevent",
            options={
                "default_permissions": ("view",),
                "ordering": ["id"],
                "verbose_name": "journal entry",
                "verbose_name_plural": "journal entries",
            },
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(blank=True, null=True, unique=True, verbose_name="number"),
        ),
        migrations.AlterField(
            model_name="auditevent", name="prev_hash", field=models.CharField(blank=True, max_length=64)
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
        migrations.RunPython(reinstall, lambda apps, schema_editor: guard.remove(schema_editor.connection)),
    ]
