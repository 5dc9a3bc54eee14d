"""The system clock in China Standard Time (北京时间)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

#: China has one time zone and no daylight saving; a fixed offset needs no tz database (tzdata),
#: which Windows counter PCs do not ship.
CHINA_TIME = timezone(timedelta(hours=8), "CST")


class SystemClock:
    """``Clock`` port: the PC's clock, as aware Beijing time."""

    def now(self) -> datetime:
        return datetime.now(CHINA_TIME)
