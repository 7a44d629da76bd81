"""The group of the telephony system's service account (core.roles.Role.TELEPHONY)."""

from django.db import migrations


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="telephony")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_roles")]
    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
