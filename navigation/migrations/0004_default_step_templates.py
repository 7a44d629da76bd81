"""The default journey step templates: the target times of the current Russian rules (the Programme of
state guarantees of free medical care; order 548n on dispensary observation of adults with cancer).
Administrators change them in the admin site; a journey keeps the due dates it was given."""

from django.db import migrations

DEFAULTS = [
    # stage, position, milestone, title, target working days, every months, times
    ("suspicion", 1, "oncologist", "Консультация онколога (ЦАОП)", 3, None, None),
    ("diagnostics", 1, "diagnostics", "Диагностические исследования (КТ, МРТ, биопсия)", 7, None, None),
    ("diagnosis", 1, "dispensary", "Постановка на диспансерное наблюдение", 3, None, None),
    ("diagnosis", 2, "tumour_board", "Онкологический консилиум", 5, None, None),
    ("diagnosis", 3, "treatment_start", "Начало специализированного лечения", 7, None, None),
    ("follow_up", 1, "follow_up", "Диспансерный приём: первый год, раз в 3 месяца", None, 3, 4),
    ("follow_up", 2, "follow_up", "Диспансерный приём: второй год, раз в 6 месяцев", None, 6, 2),
    ("follow_up", 3, "follow_up", "Диспансерный приём: далее раз в год, пожизненно", None, 12, None),
]


def add_defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    StepTemplate = apps.get_model("navigation", "StepTemplate")
    if StepTemplate.objects.exists():
        return
    StepTemplate.objects.bulk_create(
        StepTemplate(
            stage=stage,
            position=position,
            milestone=milestone,
            title=title,
            target_working_days=target,
            interval_months=every,
            times=times,
        )
        for stage, position, milestone, title, target, every, times in DEFAULTS
    )


class Migration(migrations.Migration):
    dependencies = [("navigation", "0003_journey_steps")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
