"""The city-wide step templates: what the route proposes for each need until a hospital has its own
(administrators edit them, and add a hospital's own, in the admin site)."""

from django.db import migrations

# need, position, kind, title, responsible, due in days
TEMPLATES = [
    ("documents", 1, "documents", "Выяснить, каких документов нет, и подать заявления на восстановление", "coordinator", 2),
    ("relatives", 1, "relatives", "Найти родственников и связаться с ними (с согласия пациента)", "coordinator", 1),
    ("lives_alone", 1, "home_care", "Договориться с ТЦСО о помощи на дому после выписки", "tcso", 5),
    ("lives_alone", 2, "food", "Организовать доставку продуктов и лекарств на первые дни после выписки", "tcso", 5),
    ("housing", 1, "housing", "Выяснить, куда пациент вернётся после выписки, и найти безопасное жильё", "coordinator", 3),
    ("home_care", 1, "home_care", "Передать в ТЦСО заявку на социальное обслуживание на дому", "tcso", 5),
    ("devices", 1, "devices", "Заказать технические средства реабилитации к выписке", "tcso", 5),
    ("financial", 1, "benefits", "Проверить право на выплаты и льготы и помочь подать заявления", "coordinator", 7),
    ("distress", 1, "psychologist", "Консультация психолога", "psychologist", 2),
    ("crisis", 1, "psychologist", "Срочная консультация психолога", "psychologist", 0),
    ("other", 1, "other", "Уточнить, какая помощь нужна", "coordinator", 3),
]


def add(apps, schema_editor):
    StepTemplate = apps.get_model("cases", "StepTemplate")
    for need, position, kind, title, responsible, days in TEMPLATES:
        StepTemplate.objects.get_or_create(
            organisation=None, need=need, position=position,
            defaults={"kind": kind, "title": title, "responsible": responsible, "due_in_days": days},
        )


def remove(apps, schema_editor):
    apps.get_model("cases", "StepTemplate").objects.filter(organisation=None).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
