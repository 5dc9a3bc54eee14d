"""The working-day calendar (工作日历): override table → chinesecalendar → provisional estimate.

``build_work_calendar()`` is what the rest of the client calls; the pieces are public for tests
and for the admin command that shows where an answer came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path

from zhanhe_counter.adapters.calendar.official import OfficialCalendar
from zhanhe_counter.adapters.calendar.overrides import (
    OverrideDay,
    OverrideFileError,
    OverrideTable,
    OverrideType,
    load_overrides,
    parse_overrides,
)
from zhanhe_counter.adapters.calendar.provisional import (
    LunarFestivals,
    ProvisionalCalendar,
    load_lunar_table,
    statutory_holidays,
)
from zhanhe_counter.adapters.resources import resources_dir
from zhanhe_counter.domain.workdays import DayInfo, WorkCalendar

__all__ = [
    "CENTRAL_SOURCE",
    "LayeredDaySource",
    "LunarFestivals",
    "OfficialCalendar",
    "OverrideDay",
    "OverrideFileError",
    "OverrideTable",
    "OverrideType",
    "ProvisionalCalendar",
    "build_work_calendar",
    "default_lunar_table_path",
    "default_overrides_path",
    "load_lunar_table",
    "load_overrides",
    "parse_overrides",
    "statutory_holidays",
]


#: The basis of a day the centre declared (``zhanhe-admin central holiday``), not a file row.
CENTRAL_SOURCE = "中心节假日调整"


def default_overrides_path() -> Path:
    """The packaged override table, ``resources/calendar/holidays.yaml``."""
    return resources_dir() / "calendar" / "holidays.yaml"


def default_lunar_table_path() -> Path:
    return resources_dir() / "calendar" / "lunar_festivals.yaml"


class LayeredDaySource:
    """What one date is, asking in order: the override table, chinesecalendar, the estimate.

    A year listed in the table's ``complete_years`` is fully official from the table alone: its
    unlisted dates are ordinary weekdays and weekends, not provisional.
    """

    def __init__(
        self,
        overrides: OverrideTable,
        official: OfficialCalendar,
        provisional: ProvisionalCalendar,
    ) -> None:
        self._overrides = overrides
        self._official = official
        self._provisional = provisional

    def __call__(self, day: date) -> DayInfo:
        row = self._overrides.get(day)
        if row is not None:
            central = row.source == CENTRAL_SOURCE
            return DayInfo(
                is_workday=row.is_workday,
                name=row.name,
                basis=CENTRAL_SOURCE if central else f"{self._overrides.filename}:{row.line}",
            )
        if day.year in self._overrides.complete_years:
            return DayInfo(is_workday=day.weekday() < 5, basis=self._overrides.filename)
        official = self._official(day)
        if official is not None:
            is_workday, name = official
            return DayInfo(is_workday=is_workday, name=name, basis=self._official.basis)
        return self._provisional(day)


def build_work_calendar(
    overrides_path: Path | None = None,
    lunar_table_path: Path | None = None,
    *,
    central_days: Mapping[date, tuple[bool, str]] | None = None,
) -> WorkCalendar:
    """The client's working-day calendar; raises ``OverrideFileError`` for a broken table.

    ``central_days`` (day → (is a working day, name)) are the centre's holiday overrides: they
    win over the file's rows, as the bureau's latest word on the arrangement.
    """
    overrides = load_overrides(overrides_path or default_overrides_path())
    if central_days:
        central = {day: _central_row(day, *value) for day, value in central_days.items()}
        overrides = replace(overrides, days={**overrides.days, **central})
    lunar_table = load_lunar_table(lunar_table_path or default_lunar_table_path())
    source = LayeredDaySource(overrides, OfficialCalendar(), ProvisionalCalendar(lunar_table))
    return WorkCalendar(source)


def _central_row(day: date, is_workday: bool, name: str) -> OverrideDay:
    kind = OverrideType.MAKEUP_WORKDAY if is_workday else OverrideType.HOLIDAY
    return OverrideDay(day, kind, name, source=CENTRAL_SOURCE, entered_by="中心", line=0)
