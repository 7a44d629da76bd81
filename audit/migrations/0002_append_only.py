"""The database itself refuses to change or remove journal entries; the chain head starts at 0."""

from django.db import migrations

from audit import guard


def install(apps, schema_editor):
    guard.install(schema_editor.connection)
    apps.get_model("audit", "ChainHead").objects.get_or_create(pk=1)


def uninstall(apps, schema_editor):
    guard.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
