"""The Russian production calendar (производственный календарь) for 2025, 2026 and 2027.

Only the days that differ from the plain week are stored (scheduling.models.CalendarDay): weekdays
nobody works ("holiday") and Saturdays made working days ("working"); weekdays that are an hour shorter
before a public holiday are stored as "working" with ``shortened``. Public holidays that fall on a
Saturday or Sunday are not stored: those days are days off anyway.

Sources, year by year:

- 2025: the public holidays of Article 112 part 1 of the Labour Code (1–8 January, 23 February,
  8 March, 1 and 9 May, 12 June, 4 November) and the Government decree of 4 October 2024 No. 1335
  "On the transfer of days off in 2025": days off moved from Saturday 4 January to Friday 2 May, from
  Sunday 5 January to Wednesday 31 December, from Sunday 23 February to Thursday 8 May, from Saturday
  8 March to Friday 13 June, and from Saturday 1 November to Monday 3 November (so 1 November is a
  working Saturday). The decree replaces the moves Article 112 part 2 would otherwise make for
  23 February and 8 March (24 February and 10 March are working days). 247 working days.
- 2026: Article 112 part 1 and the Government decree of 24 September 2025 No. 1466 "On the transfer
  of days off in 2026": from Saturday 3 January to Friday 9 January and from Sunday 4 January to
  Thursday 31 December. The days off for 8 March (a Sunday) and 9 May (a Saturday) move to Monday
  9 March and Monday 11 May by Article 112 part 2 itself ("a day off that coincides with a public
  holiday moves to the next working day after the holiday", which holds for every holiday except
  1–8 January). No working Saturday. 247 working days.
- 2027: no decree on the transfers of 2027 was found when this was written, so only the law is here:
  the public holidays of Article 112 part 1 on weekdays and the moves of Article 112 part 2 (1 May,
  a Saturday, to Monday 3 May; 9 May, a Sunday, to Monday 10 May; 12 June, a Saturday, to Monday
  14 June). The two days off that coincide with 2 and 3 January are moved only by a decree, which may
  also replace the part 2 moves (as the 2025 decree did): an administrator enters the 2027 decree in
  the admin site when it is published. 249 working days until then.

Shortened days (Article 95 part 1: the working day immediately before a public holiday is an hour
shorter; not when a day off comes between): 2025 — 7 March, 30 April, 11 June, 1 November (the
working Saturday); 2026 — 30 April, 8 May, 11 June, 3 November; 2027 — 22 February, 30 April,
11 June, 3 November and 31 December (the last unless the 2027 decree makes it a day off).

Reversing removes these dates, whatever an administrator has changed in them since.
"""

import datetime

from django.db import migrations

HOLIDAY = "holiday"
WORKING = "working"

NEW_YEAR = "Новогодние каникулы"
CHRISTMAS = "Рождество Христово"
DEFENDER = "День защитника Отечества"
WOMEN = "Международный женский день"
SPRING = "Праздник Весны и Труда"
VICTORY = "День Победы"
RUSSIA = "День России"
UNITY = "День народного единства"
SHORT = "предпраздничный день, на час короче (ст. 95 ТК РФ)"
DECREE_2025 = "постановление Правительства РФ от 04.10.2024 № 1335"
DECREE_2026 = "постановление Правительства РФ от 24.09.2025 № 1466"
LAW = "ч. 2 ст. 112 ТК РФ"

# (date, kind, shortened, note)
DAYS: list[tuple[str, str, bool, str]] = [
    # 2025
    ("2025-01-01", HOLIDAY, False, NEW_YEAR),
    ("2025-01-02", HOLIDAY, False, NEW_YEAR),
    ("2025-01-03", HOLIDAY, False, NEW_YEAR),
    ("2025-01-06", HOLIDAY, False, NEW_YEAR),
    ("2025-01-07", HOLIDAY, False, CHRISTMAS),
    ("2025-01-08", HOLIDAY, False, NEW_YEAR),
    ("2025-03-07", WORKING, True, SHORT),
    ("2025-04-30", WORKING, True, SHORT),
    ("2025-05-01", HOLIDAY, False, SPRING),
    ("2025-05-02", HOLIDAY, False, f"перенос выходного с субботы 4 января ({DECREE_2025})"),
    ("2025-05-08", HOLIDAY, False, f"перенос выходного с воскресенья 23 февраля ({DECREE_2025})"),
    ("2025-05-09", HOLIDAY, False, VICTORY),
    ("2025-06-11", WORKING, True, SHORT),
    ("2025-06-12", HOLIDAY, False, RUSSIA),
    ("2025-06-13", HOLIDAY, False, f"перенос выходного с субботы 8 марта ({DECREE_2025})"),
    ("2025-11-01", WORKING, True, f"рабочая суббота, выходной перенесён на 3 ноября ({DECREE_2025}); предпраздничный день"),
    ("2025-11-03", HOLIDAY, False, f"перенос выходного с субботы 1 ноября ({DECREE_2025})"),
    ("2025-11-04", HOLIDAY, False, UNITY),
    ("2025-12-31", HOLIDAY, False, f"перенос выходного с воскресенья 5 января ({DECREE_2025})"),
    # 2026
    ("2026-01-01", HOLIDAY, False, NEW_YEAR),
    ("2026-01-02", HOLIDAY, False, NEW_YEAR),
    ("2026-01-05", HOLIDAY, False, NEW_YEAR),
    ("2026-01-06", HOLIDAY, False, NEW_YEAR),
    ("2026-01-07", HOLIDAY, False, CHRISTMAS),
    ("2026-01-08", HOLIDAY, False, NEW_YEAR),
    ("2026-01-09", HOLIDAY, False, f"перенос выходного с субботы 3 января ({DECREE_2026})"),
    ("2026-02-23", HOLIDAY, False, DEFENDER),
    ("2026-03-09", HOLIDAY, False, f"перенос выходного с воскресенья 8 марта ({LAW})"),
    ("2026-04-30", WORKING, True, SHORT),
    ("2026-05-01", HOLIDAY, False, SPRING),
    ("2026-05-08", WORKING, True, SHORT),
    ("2026-05-11", HOLIDAY, False, f"перенос выходного с субботы 9 мая ({LAW})"),
    ("2026-06-11", WORKING, True, SHORT),
    ("2026-06-12", HOLIDAY, False, RUSSIA),
    ("2026-11-03", WORKING, True, SHORT),
    ("2026-11-04", HOLIDAY, False, UNITY),
    ("2026-12-31", HOLIDAY, False, f"перенос выходного с воскресенья 4 января ({DECREE_2026})"),
    # 2027: the law only, until the decree on the transfers of 2027 is entered
    ("2027-01-01", HOLIDAY, False, NEW_YEAR),
    ("2027-01-04", HOLIDAY, False, NEW_YEAR),
    ("2027-01-05", HOLIDAY, False, NEW_YEAR),
    ("2027-01-06", HOLIDAY, False, NEW_YEAR),
    ("2027-01-07", HOLIDAY, False, CHRISTMAS),
    ("2027-01-08", HOLIDAY, False, NEW_YEAR),
    ("2027-02-22", WORKING, True, SHORT),
    ("2027-02-23", HOLIDAY, False, DEFENDER),
    ("2027-03-08", HOLIDAY, False, WOMEN),
    ("2027-04-30", WORKING, True, SHORT),
    ("2027-05-03", HOLIDAY, False, f"перенос выходного с субботы 1 мая ({LAW})"),
    ("2027-05-10", HOLIDAY, False, f"перенос выходного с воскресенья 9 мая ({LAW})"),
    ("2027-06-11", WORKING, True, SHORT),
    ("2027-06-14", HOLIDAY, False, f"перенос выходного с субботы 12 июня ({LAW})"),
    ("2027-11-03", WORKING, True, SHORT),
    ("2027-11-04", HOLIDAY, False, UNITY),
    ("2027-12-31", WORKING, True, SHORT),
]


def add(apps, schema_editor):
    CalendarDay = apps.get_model("scheduling", "CalendarDay")
    for day, kind, shortened, note in DAYS:
        CalendarDay.objects.get_or_create(
            date=datetime.date.fromisoformat(day), defaults={"kind": kind, "shortened": shortened, "note": note}
        )


def remove(apps, schema_editor):
    dates = [datetime.date.fromisoformat(day) for day, _kind, _shortened, _note in DAYS]
    apps.get_model("scheduling", "CalendarDay").objects.filter(date__in=dates).delete()


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_calendarday")]
    operations = [migrations.RunPython(add, remove)]
