"""The default taxonomy of topics (administrators change it in the admin site)."""

from django.db import migrations

TOPICS = [
    ("illness", "Болезнь и лечение", [
        ("diagnosis", "Тревога из-за диагноза"),
        ("treatment_fear", "Страх перед лечением или операцией"),
        ("pain", "Боль, слабость, побочные действия лечения"),
        ("treatment_motivation", "Настрой на лечение"),
    ]),
    ("family", "Семья и близкие", [
        ("family_relations", "Отношения в семье"),
        ("caregiver", "Уход за больным близким"),
        ("telling_children", "Как рассказать детям"),
    ]),
    ("grief", "Утрата и горе", [
        ("bereavement", "Смерть близкого человека"),
        ("end_of_life", "Паллиативная помощь, конец жизни"),
    ]),
    ("crisis", "Кризисное состояние", [
        ("suicide_risk", "Суицидальные мысли"),
        ("acute_stress", "Острая стрессовая реакция"),
        ("violence", "Насилие"),
    ]),
    ("emotions", "Эмоциональное состояние", [
        ("anxiety", "Тревога"),
        ("low_mood", "Подавленное настроение"),
        ("loneliness", "Одиночество"),
    ]),
    ("life", "Жизненные обстоятельства", [
        ("work_money", "Работа и деньги"),
        ("return_to_life", "Возвращение к обычной жизни"),
    ]),
]


def add_topics(apps, schema_editor):
    Topic = apps.get_model("psych", "Topic")
    for position, (code, name, children) in enumerate(TOPICS, start=1):
        parent, _ = Topic.objects.get_or_create(code=code, defaults={"name": name, "position": position * 10})
        for child_position, (child_code, child_name) in enumerate(children, start=1):
            Topic.objects.get_or_create(
                code=child_code, defaults={"name": child_name, "parent": parent, "position": child_position}
            )


class Migration(migrations.Migration):
    dependencies = [("psych", "0002_initial")]
    operations = [migrations.RunPython(add_topics, migrations.RunPython.noop)]
