"""Who works where (本机与人员): the counter PC's identity and the clerk at its window.

Shared by every use case that records who did something at which station, so none of them has
to import another use case for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhanhe_counter.domain.windows import WindowConfig
from zhanhe_counter.domain.workdays import OfficeHours


@dataclass(frozen=True, slots=True)
class Staff:
    """The clerk at the window (窗口人员)."""

    staff_id: str
    name: str


@dataclass(frozen=True, slots=True)
class StationIdentity:
    """This counter PC: its station id (sync), number prefix and window (本机)."""

    station_id: str
    station_code: str  # 6-digit division code + 2-char terminal code, printed in case numbers
    window: WindowConfig
    office_hours: OfficeHours
