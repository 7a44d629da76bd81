from django.db import migrations, models


class Migration(migrations.Migration):
    """The journal's ui/api column is called ``origin`` in code; the column itself keeps its name."""

    dependencies = [
        ("audit", "0003_seal_asynchronously"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(model_name="auditevent", old_name="channel", new_name="origin"),
                migrations.AlterField(
                    model_name="auditevent",
                    name="origin",
                    field=models.CharField(db_column="channel", default="ui", max_length=10, verbose_name="origin"),
                ),
            ],
            database_operations=[],
        ),
    ]
