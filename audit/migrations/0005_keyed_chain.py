"""The chain is sealed with an HMAC under a key kept outside the database from here on.

Entries sealed before this migration keep their plain SHA-256 hashes (the journal is append-only, they
cannot be sealed again): ``keyed_from`` records where the keyed chain starts, and the head file, written
outside the database from the sealer's next run, records it too. ChainHead has no triggers, so those of
the journal table stay as they are.
"""

from django.db import migrations, models


def mark_sealed_entries_unkeyed(apps, schema_editor):
    ChainHead = apps.get_model("audit", "ChainHead")
    for head in ChainHead.objects.all():
        head.keyed_from = head.seq + 1
        head.save(update_fields=["keyed_from"])


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_origin")]

    operations = [
        migrations.AddField(
            model_name="chainhead", name="keyed_from", field=models.PositiveBigIntegerField(default=1)
        ),
        migrations.RunPython(mark_sealed_entries_unkeyed, migrations.RunPython.noop),
    ]
