from django.db import migrations, models


class Migration(migrations.Migration):
    """``channel`` of a help request becomes ``intake_channel``: how the request reached us."""

    dependencies = [
        ("assistance", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="helprequest", old_name="channel", new_name="intake_channel"),
        migrations.AlterField(
            model_name="helprequest",
            name="intake_channel",
            field=models.CharField(
                choices=[
                    ("phone", "phone call"),
                    ("walk_in", "visit"),
                    ("api", "external system"),
                    ("case", "from a case"),
                ],
                default="phone",
                max_length=10,
                verbose_name="received by",
            ),
        ),
    ]
