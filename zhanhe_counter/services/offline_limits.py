"""When being offline first warns and then stops new intake (离线限制).

Offline limits follow the strictest comparable clients: past the warning level the sync bar
turns amber, past the stop level new intake is refused until the PC syncs; recording of cases
already open is never blocked. Intake asks an :class:`OfflineGate` before every new case; the
gate reads the outbox's summary (a status query) and knows nothing of sync sessions, so intake
does not depend on the sync engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.sync import OutboxSummary


class Level(StrEnum):
    """How worried the sync bar is (提示级别)."""

    OK = "ok"
    WARN = "warn"
    STOP = "stop"


@dataclass(frozen=True, slots=True)
class OfflineLimits:
    """When being offline first warns and then stops new intake (离线限制); configurable."""

    reference_warn_days: int = 3
    reference_stop_days: int = 7
    pending_warn: int = 500
    pending_stop: int = 5000
    pending_age_warn_days: int = 1
    pending_age_stop_days: int = 7

    @classmethod
    def from_mapping(cls, data: Any) -> OfflineLimits:
        """Limits from a settings dict; unknown keys and bad values keep the defaults."""
        if not isinstance(data, dict):
            return cls()
        values: dict[str, int] = {}
        for name in cls.__dataclass_fields__:
            raw = data.get(name)
            if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
                values[name] = raw
        return cls(**values)


@dataclass(frozen=True, slots=True)
class IntakeVerdict:
    """Whether new intake may continue while offline, and why not (收件限制判断)."""

    level: Level
    reasons: tuple[str, ...] = ()
    #: The whole message when the stop is not about being offline (a damaged database).
    headline: str | None = None

    @property
    def intake_allowed(self) -> bool:
        return self.level is not Level.STOP


def _age_text(age: timedelta) -> str:
    hours = int(age.total_seconds() // 3600)
    if hours >= 48:
        return f"{hours // 24} 天"
    if hours >= 1:
        return f"{hours} 小时"
    return f"{max(1, int(age.total_seconds() // 60))} 分钟"


def assess_intake(summary: OutboxSummary, limits: OfflineLimits, now: datetime) -> IntakeVerdict:
    """Apply ``limits`` to the outbox; a PC that has never synced is only warned."""
    level = Level.OK
    reasons: list[str] = []

    def raise_to(new: Level, reason: str) -> None:
        nonlocal level
        reasons.append(reason)
        if new is Level.STOP or level is Level.OK:
            level = new

    ref_at = summary.last_reference_ok_at
    if ref_at is None:
        raise_to(Level.WARN, "本机从未从中心更新基础数据（事项目录、人员、窗口）。")
    else:
        days = (now - ref_at) / timedelta(days=1)
        if days >= limits.reference_stop_days:
            raise_to(
                Level.STOP,
                f"基础数据已 {int(days)} 天未更新，超过 {limits.reference_stop_days} 天上限，"
                "暂停新收件；请恢复网络后同步。",
            )
        elif days >= limits.reference_warn_days:
            raise_to(Level.WARN, f"基础数据已 {int(days)} 天未更新，请尽快联网同步。")
    if summary.pending >= limits.pending_stop:
        raise_to(
            Level.STOP,
            f"有 {summary.pending} 条记录未上传，超过 {limits.pending_stop} 条上限，暂停新收件。",
        )
    elif summary.pending >= limits.pending_warn:
        raise_to(Level.WARN, f"有 {summary.pending} 条记录未上传，请尽快联网同步。")
    if summary.oldest_pending_at is not None:
        age = now - summary.oldest_pending_at
        if age >= timedelta(days=limits.pending_age_stop_days):
            raise_to(
                Level.STOP,
                f"最早的未上传记录已等待 {_age_text(age)}，超过 "
                f"{limits.pending_age_stop_days} 天上限，暂停新收件。",
            )
        elif age >= timedelta(days=limits.pending_age_warn_days):
            raise_to(Level.WARN, f"最早的未上传记录已等待 {_age_text(age)}。")
    return IntakeVerdict(level, tuple(reasons))


def stale_accounts(summary: OutboxSummary, limits: OfflineLimits, now: datetime) -> str | None:
    """Why logins stop on a registered PC whose staff list is past the offline limit, or None.

    The centre disables an account by sending the change; a PC that has not pulled for longer
    than ``reference_stop_days`` cannot know whether an account is still valid, so it stops
    accepting the accounts the centre manages (issue 17). A PC that never pulled is not
    stopped: its accounts are the ones it was set up with.
    """
    ref_at = summary.last_reference_ok_at
    if ref_at is None:
        return None
    days = (now - ref_at) / timedelta(days=1)
    if days < limits.reference_stop_days:
        return None
    return (
        f"本机已 {int(days)} 天未从中心更新人员信息，超过 {limits.reference_stop_days} 天上限，"
        "无法确认账号是否仍然有效，暂停登录；请恢复网络同步后再登录。"
    )


class OfflineGate:
    """Asked by intake before every new case (收件前检查): the limits applied to the outbox.

    Off until this PC syncs (``open``): a counter that was never registered with the centre has
    no outbox to drain, so its intake is never stopped.
    """

    def __init__(
        self, summary: Callable[[], OutboxSummary], limits: OfflineLimits, clock: Clock
    ) -> None:
        self._summary = summary
        self._limits = limits
        self._clock = clock
        self._syncing = False

    def open(self) -> None:
        """This PC now syncs: from here on the limits apply."""
        self._syncing = True

    def __call__(self) -> IntakeVerdict:
        if not self._syncing:
            return IntakeVerdict(Level.OK)
        return assess_intake(self._summary(), self._limits, self._clock.now())
