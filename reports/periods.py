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
