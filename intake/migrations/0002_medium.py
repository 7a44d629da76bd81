from django.db import migrations, models


class Migration(migrations.Migration):
    """An interaction's ``channel`` (phone, visit, message) is its ``medium`` in code; the column keeps its name."""

    dependencies = [
        ("intake", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(model_name="interaction", old_name="channel", new_name="medium"),
                migrations.AlterField(
                    model_name="interaction",
                    name="medium",
                    field=models.CharField(
                        choices=[("phone", "phone"), ("visit", "visit"), ("message", "message")],
                        db_column="channel",
                        default="phone",
                        max_length=10,
                        verbose_name="medium",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
