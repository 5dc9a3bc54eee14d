"""Beijing time (北京时间), the zone of every date a window prints or counts."""

from __future__ import annotations

from datetime import timedelta, timezone

#: China has one time zone and no daylight saving; a fixed offset needs no tz database (tzdata),
#: which Windows counter PCs do not ship.
CHINA_TIME = timezone(timedelta(hours=8), "CST")
