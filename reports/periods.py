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


@dataclass
class Split:
    """A period as whole Moscow days (``days``: the first and last, or None) and the parts of days left
    over (``rest``: the start of a first day begun after midnight, today up to now), each its own Period."""

    days: tuple[datetime.date, datetime.date] | None
    rest: list[Period]


def split(when: Period) -> Split:
    """``when`` cut into whole days of the city's time zone, which daily tallies count, and the rest, which
    is counted row by row. A period counted in another zone than the city's has no whole days here."""
    zone = timezone.get_default_timezone()
    if timezone.get_current_timezone_name() != timezone.get_default_timezone_name():
        return Split(None, [when])
    start, end = timezone.localtime(when.start, zone), timezone.localtime(when.end, zone)
    first = start.date() if start.time() == datetime.time.min else start.date() + datetime.timedelta(days=1)
    last = end.date() if end.time() == datetime.time.max else end.date() - datetime.timedelta(days=1)
    if first > last:
        return Split(None, [when])
    rest = []
    first_start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
    last_end = datetime.datetime.combine(last, datetime.time.max, tzinfo=zone)
    tick = datetime.timedelta(microseconds=1)
    if when.start < first_start:
        rest.append(Period(when.code, when.start, first_start - tick))
    if when.end > last_end:
        rest.append(Period(when.code, last_end + tick, when.end))
    return Split((first, last), rest)
