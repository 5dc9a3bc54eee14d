"""How close a deadline is (期限状态), the one ladder every list colours its deadline column by.

My cases, the back office's queues, supplements and rating follow-ups all ask the same question
of a deadline day: is it past (overdue), within a few working days (due soon), or further off?
Each list keeps its own "few" (the back office warns one working day ahead, follow-ups three),
so the threshold is an argument; the ladder and the order lists sort by are written once here.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum


class Urgency(StrEnum):
    """期限状态: how the deadline column is coloured."""

    NONE = "none"
    OK = "ok"  # green
    DUE_SOON = "due_soon"  # amber
    OVERDUE = "overdue"  # red

    @property
    def label(self) -> str:
        return {"none": "", "ok": "正常", "due_soon": "即将到期", "overdue": "已超期"}[self.value]

    @property
    def rank(self) -> int:
        """Sort key: most urgent first (overdue, due soon, ok, no deadline)."""
        return _RANK[self]


_RANK = {Urgency.OVERDUE: 0, Urgency.DUE_SOON: 1, Urgency.OK: 2, Urgency.NONE: 3}


def day_urgency(due: date, today: date, workdays_left: int, *, due_soon_days: int) -> Urgency:
    """The urgency of a deadline day: overdue after ``due``, due soon within ``due_soon_days``
    working days (``workdays_left`` counted by the work calendar from ``today``), else ok."""
    if due < today:
        return Urgency.OVERDUE
    if workdays_left <= due_soon_days:
        return Urgency.DUE_SOON
    return Urgency.OK


def day_countdown(
    due: date, today: date, workdays_left: int, *, due_soon_days: int
) -> tuple[Urgency, str]:
    """``day_urgency`` and the countdown text shown beside it (剩N个工作日 / 今日到期 / 已超期)."""
    urgency = day_urgency(due, today, workdays_left, due_soon_days=due_soon_days)
    if urgency is Urgency.OVERDUE:
        return urgency, f"已超期（{due.isoformat()}）"
    if urgency is Urgency.DUE_SOON and workdays_left == 0:
        return urgency, "今日到期"
    return urgency, f"剩{workdays_left}个工作日"


def minute_countdown(remaining: timedelta, *, due_soon: timedelta) -> tuple[Urgency, str]:
    """A countdown in office minutes (the back office's 20-minute answer): its urgency and text."""
    seconds = int(remaining.total_seconds())
    if seconds <= 0:
        late = -seconds
        return Urgency.OVERDUE, f"已超时 {late // 60}分{late % 60:02d}秒"
    text = f"剩余 {seconds // 60}分{seconds % 60:02d}秒"
    return (Urgency.DUE_SOON if remaining <= due_soon else Urgency.OK), text
