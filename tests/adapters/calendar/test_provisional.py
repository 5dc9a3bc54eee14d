"""The provisional calendar: the 2024-revision statutory holidays from the lunar table."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from zhanhe_counter.adapters.calendar import (
    ProvisionalCalendar,
    default_lunar_table_path,
    load_lunar_table,
    statutory_holidays,
)
from zhanhe_counter.adapters.calendar.provisional import BASIS, BASIS_NO_LUNAR
from zhanhe_counter.domain.errors import DomainError

LUNAR = load_lunar_table(default_lunar_table_path())


def test_lunar_table_covers_2025_to_2050() -> None:
    assert sorted(LUNAR) == list(range(2025, 2051))
    assert LUNAR[2027].spring_festival == date(2027, 2, 6)


@pytest.mark.parametrize("year", [2025, 2026])
def test_statutory_days_of_published_years_are_official_days_off(year: int) -> None:
    # The method must reproduce what the State Council actually gave as rest days.
    days = statutory_holidays(year, LUNAR[year])
    assert len(days) == 13
    for day in days:
        assert chinese_calendar.is_holiday(day), day


def test_2027_statutory_days() -> None:
    days = statutory_holidays(2027, LUNAR[2027])
    assert [day for day, name in days.items() if name == "春节"] == [
        date(2027, 2, 5) + timedelta(days=offset) for offset in range(4)
    ]
    assert days[date(2027, 4, 5)] == "清明节"
    assert days[date(2027, 6, 9)] == "端午节"
    assert days[date(2027, 9, 15)] == "中秋节"
    assert days[date(2027, 5, 2)] == "劳动节"
    assert len(days) == 13


def test_mid_autumn_on_national_day_is_one_day_with_both_names() -> None:
    days = statutory_holidays(2031, LUNAR[2031])
    assert days[date(2031, 10, 1)] == "中秋节、国庆节"
    assert len(days) == 12


def test_provisional_days(caplog: pytest.LogCaptureFixture) -> None:
    calendar = ProvisionalCalendar(LUNAR)
    eve = calendar(date(2027, 2, 5))
    assert (eve.is_workday, eve.provisional, eve.name, eve.basis) == (False, True, "春节", BASIS)
    assert calendar(date(2027, 2, 4)).is_workday
    assert calendar(date(2027, 2, 4)).provisional
    assert not calendar(date(2027, 2, 13)).is_workday  # a Saturday; no 调休 is guessed
    with caplog.at_level(logging.WARNING):
        far = calendar(date(2060, 2, 2))
    assert far.is_workday  # 2060 春节 is unknown here, so only the fixed holidays apply
    assert far.basis == BASIS_NO_LUNAR
    assert not calendar(date(2060, 10, 2)).is_workday
    assert "2060" in caplog.text


@pytest.mark.parametrize(
    "text",
    [
        "years:\n  2027: {spring_festival: 2027-02-06}\n",
        "years:\n  2027: {spring_festival: 2028-02-06, qingming: 2027-04-05,"
        " dragon_boat: 2027-06-09, mid_autumn: 2027-09-15}\n",
        "nothing: here\n",
        "years: [\n",
    ],
)
def test_a_broken_lunar_table_is_a_domain_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "lunar.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DomainError) as raised:
        load_lunar_table(path)
    assert raised.value.user_message.startswith("农历节日表损坏或缺失")
