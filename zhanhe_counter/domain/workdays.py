"""Time limits and working days (时限与工作日).

CONTRACT (shared with domain.checklist and the calendar adapter; the calendar builder fills in
the implementation and may add to it, but keeps these names and signatures):

- ``TimeUnit``: 工作日 / 日 (natural days) / 小时 — never converted into each other.
- ``TimeLimit(value, unit, note)``: a legal or promised limit as the catalogue states it.
- ``DayInfo(is_workday, provisional, name)``: what one date is, from an injected source.
- ``DueDate(date, provisional)``: a computed deadline; ``provisional`` is True when any day
  counted lies in a year with no official holiday arrangement (暂定).
- ``WorkCalendar(day_info)``: arithmetic over an injected ``Callable[[date], DayInfo]``:
  ``is_workday(d)``, ``add_workdays(start, n) -> DueDate`` (the start day is not counted),
  ``count_workdays(start, end) -> tuple[int, bool]`` (days in (start, end], provisional),
  ``add_natural_days(start, n) -> DueDate``, ``due(start, limit) -> DueDate`` (by the unit;
  hours are added to a datetime elsewhere).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


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
    """One calendar date as the calendar source sees it."""

    is_workday: bool
    provisional: bool = False
    name: str | None = None


@dataclass(frozen=True, slots=True)
class DueDate:
    """A computed deadline (截止日期); provisional (暂定) when it rests on a guessed year."""

    date: date
    provisional: bool = False


class WorkCalendar:
    """Working-day arithmetic over an injected day source (工作日历)."""

    def __init__(self, day_info: Callable[[date], DayInfo]) -> None:
        self._day_info = day_info

    def info(self, day: date) -> DayInfo:
        return self._day_info(day)

    def is_workday(self, day: date) -> bool:
        return self._day_info(day).is_workday

    def add_workdays(self, start: date, days: int) -> DueDate:
        """The date ``days`` working days after ``start`` (the start day itself is not counted)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        current = start
        provisional = False
        remaining = days
        while remaining:
            current += timedelta(days=1)
            info = self._day_info(current)
            provisional = provisional or info.provisional
            if info.is_workday:
                remaining -= 1
        return DueDate(current, provisional)

    def count_workdays(self, start: date, end: date) -> tuple[int, bool]:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            count, provisional = self.count_workdays(end, start)
            return -count, provisional
        count = 0
        provisional = False
        current = start
        while current < end:
            current += timedelta(days=1)
            info = self._day_info(current)
            provisional = provisional or info.provisional
            if info.is_workday:
                count += 1
        return count, provisional

    def add_natural_days(self, start: date, days: int) -> DueDate:
        """Natural days (日): calendar days, holidays included, never provisional."""
        return DueDate(start + timedelta(days=days), False)

    def due(self, start: date, limit: TimeLimit) -> DueDate:
        """The deadline of a day-based limit; hour limits are added to a datetime by the caller."""
        if limit.unit is TimeUnit.WORKING_DAY:
            return self.add_workdays(start, limit.value)
        if limit.unit is TimeUnit.NATURAL_DAY:
            return self.add_natural_days(start, limit.value)
        return DueDate(start + timedelta(hours=limit.value).days * timedelta(days=1), False)


def weekends_only(day: date) -> DayInfo:
    """A day source with no holidays at all: for tests and as the provisional base."""
    return DayInfo(is_workday=day.weekday() < 5)
