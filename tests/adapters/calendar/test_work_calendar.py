"""The composed calendar: override table → chinesecalendar → provisional, with the 2026 examples."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from zhanhe_counter.adapters.calendar import (
    LayeredDaySource,
    OfficialCalendar,
    OverrideTable,
    ProvisionalCalendar,
    build_work_calendar,
    default_lunar_table_path,
    default_overrides_path,
    load_lunar_table,
    load_overrides,
)
from zhanhe_counter.domain.workdays import DueDate, WorkCalendar

URL = "https://www.gov.cn/zhengce/content/202511/content_7047090.htm"
PACKAGED = default_overrides_path().read_text(encoding="utf-8")


def official_only() -> WorkCalendar:
    provisional = ProvisionalCalendar(load_lunar_table(default_lunar_table_path()))
    return WorkCalendar(LayeredDaySource(OverrideTable("none"), OfficialCalendar(), provisional))


def with_rows(tmp_path: Path, *rows: str, complete_years: str = "[2026]") -> WorkCalendar:
    text = PACKAGED.replace("complete_years: [2026]", f"complete_years: {complete_years}")
    path = tmp_path / "holidays.yaml"
    path.write_text(text + "".join(rows), encoding="utf-8")
    return build_work_calendar(path)


def row(day: str, kind: str, name: str) -> str:
    return f"  - {{date: {day}, type: {kind}, name: {name}, source: '{URL}', entered_by: 测试}}\n"


@pytest.mark.parametrize(
    "calendar", [build_work_calendar(), official_only()], ids=["table", "package"]
)
@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 9, 28), 5, date(2026, 10, 10)),  # Mon → the make-up Saturday
        (date(2026, 9, 30), 20, date(2026, 11, 3)),
        (date(2026, 2, 12), 5, date(2026, 2, 26)),
    ],
)
def test_worked_examples_of_2026(calendar: WorkCalendar, start: date, days: int, due: date) -> None:
    assert calendar.add_workdays(start, days) == DueDate(due, False)
    assert calendar.count_workdays(start, due) == (days, False)


def test_the_packaged_table_agrees_with_chinesecalendar_on_every_day_of_2026() -> None:
    table, package = build_work_calendar(), official_only()
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert table.is_workday(day) == package.is_workday(day), day
        day += timedelta(days=1)


def test_answers_say_where_they_came_from() -> None:
    calendar = build_work_calendar()
    makeup = calendar.info(date(2026, 10, 10))
    assert (makeup.is_workday, makeup.name, makeup.provisional) == (True, "国庆节", False)
    assert makeup.basis is not None
    assert makeup.basis.startswith(f"{default_overrides_path()}:")
    plain = calendar.info(date(2026, 3, 3))
    assert (plain.is_workday, plain.basis) == (True, str(default_overrides_path()))
    official = calendar.info(date(2025, 10, 8))
    assert (official.is_workday, official.name) == (False, "国庆节")
    assert official.basis is not None
    assert official.basis.startswith("chinesecalendar")
    assert calendar.info(date(2027, 1, 1)).provisional


def test_official_calendar_has_no_answer_outside_its_years() -> None:
    official = OfficialCalendar()
    assert official(date(2026, 10, 10)) == (True, "国庆节")
    assert official(date(2026, 3, 3)) == (True, None)
    assert official(date(2027, 1, 4)) is None
    assert official(date(2027, 1, 5)) is None  # the unknown year is remembered, not retried


def test_crossing_into_unpublished_2027_is_provisional() -> None:
    calendar = build_work_calendar()
    # Dec 2026 has 9 working days after the 18th; 1 Jan 2027 (元旦) is a guessed rest day.
    assert calendar.add_workdays(date(2026, 12, 18), 10) == DueDate(date(2027, 1, 4), True)
    assert calendar.add_workdays(date(2026, 11, 26), 20) == DueDate(date(2026, 12, 24), False)
    assert calendar.count_workdays(date(2026, 12, 30), date(2027, 2, 10)) == (27, True)


def test_an_override_row_changes_a_result(tmp_path: Path) -> None:
    calendar = with_rows(tmp_path, row("2026-10-09", "holiday", "本地停办"))
    assert calendar.add_workdays(date(2026, 9, 28), 5) == DueDate(date(2026, 10, 12), False)
    assert calendar.info(date(2026, 10, 9)).name == "本地停办"


def test_entering_the_2027_arrangement_ends_the_provisional_state(tmp_path: Path) -> None:
    # A made-up 2027 arrangement, only to exercise the path; the real one is not published.
    calendar = with_rows(
        tmp_path,
        row("2027-01-01", "holiday", "元旦"),
        row("2027-01-02", "makeup_workday", "元旦"),
        complete_years="[2026, 2027]",
    )
    assert calendar.add_workdays(date(2026, 12, 30), 2) == DueDate(date(2027, 1, 2), False)
    assert not calendar.info(date(2027, 2, 5)).provisional  # the table now speaks for all 2027


def test_a_row_for_an_incomplete_year_is_official_but_its_other_days_stay_provisional(
    tmp_path: Path,
) -> None:
    calendar = with_rows(tmp_path, row("2027-01-04", "holiday", "本地停办"))
    assert not calendar.info(date(2027, 1, 4)).provisional
    assert calendar.info(date(2027, 1, 5)).provisional
    assert calendar.add_workdays(date(2027, 1, 1), 1) == DueDate(date(2027, 1, 5), True)


def test_load_overrides_is_used_by_build(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text("complete_years: []\ndays: []\n", encoding="utf-8")
    assert load_overrides(path).days == {}
    # No table rows: 2026 falls through to the package and still gives the make-up Saturday.
    assert build_work_calendar(path).add_workdays(date(2026, 9, 28), 5).date == date(2026, 10, 10)
