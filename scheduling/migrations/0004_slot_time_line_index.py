"""The slots' time line: an index on (starts_at, resource), so that the earliest free slots across many
resources are read in time order and the search stops at the first free ones (issue 14 §7,
docs/benchmarks.md "Free-slot search")."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0003_production_calendar")]

    operations = [
        migrations.AddIndex(
            model_name="slot",
            index=models.Index(fields=["starts_at", "resource"], name="slot_starts_resource"),
        ),
    ]
