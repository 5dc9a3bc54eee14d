"""Time limits and working days (时限与工作日).

CONTRACT (shared with domain.checklist and the calendar adapter; the calendar builder fills in
the implementation and may add to it, but keeps these names and signatures):

- ``TimeUnit``: 工作日 / 日 (natural days) / 小时 — never converted into each other.
- ``TimeLimit(value, unit, note)``: a legal or promised limit as the catalogue states it.
- ``DayInfo(is_workday, provisional, name, basis)``: what one date is, from an injected source.
- ``DueDate(date, provisional)``: a computed deadline; ``provisional`` is True when any day
  counted lies in a year with no official holiday arrangement (暂定).
- ``WorkCalendar(day_info)``: arithmetic over an injected ``Callable[[date], DayInfo]``:
  ``is_workday(d)``, ``add_workdays(start, n) -> DueDate`` (the start day is not counted),
  ``count_workdays(start, end) -> tuple[int, bool]`` (days in (start, end], provisional),
  ``add_natural_days(start, n) -> DueDate``, ``due(start, limit) -> DueDate`` (by the unit;
  hours are added to a datetime elsewhere).

Additions:

- ``add_hours(start, hours) -> datetime``: plain clock hours (小时 limits), no calendar involved.
- ``WorkCalendar.add_office_minutes(start, minutes, office_hours) -> DueTime``: *business*
  minutes, counted only inside office hours (with the lunch break) on working days. This is the
  clock of the 20-minute back-office answer rule; it is deliberately not ``add_hours``.
- ``WorkCalendar.office_time_between(start, end, office_hours) -> timedelta``: the same clock run
  the other way, for a countdown.
- ``OfficeHours`` (one day's sessions) and ``SeasonalOfficeHours`` (夏季/冬季作息).
- ``add_natural_days(start, n, roll_to_workday=True)``: 民法典 Art. 203 roll-over, off by default.
- Negative amounts and dates past 9999 raise ``TimeLimitError`` (a ``DomainError``).

The day source must be a pure function of the date: ``WorkCalendar`` builds a per-year table of
cumulative working days the first time a year is touched, so that a 250-working-day deadline
costs a few list look-ups instead of a year of source calls. When the holiday data changes
(an administrator loads the next year's arrangement) build a new ``WorkCalendar``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from zhanhe_counter.domain.errors import DomainError


class TimeUnit(StrEnum):
    """时限单位."""

    WORKING_DAY = "工作日"
    NATURAL_DAY = "日"
    HOUR = "小时"


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """A time limit as published (法定/承诺办结时限): value and unit, never converted."""

    value: int
    unit: TimeUnit
    note: str | None = None


@dataclass(frozen=True, slots=True)
class DayInfo:
    """One calendar date as the calendar source sees it (日历日).

    ``name`` is the holiday a rest day or make-up working day belongs to (e.g. 国庆节);
    ``basis`` says where the answer came from (a file line, a package, 暂定推算), for admins.
    """

    is_workday: bool
    provisional: bool = False
    name: str | None = None
    basis: str | None = None


@dataclass(frozen=True, slots=True)
class DueDate:
    """A computed deadline (截止日期); provisional (暂定) when it rests on a guessed year."""

    date: date
    provisional: bool = False


@dataclass(frozen=True, slots=True)
class DueTime:
    """A computed deadline moment (截止时刻), e.g. of the 20-minute back-office answer."""

    at: datetime
    provisional: bool = False


class TimeLimitError(DomainError):
    """A deadline that cannot be computed: a negative amount, a date past 9999 (时限错误)."""


def _negative(what: str, what_zh: str) -> TimeLimitError:
    return TimeLimitError(f"{what} must not be negative", f"{what_zh}不能为负数")


def _out_of_range() -> TimeLimitError:
    return TimeLimitError("date arithmetic beyond year 9999", "日期超出可计算范围")


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """办公时间: the sessions of one working day; the gaps between them are breaks (午休).

    Example: ``OfficeHours.with_lunch(time(8, 30), time(12), time(14, 30), time(17, 30))``.
    """

    sessions: tuple[tuple[time, time], ...]

    def __post_init__(self) -> None:
        if not self.sessions:
            raise DomainError("office hours need at least one session", "办公时间至少要有一个时段")
        previous_end: time | None = None
        for opens, closes in self.sessions:
            if opens.tzinfo is not None or closes.tzinfo is not None:
                raise DomainError("office hours are local wall-clock times", "办公时间不应带时区")
            if opens >= closes:
                raise DomainError(
                    f"office session {opens}-{closes} ends before it starts",
                    f"办公时段 {opens:%H:%M}–{closes:%H:%M} 结束时间早于开始时间",
                )
            if previous_end is not None and opens < previous_end:
                raise DomainError(
                    "office sessions overlap or are out of order", "办公时段重叠或顺序不对"
                )
            previous_end = closes

    @classmethod
    def with_lunch(
        cls, opens: time, lunch_starts: time, lunch_ends: time, closes: time
    ) -> OfficeHours:
        """A morning and an afternoon session around a lunch break."""
        return cls(((opens, lunch_starts), (lunch_ends, closes)))


@dataclass(frozen=True, slots=True)
class SeasonalOfficeHours:
    """夏季/冬季作息: summer hours from ``summer_from`` through ``summer_until`` (month, day)."""

    summer: OfficeHours
    winter: OfficeHours
    summer_from: tuple[int, int] = (5, 1)
    summer_until: tuple[int, int] = (9, 30)

    def __call__(self, day: date) -> OfficeHours:
        if self.summer_from <= (day.month, day.day) <= self.summer_until:
            return self.summer
        return self.winter


OfficeSchedule = OfficeHours | Callable[[date], OfficeHours]


def add_hours(start: datetime, hours: int | float) -> datetime:
    """小时 limits: plain elapsed clock hours, nights and holidays included.

    Business-minute counting (office hours, lunch break, working days only) is a different clock:
    use ``WorkCalendar.add_office_minutes``.
    """
    if hours < 0:
        raise _negative("hours", "小时数")
    try:
        return start + timedelta(hours=hours)
    except OverflowError as error:
        raise _out_of_range() from error


class _Year:
    """One year as prefix sums: ``workdays[i]`` = working days among its first ``i`` days."""

    __slots__ = ("first_ordinal", "length", "provisional", "workdays", "year")

    def __init__(self, year: int, day_info: Callable[[date], DayInfo]) -> None:
        self.year = year
        first = date(year, 1, 1)
        self.first_ordinal = first.toordinal()
        self.length = date(year, 12, 31).toordinal() - self.first_ordinal + 1
        self.workdays = [0] * (self.length + 1)
        self.provisional = [0] * (self.length + 1)
        workdays = provisional = 0
        for index in range(self.length):
            info = day_info(date.fromordinal(self.first_ordinal + index))
            workdays += info.is_workday
            provisional += info.provisional
            self.workdays[index + 1] = workdays
            self.provisional[index + 1] = provisional

    @property
    def total(self) -> int:
        return self.workdays[self.length]

    def index(self, day: date) -> int:
        return day.toordinal() - self.first_ordinal

    def is_workday(self, index: int) -> bool:
        return self.workdays[index + 1] > self.workdays[index]

    def any_provisional(self, after: int, through: int) -> bool:
        """Whether a day with index in (after, through] is provisional; ``after=-1``: from 1 Jan."""
        return self.provisional[through + 1] > self.provisional[after + 1]


class WorkCalendar:
    """Working-day arithmetic over an injected day source (工作日历)."""

    def __init__(self, day_info: Callable[[date], DayInfo]) -> None:
        self._day_info = day_info
        self._years: dict[int, _Year] = {}

    def _year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            if year > date.max.year:
                raise _out_of_range()
            table = self._years[year] = _Year(year, self._day_info)
        return table

    def info(self, day: date) -> DayInfo:
        return self._day_info(_as_date(day))

    def is_workday(self, day: date) -> bool:
        day = _as_date(day)
        year = self._year(day.year)
        return year.is_workday(year.index(day))

    def add_workdays(self, start: date, days: int) -> DueDate:
        """The date ``days`` working days after ``start`` (the start day itself is not counted)."""
        start = _as_date(start)
        if days < 0:
            raise _negative("working days", "工作日数")
        if days == 0:
            return DueDate(start, False)
        year = self._year(start.year)
        after = year.index(start)
        # Working days still to find, counted from 1 January of ``year``.
        target = year.workdays[after + 1] + days
        provisional = False
        while target > year.total:
            provisional = provisional or year.any_provisional(after, year.length - 1)
            target -= year.total
            year = self._year(year.year + 1)
            after = -1
        index = bisect_left(year.workdays, target) - 1
        provisional = provisional or year.any_provisional(after, index)
        return DueDate(date.fromordinal(year.first_ordinal + index), provisional)

    def count_workdays(self, start: date, end: date) -> tuple[int, bool]:
        """Working days in (start, end]; negative when end is before start."""
        start, end = _as_date(start), _as_date(end)
        if end < start:
            count, provisional = self.count_workdays(end, start)
            return -count, provisional
        year = self._year(start.year)
        after = year.index(start)
        count = 0
        provisional = False
        while year.first_ordinal + year.length <= end.toordinal():
            count += year.total - year.workdays[after + 1]
            provisional = provisional or year.any_provisional(after, year.length - 1)
            year = self._year(year.year + 1)
            after = -1
        through = year.index(end)
        count += year.workdays[through + 1] - year.workdays[after + 1]
        provisional = provisional or year.any_provisional(after, through)
        return count, provisional

    def add_natural_days(self, start: date, days: int, *, roll_to_workday: bool = False) -> DueDate:
        """Natural days (日): calendar days, holidays included; never provisional by default.

        ``roll_to_workday`` applies 民法典 Art. 203 (a period whose last day is a rest day ends on
        the next working day); then the result can be provisional.
        """
        start = _as_date(start)
        if days < 0:
            raise _negative("natural days", "天数")
        try:
            end = start + timedelta(days=days)
        except OverflowError as error:
            raise _out_of_range() from error
        if not roll_to_workday or self.is_workday(end):
            return DueDate(end, False)
        return self.add_workdays(end, 1)

    def add_hours(self, start: datetime, hours: int | float) -> datetime:
        """Plain clock hours; see the module-level ``add_hours``."""
        return add_hours(start, hours)

    def due(self, start: date, limit: TimeLimit) -> DueDate:
        """The deadline date of a limit, by its unit.

        Hour limits: pass a ``datetime`` to get the exact date; with a bare date the result is
        ``start`` plus whole days of the hours (a 24-hour limit is due the next day).
        """
        if limit.unit is TimeUnit.WORKING_DAY:
            return self.add_workdays(start, limit.value)
        if limit.unit is TimeUnit.NATURAL_DAY:
            return self.add_natural_days(start, limit.value)
        if isinstance(start, datetime):
            return DueDate(add_hours(start, limit.value).date(), False)
        if limit.value < 0:
            raise _negative("hours", "小时数")
        return self.add_natural_days(start, limit.value // 24)

    def add_office_minutes(
        self, start: datetime, minutes: int | float, office_hours: OfficeSchedule
    ) -> DueTime:
        """The moment ``minutes`` office minutes after ``start`` (后台20分钟答复时限).

        Only time inside office sessions on working days counts; a start outside office hours
        begins counting at the next opening. ``provisional`` when any day looked at is.
        """
        if minutes < 0:
            raise _negative("minutes", "分钟数")
        remaining = timedelta(minutes=minutes)
        if not remaining:
            return DueTime(start, False)
        provisional = False
        moment = start
        day = start.date()
        while True:
            workday, day_provisional = self._workday_and_provisional(day)
            provisional = provisional or day_provisional
            if workday:
                for opens, closes in _sessions(office_hours, day):
                    session_end = datetime.combine(day, closes, start.tzinfo)
                    begin = max(datetime.combine(day, opens, start.tzinfo), moment)
                    if session_end <= begin:
                        continue
                    if remaining <= session_end - begin:
                        return DueTime(begin + remaining, provisional)
                    remaining -= session_end - begin
            day = _next_day(day)
            moment = datetime.combine(day, time(0), start.tzinfo)

    def office_time_between(
        self, start: datetime, end: datetime, office_hours: OfficeSchedule
    ) -> timedelta:
        """Office time in [start, end) on working days; negative when end is before start."""
        if end < start:
            return -self.office_time_between(end, start, office_hours)
        total = timedelta(0)
        day = start.date()
        while day <= end.date():
            if self.is_workday(day):
                for opens, closes in _sessions(office_hours, day):
                    begin = max(datetime.combine(day, opens, start.tzinfo), start)
                    finish = min(datetime.combine(day, closes, start.tzinfo), end)
                    if finish > begin:
                        total += finish - begin
            day = _next_day(day)
        return total

    def _workday_and_provisional(self, day: date) -> tuple[bool, bool]:
        year = self._year(day.year)
        index = year.index(day)
        return year.is_workday(index), year.any_provisional(index - 1, index)


def _as_date(day: date) -> date:
    # A datetime is a date; counting must happen on its calendar date, not carry the clock along.
    return day.date() if isinstance(day, datetime) else day


def _next_day(day: date) -> date:
    if day == date.max:
        raise _out_of_range()
    return day + timedelta(days=1)


def _sessions(office_hours: OfficeSchedule, day: date) -> tuple[tuple[time, time], ...]:
    schedule = office_hours if isinstance(office_hours, OfficeHours) else office_hours(day)
    return schedule.sessions


def weekends_only(day: date) -> DayInfo:
    """A day source with no holidays at all: for tests and as the provisional base."""
    return DayInfo(is_workday=day.weekday() < 5)
