"""Beijing time (北京时间): the zone of every date a window prints or counts, and its one formatter.

The store keeps instants in UTC and the PC's clock may run in any zone; paper, screens and
counts are in Beijing time. Every date or time a document, a screen or an export shows is made
here, so two documents of one case can never disagree about a date.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

#: China has one time zone and no daylight saving; a fixed offset needs no tz database (tzdata),
#: which Windows counter PCs do not ship.
CHINA_TIME = timezone(timedelta(hours=8), "CST")


def in_china(moment: datetime) -> datetime:
    """``moment`` in Beijing time. A naive datetime is refused: its zone would be a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: the zone must be known")
    return moment.astimezone(CHINA_TIME)


def china_date(moment: datetime) -> date:
    """The Beijing calendar day of ``moment`` (a 16:30 UTC instant is the next day in Beijing)."""
    return in_china(moment).date()


def minute_iso(moment: datetime) -> str:
    """``2026-11-26T09:30``: the Beijing minute, as document values carry it."""
    return in_china(moment).strftime("%Y-%m-%dT%H:%M")


def date_text(day: date) -> str:
    """``2026年11月26日``: a date as printed."""
    return f"{day.year}年{day.month}月{day.day}日"


def datetime_text(moment: datetime) -> str:
    """``2026年11月26日 09:30``: a moment as printed (naive values are taken as Beijing time,
    because document values are stored in Beijing time already)."""
    local = in_china(moment) if moment.tzinfo is not None else moment
    return f"{date_text(local.date())} {local:%H:%M}"


def clock_text(moment: datetime) -> str:
    """``09:30``: the Beijing time of day."""
    return in_china(moment).strftime("%H:%M")


def short_text(moment: datetime) -> str:
    """``11-26 09:30``: a recent moment on a screen."""
    return in_china(moment).strftime("%m-%d %H:%M")


def minute_text(moment: datetime) -> str:
    """``2026-11-26 09:30``: a moment on a screen or in an export."""
    return in_china(moment).strftime("%Y-%m-%d %H:%M")
