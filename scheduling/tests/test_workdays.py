"""Working days on the production calendar: the seeded Russian calendar, the counting convention, its
properties, the per-process copy, and administrators keeping the calendar in Django admin."""

import datetime
import time

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.models import CalendarDay
from scheduling.workdays import (
    WorkCalendar,
    add_working_days,
    current_calendar,
    is_shortened_day,
    is_working_day,
    working_days_between,
)

D = datetime.date
pytestmark = pytest.mark.django_db


def working_days_of(year: int) -> int:
    return working_days_between(D(year - 1, 12, 31), D(year, 12, 31))


# --- the seeded calendar -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        *[D(2026, 1, d) for d in (1, 2, 5, 6, 7, 8)],  # New Year holidays and Christmas on weekdays
        D(2026, 1, 9),  # the day off moved from Saturday 3 January
        D(2026, 2, 23),
        D(2026, 3, 9),  # 8 March is a Sunday: its day off moves to Monday (Labour Code 112 part 2)
        D(2026, 5, 1),
        D(2026, 5, 11),  # 9 May is a Saturday
        D(2026, 6, 12),
        D(2026, 11, 4),
        D(2026, 12, 31),  # the day off moved from Sunday 4 January
    ],
)
def test_public_holidays_and_transferred_days_off_of_2026_are_not_working(day: datetime.date) -> None:
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 1, 12),  # the first working day of the year
        D(2026, 2, 20),
        D(2026, 3, 10),
        D(2026, 5, 12),
        D(2026, 11, 3),
        D(2026, 12, 30),
    ],
)
def test_weekdays_around_the_holidays_of_2026_are_working(day: datetime.date) -> None:
    assert is_working_day(day)


def test_weekends_of_2026_are_days_off_and_none_is_worked() -> None:
    assert not is_working_day(D(2026, 3, 7)) and not is_working_day(D(2026, 3, 8))
    assert not CalendarDay.objects.filter(date__year=2026, kind="working", date__week_day__in=[1, 7]).exists()


def test_the_working_saturday_of_2025_is_a_working_day_and_its_monday_is_not() -> None:
    assert is_working_day(D(2025, 11, 1))
    assert not is_working_day(D(2025, 11, 3))


def test_the_2025_decree_moved_the_february_and_march_days_off_to_may_and_june() -> None:
    assert is_working_day(D(2025, 2, 24)) and is_working_day(D(2025, 3, 10))
    assert not is_working_day(D(2025, 5, 8)) and not is_working_day(D(2025, 6, 13))


def test_2027_holds_the_labour_code_holidays_and_its_automatic_moves() -> None:
    assert not is_working_day(D(2027, 1, 4))
    assert not is_working_day(D(2027, 3, 8))
    assert not is_working_day(D(2027, 5, 3))  # 1 May is a Saturday
    assert not is_working_day(D(2027, 5, 10))  # 9 May is a Sunday
    assert not is_working_day(D(2027, 6, 14))  # 12 June is a Saturday
    assert is_working_day(D(2027, 12, 31))


def test_the_years_have_the_official_number_of_working_days() -> None:
    # 2025 and 2026: the production calendars published with the decrees. 2027: the law alone, until the
    # decree moves the two days off of 2 and 3 January.
    assert (working_days_of(2025), working_days_of(2026), working_days_of(2027)) == (247, 247, 249)


def test_shortened_days_before_holidays_of_2026() -> None:
    shortened = [D(2026, 4, 30), D(2026, 5, 8), D(2026, 6, 11), D(2026, 11, 3)]
    assert all(is_shortened_day(day) for day in shortened)
    assert not is_shortened_day(D(2026, 2, 20))  # a weekend comes between it and 23 February
    assert current_calendar().shortened >= set(shortened)


def test_a_year_without_data_follows_the_plain_week() -> None:
    assert 2028 not in current_calendar().years
    assert not is_working_day(D(2028, 1, 1))  # a Saturday
    assert is_working_day(D(2028, 1, 3))  # a Monday: the 2028 holidays are not entered yet


# --- the convention -----------------------------------------------------------------------------------


def test_due_within_3_working_days_of_a_suspicion_counts_from_the_next_day() -> None:
    assert add_working_days(D(2026, 2, 2), 3) == D(2026, 2, 5)  # Monday -> Thursday
    assert add_working_days(D(2026, 2, 5), 3) == D(2026, 2, 10)  # Thursday -> Tuesday over a weekend


def test_due_dates_skip_the_new_year_holidays() -> None:
    assert add_working_days(D(2025, 12, 30), 3) == D(2026, 1, 14)
    assert add_working_days(D(2026, 1, 3), 7) == D(2026, 1, 20)


def test_due_dates_skip_a_moved_day_off() -> None:
    assert add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 10)


def test_a_suspicion_on_a_holiday_counts_from_the_next_working_day() -> None:
    assert add_working_days(D(2026, 5, 9), 3) == D(2026, 5, 14)


def test_zero_days_is_the_same_day_or_the_next_working_one() -> None:
    assert add_working_days(D(2026, 2, 20), 0) == D(2026, 2, 20)
    assert add_working_days(D(2026, 2, 21), 0) == D(2026, 2, 24)


def test_negative_days_count_back() -> None:
    assert add_working_days(D(2026, 1, 12), -1) == D(2025, 12, 30)
    assert add_working_days(D(2026, 3, 10), -2) == D(2026, 3, 5)


def test_counting_between_days() -> None:
    assert working_days_between(D(2026, 2, 2), D(2026, 2, 5)) == 3
    assert working_days_between(D(2026, 2, 5), D(2026, 2, 2)) == -3
    assert working_days_between(D(2026, 2, 7), D(2026, 2, 7)) == 0
    assert working_days_between(D(2026, 2, 6), D(2026, 2, 8)) == 0  # Friday to Sunday
    assert working_days_between(D(2026, 1, 1), D(2026, 1, 31)) == 15


# --- properties ----------------------------------------------------------------------------------------

days = st.dates(min_value=D(2024, 6, 1), max_value=D(2028, 6, 30))
counts = st.integers(min_value=1, max_value=400)
NO_DB_FIXTURE_CHECK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300)


def naive_add(calendar: WorkCalendar, start: datetime.date, n: int) -> datetime.date:
    day = start
    while n:
        day += datetime.timedelta(days=1)
        n -= calendar.is_working(day)
    return day


def naive_between(calendar: WorkCalendar, start: datetime.date, end: datetime.date) -> int:
    if end < start:
        return -naive_between(calendar, end, start)
    span = (end - start).days
    return sum(calendar.is_working(start + datetime.timedelta(days=k)) for k in range(1, span + 1))


@NO_DB_FIXTURE_CHECK
@given(start=days, n=counts)
def test_counting_the_days_added_gives_them_back(start: datetime.date, n: int) -> None:
    due = add_working_days(start, n)
    assert working_days_between(start, due) == n
    assert working_days_between(due, start) == -n


@NO_DB_FIXTURE_CHECK
@given(start=days, n=st.integers(min_value=-400, max_value=400))
def test_the_result_is_always_a_working_day(start: datetime.date, n: int) -> None:
    assert is_working_day(add_working_days(start, n))


@NO_DB_FIXTURE_CHECK
@given(start=days, n=counts)
def test_the_due_date_is_the_first_day_with_n_working_days(start: datetime.date, n: int) -> None:
    due = add_working_days(start, n)
    assert due > start
    assert working_days_between(start, due - datetime.timedelta(days=1)) == n - 1


@NO_DB_FIXTURE_CHECK
@given(first=days, second=days, n=st.integers(min_value=0, max_value=60))
def test_a_later_start_is_never_due_earlier(first: datetime.date, second: datetime.date, n: int) -> None:
    early, late = sorted([first, second])
    assert add_working_days(early, n) <= add_working_days(late, n)
    assert add_working_days(early, n) <= add_working_days(early, n + 1)


@NO_DB_FIXTURE_CHECK
@given(start=days, middle=days, end=days)
def test_counts_add_up_over_a_middle_day(start: datetime.date, middle: datetime.date, end: datetime.date) -> None:
    assert working_days_between(start, end) == working_days_between(start, middle) + working_days_between(middle, end)


# Random calendars, holidays and transfers on any day, against the plain day-by-day count.
some_days = st.frozensets(st.dates(min_value=D(2025, 12, 1), max_value=D(2026, 3, 1)), max_size=40)


@settings(max_examples=300)
@given(
    holidays=some_days,
    working=some_days,
    start=st.dates(min_value=D(2025, 11, 1), max_value=D(2026, 3, 31)),
    end=st.dates(min_value=D(2025, 11, 1), max_value=D(2026, 3, 31)),
    n=st.integers(min_value=-80, max_value=80),
)
def test_the_fast_count_agrees_with_counting_day_by_day(
    holidays: frozenset[datetime.date],
    working: frozenset[datetime.date],
    start: datetime.date,
    end: datetime.date,
    n: int,
) -> None:
    calendar = WorkCalendar(holidays=holidays, working=working - holidays)
    assert working_days_between(start, end, calendar=calendar) == naive_between(calendar, start, end)
    if n > 0:
        assert add_working_days(start, n, calendar=calendar) == naive_add(calendar, start, n)


def test_ten_thousand_due_dates_take_well_under_a_second() -> None:
    starts = [D(2025, 1, 1) + datetime.timedelta(days=k % 1000) for k in range(10_000)]
    current_calendar()  # loaded once, as every request after the first finds it
    began = time.perf_counter()
    dues = [add_working_days(start, (3, 7)[k % 2]) for k, start in enumerate(starts)]
    counted = [working_days_between(start, due) for start, due in zip(starts, dues, strict=True)]
    elapsed = time.perf_counter() - began
    assert counted == [(3, 7)[k % 2] for k in range(10_000)]
    assert elapsed < 0.5


# --- the per-process copy and the admin site --------------------------------------------------------------


def test_the_calendar_is_read_once_per_process(django_assert_num_queries) -> None:
    current_calendar()
    with django_assert_num_queries(0):
        add_working_days(D(2026, 5, 1), 7)
        working_days_between(D(2026, 1, 1), D(2026, 12, 31))


def test_a_saved_day_reaches_the_calendar_at_once() -> None:
    assert add_working_days(D(2026, 7, 6), 1) == D(2026, 7, 7)
    CalendarDay.objects.create(date=D(2026, 7, 7), kind="holiday", note="test")
    assert add_working_days(D(2026, 7, 6), 1) == D(2026, 7, 8)
    CalendarDay.objects.filter(date=D(2026, 7, 7)).get().delete()
    assert add_working_days(D(2026, 7, 6), 1) == D(2026, 7, 7)


def add_holiday_through_admin(client, day: str = "2026-07-07"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("admin:scheduling_calendarday_add"),
        {"date": day, "kind": "holiday", "note": "Перенос по новому постановлению"},
    )


def test_administrator_adds_a_holiday_and_due_dates_move(client, make_user) -> None:
    assert add_working_days(D(2026, 7, 6), 1) == D(2026, 7, 7)
    client.force_login(make_user("administrator", is_staff=True))

    response = add_holiday_through_admin(client)

    assert response.status_code == 302
    assert CalendarDay.objects.get(date=D(2026, 7, 7)).kind == "holiday"
    assert not is_working_day(D(2026, 7, 7))
    assert add_working_days(D(2026, 7, 6), 1) == D(2026, 7, 8)


def test_administrator_sees_the_calendar_by_year(client, make_user) -> None:
    client.force_login(make_user("administrator", is_staff=True))

    page = client.get(reverse("admin:scheduling_calendarday_changelist"), {"date__year": "2026"})

    assert page.status_code == 200
    assert page.context["cl"].result_count == CalendarDay.objects.filter(date__year=2026).count() == 18
    assert "Рождество Христово" in page.content.decode()


def test_a_holiday_on_a_sunday_is_refused_with_the_reason(client, make_user) -> None:
    client.force_login(make_user("administrator", is_staff=True))

    response = add_holiday_through_admin(client, "2026-07-05")

    assert response.status_code == 200
    assert "Суббота и воскресенье и так выходные" in response.content.decode()
    assert not CalendarDay.objects.filter(date=D(2026, 7, 5)).exists()


@pytest.mark.parametrize("role", ["supervisor", "navigator", "psychologist", "operator"])
def test_other_roles_cannot_add_a_holiday(client, make_user, role: str) -> None:
    client.force_login(make_user(role, is_staff=True))

    response = add_holiday_through_admin(client)

    assert response.status_code in (302, 403)
    assert not CalendarDay.objects.filter(date=D(2026, 7, 7)).exists()
    assert is_working_day(D(2026, 7, 7))
