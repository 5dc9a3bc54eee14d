"""Working-day arithmetic over synthetic day sources, checked against a plain day-by-day loop."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.workdays import (
    DayInfo,
    DueDate,
    DueTime,
    OfficeHours,
    SeasonalOfficeHours,
    TimeLimit,
    TimeLimitError,
    TimeUnit,
    WorkCalendar,
    add_hours,
    weekends_only,
)

OFFICE = OfficeHours.with_lunch(time(8, 30), time(12), time(14, 30), time(17, 30))


class TableSource:
    """A day source from explicit sets: weekends off unless listed, provisional from a year on."""

    def __init__(
        self,
        holidays: frozenset[date] = frozenset(),
        makeup: frozenset[date] = frozenset(),
        provisional_from: int | None = None,
    ) -> None:
        self.holidays = holidays
        self.makeup = makeup
        self.provisional_from = provisional_from
        self.calls = 0

    def __call__(self, day: date) -> DayInfo:
        self.calls += 1
        workday = day in self.makeup or (day.weekday() < 5 and day not in self.holidays)
        provisional = self.provisional_from is not None and day.year >= self.provisional_from
        return DayInfo(is_workday=workday, provisional=provisional, name=None)


def reference_add(source: TableSource, start: date, days: int) -> DueDate:
    current, provisional = start, False
    while days:
        current += timedelta(days=1)
        info = source(current)
        provisional = provisional or info.provisional
        days -= info.is_workday
    return DueDate(current, provisional)


def reference_count(source: TableSource, start: date, end: date) -> tuple[int, bool]:
    count, provisional, current = 0, False, start
    while current < end:
        current += timedelta(days=1)
        info = source(current)
        count += info.is_workday
        provisional = provisional or info.provisional
    return count, provisional


# ------------------------------------------------------------------ add / count working days


def test_start_day_is_not_counted_and_weekends_are_skipped() -> None:
    calendar = WorkCalendar(weekends_only)
    friday = date(2025, 3, 7)
    assert calendar.add_workdays(friday, 1) == DueDate(date(2025, 3, 10), False)
    assert calendar.add_workdays(date(2025, 3, 3), 5) == DueDate(date(2025, 3, 10), False)
    assert calendar.count_workdays(friday, date(2025, 3, 10)) == (1, False)


def test_zero_days_is_the_start_day_even_on_a_holiday() -> None:
    calendar = WorkCalendar(TableSource(holidays=frozenset({date(2025, 5, 1)})))
    assert calendar.add_workdays(date(2025, 5, 1), 0) == DueDate(date(2025, 5, 1), False)


def test_holidays_are_skipped_and_makeup_weekend_days_count() -> None:
    source = TableSource(
        holidays=frozenset({date(2026, 10, day) for day in range(1, 8)}),
        makeup=frozenset({date(2026, 10, 10)}),
    )
    calendar = WorkCalendar(source)
    # The 2026 National Day pattern: Mon 28 Sep + 5 working days lands on the make-up Saturday.
    assert calendar.add_workdays(date(2026, 9, 28), 5).date == date(2026, 10, 10)
    assert calendar.is_workday(date(2026, 10, 10))
    assert not calendar.is_workday(date(2026, 10, 5))


def test_negative_amounts_raise_a_chinese_domain_error() -> None:
    calendar = WorkCalendar(weekends_only)
    with pytest.raises(TimeLimitError) as raised:
        calendar.add_workdays(date(2026, 1, 5), -1)
    assert isinstance(raised.value, DomainError)
    assert raised.value.user_message == "工作日数不能为负数"
    with pytest.raises(TimeLimitError, match="natural days"):
        calendar.add_natural_days(date(2026, 1, 5), -1)


def test_count_is_negative_when_end_precedes_start() -> None:
    calendar = WorkCalendar(weekends_only)
    assert calendar.count_workdays(date(2025, 3, 10), date(2025, 3, 3)) == (-5, False)
    assert calendar.count_workdays(date(2025, 3, 3), date(2025, 3, 3)) == (0, False)


def test_ten_year_spans_match_the_day_by_day_loop() -> None:
    source = TableSource(
        holidays=frozenset(date(year, 1, 1) for year in range(2025, 2040)),
        makeup=frozenset(
            date(year, 2, 1) for year in range(2025, 2040) if date(year, 2, 1).weekday() >= 5
        ),
        provisional_from=2030,
    )
    calendar = WorkCalendar(source)
    start = date(2025, 6, 30)
    due = calendar.add_workdays(start, 2500)
    assert due == reference_add(source, start, 2500)
    assert due.provisional
    assert calendar.count_workdays(start, due.date) == (2500, True)
    assert calendar.count_workdays(start, date(2029, 12, 31)) == reference_count(
        source, start, date(2029, 12, 31)
    )


def test_provisional_only_when_a_counted_day_is_provisional() -> None:
    calendar = WorkCalendar(TableSource(provisional_from=2027))
    assert not calendar.add_workdays(date(2026, 12, 1), 5).provisional
    crossing = calendar.add_workdays(date(2026, 12, 28), 5)
    assert crossing == DueDate(date(2027, 1, 4), True)
    # The rest days of a provisional year matter too: they were skipped on a guess.
    assert calendar.count_workdays(date(2026, 12, 31), date(2027, 1, 2)) == (1, True)
    assert calendar.count_workdays(date(2026, 12, 1), date(2026, 12, 31)) == (22, False)


def test_a_provisional_rest_day_skipped_at_the_end_of_a_year_is_propagated() -> None:
    source = TableSource(holidays=frozenset({date(2026, 12, 31)}))

    def source_with_guess(day: date) -> DayInfo:
        info = source(day)
        return DayInfo(info.is_workday, provisional=day == date(2026, 12, 31))

    calendar = WorkCalendar(source_with_guess)
    assert calendar.add_workdays(date(2026, 12, 30), 1) == DueDate(date(2027, 1, 1), True)


def test_datetimes_are_counted_on_their_calendar_date() -> None:
    calendar = WorkCalendar(weekends_only)
    due = calendar.add_workdays(datetime(2025, 3, 7, 16, 45), 1)
    assert type(due.date) is date
    assert due.date == date(2025, 3, 10)
    assert calendar.count_workdays(datetime(2025, 3, 7, 9), datetime(2025, 3, 10, 9)) == (1, False)
    assert calendar.is_workday(datetime(2025, 3, 8, 9)) is False


def test_info_returns_the_source_answer() -> None:
    def named(day: date) -> DayInfo:
        return (
            DayInfo(is_workday=False, name="元旦", basis="test")
            if day.day == 1
            else weekends_only(day)
        )

    calendar = WorkCalendar(named)
    assert calendar.info(datetime(2026, 1, 1, 8)) == DayInfo(False, False, "元旦", "test")


def test_the_source_is_asked_once_per_day_however_often_a_year_is_used() -> None:
    source = TableSource()
    calendar = WorkCalendar(source)
    for _ in range(50):
        calendar.add_workdays(date(2026, 3, 2), 20)
        calendar.is_workday(date(2026, 7, 1))
    assert source.calls == 365


def test_dates_past_9999_are_refused() -> None:
    calendar = WorkCalendar(weekends_only)
    with pytest.raises(TimeLimitError) as raised:
        calendar.add_workdays(date(9999, 12, 30), 5)
    assert raised.value.user_message == "日期超出可计算范围"
    with pytest.raises(TimeLimitError):
        calendar.add_natural_days(date(9999, 12, 30), 5)


# ------------------------------------------------------------------ natural days, hours, due()


def test_natural_days_include_holidays_and_never_become_provisional() -> None:
    calendar = WorkCalendar(TableSource(provisional_from=2026))
    assert calendar.add_natural_days(date(2026, 9, 30), 15) == DueDate(date(2026, 10, 15), False)


def test_natural_days_can_roll_past_a_rest_day() -> None:
    calendar = WorkCalendar(
        TableSource(holidays=frozenset({date(2026, 10, 12)}), provisional_from=2026)
    )
    # Ends on Sat 10 Oct; Sun 11 is weekend and Mon 12 a holiday, so the period ends Tue 13 Oct.
    rolled = calendar.add_natural_days(date(2026, 10, 1), 9, roll_to_workday=True)
    assert rolled == DueDate(date(2026, 10, 13), True)
    on_workday = calendar.add_natural_days(date(2026, 10, 1), 7, roll_to_workday=True)
    assert on_workday == DueDate(date(2026, 10, 8), False)


def test_add_hours_is_plain_clock_time() -> None:
    start = datetime(2026, 9, 30, 16, 0)
    assert add_hours(start, 24) == datetime(2026, 10, 1, 16, 0)
    assert WorkCalendar(weekends_only).add_hours(start, 1.5) == datetime(2026, 9, 30, 17, 30)
    with pytest.raises(TimeLimitError, match="hours"):
        add_hours(start, -1)
    with pytest.raises(TimeLimitError):
        add_hours(datetime(9999, 12, 31, 23), 2)


def test_due_follows_the_unit_of_the_limit() -> None:
    calendar = WorkCalendar(weekends_only)
    friday = date(2025, 3, 7)
    assert calendar.due(friday, TimeLimit(1, TimeUnit.WORKING_DAY)) == DueDate(date(2025, 3, 10))
    assert calendar.due(friday, TimeLimit(15, TimeUnit.NATURAL_DAY)) == DueDate(date(2025, 3, 22))
    assert calendar.due(friday, TimeLimit(24, TimeUnit.HOUR)) == DueDate(date(2025, 3, 8))
    assert calendar.due(friday, TimeLimit(2, TimeUnit.HOUR)) == DueDate(friday)
    late = datetime(2025, 3, 7, 23, 0)
    assert calendar.due(late, TimeLimit(2, TimeUnit.HOUR)) == DueDate(date(2025, 3, 8))
    with pytest.raises(TimeLimitError):
        calendar.due(friday, TimeLimit(-2, TimeUnit.HOUR))


# ------------------------------------------------------------------ office minutes


def test_office_minutes_within_one_session() -> None:
    calendar = WorkCalendar(weekends_only)
    due = calendar.add_office_minutes(datetime(2026, 3, 2, 9, 0), 20, OFFICE)
    assert due == DueTime(datetime(2026, 3, 2, 9, 20), False)


def test_office_minutes_pause_over_lunch_and_overnight() -> None:
    calendar = WorkCalendar(weekends_only)
    lunch = calendar.add_office_minutes(datetime(2026, 3, 2, 11, 50), 20, OFFICE)
    assert lunch.at == datetime(2026, 3, 2, 14, 40)
    evening = calendar.add_office_minutes(datetime(2026, 3, 6, 17, 20), 20, OFFICE)
    assert evening.at == datetime(2026, 3, 9, 8, 40)  # Friday evening → Monday morning


def test_office_minutes_start_outside_hours_at_the_next_opening() -> None:
    calendar = WorkCalendar(weekends_only)
    assert calendar.add_office_minutes(datetime(2026, 3, 2, 7, 0), 20, OFFICE).at == datetime(
        2026, 3, 2, 8, 50
    )
    assert calendar.add_office_minutes(datetime(2026, 3, 7, 10, 0), 20, OFFICE).at == datetime(
        2026, 3, 9, 8, 50
    )
    assert calendar.add_office_minutes(datetime(2026, 3, 2, 13, 0), 30, OFFICE).at == datetime(
        2026, 3, 2, 15, 0
    )


def test_office_minutes_ending_exactly_at_closing_time_stay_that_day() -> None:
    calendar = WorkCalendar(weekends_only)
    due = calendar.add_office_minutes(datetime(2026, 3, 2, 17, 10), 20, OFFICE)
    assert due.at == datetime(2026, 3, 2, 17, 30)


def test_office_minutes_zero_negative_and_timezone() -> None:
    calendar = WorkCalendar(weekends_only)
    start = datetime(2026, 3, 7, 10, 0)
    assert calendar.add_office_minutes(start, 0, OFFICE) == DueTime(start, False)
    with pytest.raises(TimeLimitError, match="minutes"):
        calendar.add_office_minutes(start, -5, OFFICE)
    aware = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert calendar.add_office_minutes(aware, 20, OFFICE).at == datetime(
        2026, 3, 2, 9, 20, tzinfo=UTC
    )


def test_office_minutes_use_seasonal_hours_and_propagate_provisional_days() -> None:
    summer = OfficeHours.with_lunch(time(8), time(12), time(15), time(18))
    seasons = SeasonalOfficeHours(summer=summer, winter=OFFICE)
    assert seasons(date(2026, 7, 1)) is summer
    assert seasons(date(2026, 12, 1)) is OFFICE
    calendar = WorkCalendar(TableSource(provisional_from=2027))
    july = calendar.add_office_minutes(datetime(2026, 7, 1, 11, 50), 20, seasons)
    assert july == DueTime(datetime(2026, 7, 1, 15, 10), False)
    new_year = calendar.add_office_minutes(datetime(2026, 12, 31, 17, 20), 20, seasons)
    assert new_year == DueTime(datetime(2027, 1, 1, 8, 40), True)


def test_office_minutes_give_up_at_the_end_of_the_calendar() -> None:
    calendar = WorkCalendar(lambda day: DayInfo(is_workday=False))
    with pytest.raises(TimeLimitError):
        calendar.add_office_minutes(datetime(9999, 12, 30, 9), 20, OFFICE)


def test_office_time_between_counts_only_sessions_on_working_days() -> None:
    calendar = WorkCalendar(weekends_only)
    monday_9, monday_15 = datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 15)
    assert calendar.office_time_between(monday_9, monday_15, OFFICE) == timedelta(
        hours=3, minutes=30
    )
    assert calendar.office_time_between(monday_15, monday_9, OFFICE) == -timedelta(
        hours=3, minutes=30
    )
    friday_17 = datetime(2026, 3, 6, 17)
    assert calendar.office_time_between(friday_17, datetime(2026, 3, 9, 9), OFFICE) == timedelta(
        minutes=60
    )


def test_office_hours_reject_impossible_sessions() -> None:
    with pytest.raises(DomainError, match="at least one"):
        OfficeHours(())
    with pytest.raises(DomainError, match="ends before"):
        OfficeHours(((time(12), time(8)),))
    with pytest.raises(DomainError, match="overlap"):
        OfficeHours(((time(8), time(12)), (time(11), time(17))))
    with pytest.raises(DomainError, match="wall-clock"):
        OfficeHours(((time(8, tzinfo=UTC), time(12)),))


# ------------------------------------------------------------------ properties

day_in_range = st.dates(min_value=date(2024, 1, 1), max_value=date(2031, 12, 31))


@st.composite
def sources(draw: st.DrawFn) -> TableSource:
    holidays = draw(st.frozensets(day_in_range, max_size=120))
    makeup = draw(st.frozensets(day_in_range, max_size=30))
    provisional_from = draw(st.none() | st.integers(2024, 2032))
    return TableSource(holidays, makeup, provisional_from)


@settings(max_examples=100, deadline=None)
@given(source=sources(), start=day_in_range, days=st.integers(0, 600))
def test_add_matches_the_loop_and_round_trips_through_count(
    source: TableSource, start: date, days: int
) -> None:
    calendar = WorkCalendar(source)
    due = calendar.add_workdays(start, days)
    assert due == reference_add(source, start, days)
    assert calendar.count_workdays(start, due.date) == (days, due.provisional)
    assert due.date == start or calendar.is_workday(due.date)


@settings(max_examples=100, deadline=None)
@given(source=sources(), start=day_in_range, end=day_in_range)
def test_count_matches_the_loop(source: TableSource, start: date, end: date) -> None:
    calendar = WorkCalendar(source)
    expected = (
        reference_count(source, start, end) if start <= end else reference_count(source, end, start)
    )
    count, provisional = calendar.count_workdays(start, end)
    assert (abs(count), provisional) == expected
    assert count >= 0 if start <= end else count <= 0


@settings(max_examples=100, deadline=None)
@given(
    source=sources(),
    start=day_in_range,
    later_by=st.integers(0, 40),
    days=st.integers(0, 300),
    more=st.integers(1, 50),
)
def test_later_starts_and_more_days_never_give_an_earlier_deadline(
    source: TableSource, start: date, later_by: int, days: int, more: int
) -> None:
    calendar = WorkCalendar(source)
    due = calendar.add_workdays(start, days).date
    assert calendar.add_workdays(start, days + more).date > due
    assert calendar.add_workdays(start + timedelta(days=later_by), days).date >= due
