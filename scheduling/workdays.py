"""Counting in working days on the production calendar (scheduling.models.CalendarDay).

A day is a working day when it is Monday to Friday and not stored as a non-working day, or a Saturday
or Sunday stored as a working day (a transfer). Dates outside the years the calendar holds follow the
plain week.

The convention, as Russian law counts a term in days (Civil Code Article 191: a term starts on the day
after the event): the day of the event is day 0 and is never counted. "Within 3 working days of the
suspicion" means ``due = add_working_days(suspicion_date, 3)``: the third working day after the
suspicion, whatever weekday the suspicion fell on, and the step is on time if done on or before ``due``.
``working_days_between(start, end)`` counts the working days after ``start`` up to and including
``end``, so ``working_days_between(d, add_working_days(d, n)) == n`` for every ``n >= 1`` and a step done
on ``end`` took that many working days.

Dates are calendar dates in the city's time zone: pass ``timezone.localdate(moment)``, not a UTC date.

The calendar rows are held per process (core.refcache, CALENDAR_TTL seconds): the whole table, a few
dozen rows a year, so any date can be asked without a query. An administrator's change clears the copy
of the process that saved it at once, other processes see it within CALENDAR_TTL; a due date computed
in that minute with the old calendar is acceptable, since calendars change months ahead of the days.
"""

import bisect
import datetime
from dataclasses import dataclass, field

from core.refcache import ReferenceCache
from scheduling.models import CalendarDay

CALENDAR_TTL = 60.0

_ONE_DAY = datetime.timedelta(days=1)
_SATURDAY = 5


@dataclass(frozen=True)
class WorkCalendar:
    """The production calendar's exceptions to the plain week, ready for counting."""

    holidays: frozenset[datetime.date] = frozenset()
    working: frozenset[datetime.date] = frozenset()
    shortened: frozenset[datetime.date] = frozenset()
    # Ordinals of the exceptions that change a count: non-working weekdays, working weekend days.
    _holiday_ordinals: list[int] = field(init=False, repr=False, compare=False)
    _working_ordinals: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_holiday_ordinals", sorted(d.toordinal() for d in self.holidays if d.weekday() < _SATURDAY)
        )
        object.__setattr__(
            self, "_working_ordinals", sorted(d.toordinal() for d in self.working if d.weekday() >= _SATURDAY)
        )

    @property
    def years(self) -> frozenset[int]:
        """The years with at least one stored day: beyond them the calendar is only the plain week."""
        return frozenset(d.year for d in self.holidays | self.working | self.shortened)

    def is_working(self, day: datetime.date) -> bool:
        if day.weekday() >= _SATURDAY:
            return day in self.working
        return day not in self.holidays

    def count_after(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end`` (``start <= end``), in constant time
        for the plain weeks and a binary search over the exceptions."""
        low, high = start.toordinal(), end.toordinal()
        weekdays = _weekdays_up_to(high) - _weekdays_up_to(low)
        holidays = bisect.bisect_right(self._holiday_ordinals, high) - bisect.bisect_right(self._holiday_ordinals, low)
        working = bisect.bisect_right(self._working_ordinals, high) - bisect.bisect_right(self._working_ordinals, low)
        return weekdays - holidays + working


def _weekdays_up_to(ordinal: int) -> int:
    """Mondays to Fridays from 1 January of year 1 (a Monday, ordinal 1) up to ``ordinal`` inclusive."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


def _load() -> WorkCalendar:
    holidays: set[datetime.date] = set()
    working: set[datetime.date] = set()
    shortened: set[datetime.date] = set()
    for day, kind, short in CalendarDay.objects.values_list("date", "kind", "shortened"):
        (holidays if kind == CalendarDay.Kind.HOLIDAY else working).add(day)
        if short:
            shortened.add(day)
    return WorkCalendar(frozenset(holidays), frozenset(working), frozenset(shortened))


_calendar: ReferenceCache[WorkCalendar] = ReferenceCache(_load, ttl=CALENDAR_TTL, models=[CalendarDay])


def _use(calendar: WorkCalendar | None) -> WorkCalendar:
    return calendar if calendar is not None else _calendar.get()


def current_calendar() -> WorkCalendar:
    """The production calendar as this process holds it."""
    return _calendar.get()


def is_working_day(day: datetime.date, *, calendar: WorkCalendar | None = None) -> bool:
    """Whether ``day`` is a working day: Monday to Friday unless a non-working day, Saturday and Sunday
    only when made a working day by a transfer."""
    return _use(calendar).is_working(day)


def is_shortened_day(day: datetime.date, *, calendar: WorkCalendar | None = None) -> bool:
    """Whether ``day`` is a working day an hour shorter than usual (before a public holiday)."""
    cal = _use(calendar)
    return day in cal.shortened and cal.is_working(day)


def add_working_days(start: datetime.date, n: int, *, calendar: WorkCalendar | None = None) -> datetime.date:
    """The ``n``-th working day after ``start`` (``start`` itself is day 0 and never counted).

    ``n == 0`` gives ``start`` when it is a working day, else the next working day (something due "the
    same day" on a Sunday is due on Monday). A negative ``n`` counts back: the ``|n|``-th working day
    before ``start``. The answer is always a working day. Steps day by day, so it costs about ``1.4 n``
    set look-ups: well under a microsecond per day.
    """
    cal = _use(calendar)
    day = start
    if n == 0:
        while not cal.is_working(day):
            day += _ONE_DAY
        return day
    step = _ONE_DAY if n > 0 else -_ONE_DAY
    remaining = abs(n)
    while remaining:
        day += step
        if cal.is_working(day):
            remaining -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date, *, calendar: WorkCalendar | None = None) -> int:
    """The number of working days after ``start`` up to and including ``end``; 0 when they are the same
    day, and the negative of ``working_days_between(end, start)`` when ``end`` is before ``start``.

    A step due ``add_working_days(start, n)`` and done on ``end`` was late when this exceeds ``n``.
    Costs the same for any distance between the dates.
    """
    cal = _use(calendar)
    if end < start:
        return -cal.count_after(end, start)
    return cal.count_after(start, end)
