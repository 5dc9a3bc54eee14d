"""The official arrangement as packaged by ``chinesecalendar`` (国务院办公厅放假安排).

The package covers the years whose State Council notice it has shipped (2004–2026 in 1.11.0) and
raises ``NotImplementedError`` for any other year; that becomes ``None`` here so the caller can
fall back to the provisional calendar instead of crashing or guessing.
"""

from __future__ import annotations

from datetime import date
from importlib.metadata import PackageNotFoundError, version

import chinese_calendar

_CHINESE_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}


def _basis() -> str:
    try:
        return f"chinesecalendar {version('chinesecalendar')}"
    except PackageNotFoundError:  # pragma: no cover - vendored copies carry no metadata
        return "chinesecalendar"


class OfficialCalendar:
    """Official days from ``chinesecalendar``; ``None`` for the years it has no data for."""

    def __init__(self) -> None:
        self.basis = _basis()
        self._unknown_years: set[int] = set()

    def __call__(self, day: date) -> tuple[bool, str | None] | None:
        """``(is_workday, holiday name in Chinese)``, or ``None`` outside the package's years."""
        if day.year in self._unknown_years:
            return None
        try:
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            self._unknown_years.add(day.year)
            return None
        return (not is_holiday, _CHINESE_NAMES.get(name, name) if name else None)
