"""The provisional calendar (暂定日历) for years with no official holiday arrangement.

Weekends off plus the statutory holidays of the 2024 revision of 《全国年节及纪念日放假办法》
(国务院令第795号); no 调休 make-up days, because those exist only once the State Council
publishes the year's notice. Every day it answers is ``provisional=True``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.workdays import DayInfo

log = logging.getLogger(__name__)

_FESTIVAL_KEYS = ("spring_festival", "qingming", "dragon_boat", "mid_autumn")
BASIS = "暂定：按《全国年节及纪念日放假办法》推算，未含调休"
BASIS_NO_LUNAR = "暂定：无该年农历数据，只计周末和公历节日"


@dataclass(frozen=True, slots=True)
class LunarFestivals:
    """One year's festivals that move on the Gregorian calendar (农历节日与清明)."""

    spring_festival: date  # 正月初一
    qingming: date
    dragon_boat: date  # 五月初五
    mid_autumn: date  # 八月十五


def load_lunar_table(path: Path) -> dict[int, LunarFestivals]:
    """Read ``lunar_festivals.yaml``; shipped data, so a bad file is a packaging error."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        table: dict[int, LunarFestivals] = {}
        for year, row in data["years"].items():
            festivals = LunarFestivals(**{key: row[key] for key in _FESTIVAL_KEYS})
            if not all(isinstance(value, date) and value.year == year for value in row.values()):
                raise ValueError(f"year {year}: every value must be a date in that year")
            table[int(year)] = festivals
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as error:
        raise DomainError(
            f"lunar festival table {path} is unusable: {error}",
            f"农历节日表损坏或缺失：{path}",
        ) from error
    return table


def statutory_holidays(year: int, festivals: LunarFestivals | None) -> dict[date, str]:
    """The 13 statutory days off of ``year`` (2024 revision); lunar ones only when known."""
    days: dict[date, str] = {}

    def add(day: date, name: str) -> None:
        # 中秋 can fall on 国庆 (e.g. 2031-10-01): one rest day, both names.
        days[day] = f"{days[day]}、{name}" if day in days else name

    add(date(year, 1, 1), "元旦")
    if festivals is not None:
        for offset in range(-1, 3):  # 除夕 to 正月初三
            add(festivals.spring_festival + timedelta(days=offset), "春节")
        add(festivals.qingming, "清明节")
        add(festivals.dragon_boat, "端午节")
        add(festivals.mid_autumn, "中秋节")
    for day in (1, 2):
        add(date(year, 5, day), "劳动节")
    for day in (1, 2, 3):
        add(date(year, 10, day), "国庆节")
    return days


class ProvisionalCalendar:
    """暂定日历: a day source for years nobody has published an arrangement for."""

    def __init__(self, lunar_table: Mapping[int, LunarFestivals]) -> None:
        self._lunar = lunar_table
        self._years: dict[int, tuple[dict[date, str], str]] = {}

    def _year(self, year: int) -> tuple[dict[date, str], str]:
        cached = self._years.get(year)
        if cached is None:
            festivals = self._lunar.get(year)
            if festivals is None:
                log.warning("no lunar festival data for %d: provisional days omit 春节 etc.", year)
            else:
                log.info("no official holiday arrangement for %d: using provisional days", year)
            basis = BASIS if festivals is not None else BASIS_NO_LUNAR
            cached = self._years[year] = (statutory_holidays(year, festivals), basis)
        return cached

    def __call__(self, day: date) -> DayInfo:
        holidays, basis = self._year(day.year)
        name = holidays.get(day)
        return DayInfo(
            is_workday=name is None and day.weekday() < 5,
            provisional=True,
            name=name,
            basis=basis,
        )
