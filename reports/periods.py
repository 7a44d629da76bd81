"""The periods every figure of the dashboard is counted over."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

CODES = ("today", "week", "30d")


@dataclass
class Period:
    code: str
    start: datetime.datetime
    end: datetime.datetime


def period(code: str, now: datetime.datetime | None = None) -> Period:
    """today, week (since Monday) or 30 days, in Moscow time."""
    now = timezone.localtime(now or timezone.now())
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if code == "week":
        return Period("week", midnight - datetime.timedelta(days=now.weekday()), now)
    if code == "30d":
        return Period("30d", midnight - datetime.timedelta(days=29), now)
    return Period("today", midnight, now)


# The longest from–to period the dashboard counts over: a year, a leap one included.
MAX_DAYS = 366


def between(first: datetime.date, last: datetime.date) -> Period:
    """From the start of ``first`` to the end of ``last`` (both days included), in Moscow time."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(last, datetime.time.max, tzinfo=zone)
    return Period("range", start, end)


def days(when: Period) -> list[datetime.date]:
    """Every Moscow calendar day the period touches, in order."""
    first, last = timezone.localtime(when.start).date(), timezone.localtime(when.end).date()
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
