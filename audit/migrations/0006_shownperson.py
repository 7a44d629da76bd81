"""The journal head gets its plural name. Citizens shown by search and screen-pop entries get an index beside the journal (the journal is not
changed); the entries written before it are indexed from their ``details["shown"]``."""

from django.db import migrations, models

BATCH = 2000


def index_existing(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ShownPerson = apps.get_model("audit", "ShownPerson")
    rows = []
    for event_id, details in AuditEvent.objects.filter(action="search").values_list("id", "details").iterator():
        shown = details.get("shown") if isinstance(details, dict) else None
        for person_id in {p for p in shown or () if isinstance(p, int)}:
            rows.append(ShownPerson(event_id=event_id, person_id=person_id))
        if len(rows) >= BATCH:
            ShownPerson.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    ShownPerson.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_keyed_chain")]

    operations = [
        migrations.CreateModel(
            name="ShownPerson",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("person_id", models.BigIntegerField()),
                (
                    "event",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to="audit.auditevent",
                    ),
                ),
            ],
            options={
                "verbose_name": "citizen shown by a journal entry",
                "verbose_name_plural": "citizens shown by journal entries",
                "default_permissions": (),
                "constraints": [
                    models.UniqueConstraint(fields=("person_id", "event"), name="audit_shown_person_event")
                ],
            },
        ),
        migrations.AlterModelOptions(
            name="chainhead", options={"verbose_name": "journal head", "verbose_name_plural": "journal heads"}
        ),
        migrations.RunPython(index_existing, migrations.RunPython.noop),
    ]
