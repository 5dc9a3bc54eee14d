"""Retention of local case copies (本机办件保存期限): prune what the centre holds, never before.

The counter PC is not the system of record (docs/domain.md, Retention): once a case is closed, every
one of its events is confirmed by the centre and the configured retention has passed since its last
event, the local copy (events, status, print bytes, signatures, reveal log) is deleted
(PIPL Art. 19 and 47). The archive copy lives centrally under the archive schedule.

The retention comes from the station setting ``retention_days``: 180 days unless set, never less
than 30 (a shorter value is refused, not silently raised).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from zhanhe_counter.domain.case import CaseState
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.retention import CasePruner, PruneReport, SettingsReader

__all__ = [
    "CasePruner",
    "PruneReport",
    "RetentionService",
    "RetentionSettingInvalid",
    "SettingsReader",
    "is_closed",
    "retention_days_from",
]

log = logging.getLogger(__name__)

RETENTION_SETTING = "retention_days"
DEFAULT_RETENTION_DAYS = 180
MINIMUM_RETENTION_DAYS = 30


class RetentionSettingInvalid(DomainError):
    """The configured retention cannot be used (保存期限设置无效)."""


def is_closed(state: CaseState) -> bool:
    """Whether nothing more can happen to the case at this counter (已办结).

    A final status is not enough: a bad rating (差评) that has not been followed up to its
    ``closed`` step still needs the case.
    """
    if not state.status.is_final:
        return False
    return not (state.rating is not None and state.rating.is_bad and not state.followup_closed)


def retention_days_from(value: Any) -> int:
    """The retention in days for a setting value; ``None`` means the default (180).

    Raises :class:`RetentionSettingInvalid` for a value that is not a whole number or is below
    the 30-day minimum.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_RETENTION_DAYS
    if isinstance(value, bool):
        days = None
    elif isinstance(value, int):
        days = value
    elif isinstance(value, str) and value.strip().isdigit():
        days = int(value.strip())
    else:
        days = None
    if days is None:
        raise RetentionSettingInvalid(
            f"retention_days is not a whole number of days: {value!r}",
            "保存期限（retention_days）必须是整数天数。",
        )
    if days < MINIMUM_RETENTION_DAYS:
        raise RetentionSettingInvalid(
            f"retention_days {days} below the minimum {MINIMUM_RETENTION_DAYS}",
            f"保存期限不能少于 {MINIMUM_RETENTION_DAYS} 天（当前设置为 {days} 天）。",
        )
    return days


class RetentionService:
    """Prunes local copies past the configured retention (本机数据清理)."""

    def __init__(self, pruner: CasePruner, settings: SettingsReader, clock: Clock) -> None:
        self._pruner = pruner
        self._settings = settings
        self._clock = clock

    def retention_days(self) -> int:
        return retention_days_from(self._settings.get_setting(RETENTION_SETTING))

    def cutoff(self) -> datetime:
        """Cases whose last event is before this instant may go."""
        return self._clock.now() - timedelta(days=self.retention_days())

    def prune(self, *, dry_run: bool = False) -> PruneReport:
        """Delete (or with ``dry_run`` only list) every local copy past the retention."""
        cutoff = self.cutoff()
        report = self._pruner.prune(cutoff, dry_run=dry_run)
        log.info(
            "retention %s: %d cases before %s%s",
            "dry run" if dry_run else "prune",
            report.cases,
            cutoff.isoformat(),
            "" if dry_run else f", {sum(report.rows.values())} rows deleted",
        )
        return report
