"""The system clock in Beijing time (北京时间)."""

from __future__ import annotations

from datetime import datetime

from zhanhe_counter.domain.china_time import CHINA_TIME

__all__ = ["CHINA_TIME", "SystemClock"]


class SystemClock:
    """``Clock`` port: the PC's clock, as aware Beijing time."""

    def now(self) -> datetime:
        return datetime.now(CHINA_TIME)
