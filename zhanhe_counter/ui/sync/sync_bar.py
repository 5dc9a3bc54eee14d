"""The sync bar (同步状态栏), always visible: online/offline, waiting events, last sync, errors.

Fed with :class:`~zhanhe_counter.services.sync_engine.SyncStatus`; the text is made by the pure
function :func:`describe_status` so it can be read and tested without a window. Amber after a
day of waiting or a limit warning, red when intake is stopped or sync fails for a reason other
than being offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from zhanhe_counter.domain.china_time import clock_text
from zhanhe_counter.services.offline_limits import Level
from zhanhe_counter.services.ports.sync import SyncProblem
from zhanhe_counter.services.sync_engine import SyncStatus

_COLOURS = {"ok": "#15803d", "idle": "#4b5563", "warn": "#b45309", "error": "#b91c1c"}


@dataclass(frozen=True, slots=True)
class BarText:
    """What the bar says and how worried it looks."""

    text: str
    tone: str  # 'ok', 'idle', 'warn' or 'error'
    details: str = ""


def age_text(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 1:
        return "不到 1 分钟"
    if minutes < 60:
        return f"{minutes} 分钟"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} 小时"
    return f"{hours // 24} 天"


def _clock(value: datetime) -> str:
    return clock_text(value)


def describe_status(status: SyncStatus, now: datetime) -> BarText:
    """The bar's sentence for ``status`` (Simplified Chinese)."""
    if not status.configured:
        return BarText("● 本机未注册到中心，办件只保存在本机", "warn")
    if status.syncing:
        head = "● 正在同步…"
    elif status.online:
        synced = f"最近同步 {_clock(status.last_sync_at)}" if status.last_sync_at else "尚未同步"
        head = f"● 在线 · {synced}"
    else:
        head = "● 离线"
    if status.pending:
        waiting = f"{status.pending} 条待上传"
        if status.oldest_pending_age is not None:
            waiting += f"（最早 {age_text(status.oldest_pending_age)}前）"
    else:
        waiting = "无待上传记录"
    parts = [head, waiting]
    if status.rejected:
        parts.append(f"{status.rejected} 条被中心拒收")
    if status.conflicts:
        parts.append(f"{status.conflicts} 条需处理")
    tone = "ok" if status.online else "idle"
    if status.error and status.problem is not SyncProblem.OFFLINE:
        retry = ""
        if status.retry_at is not None:
            seconds = max(0, int((status.retry_at - now).total_seconds()))
            retry = f" · {seconds} 秒后重试"
        parts = [f"▲ 同步出错：{status.error}{retry}", waiting]
        tone = "error"
    elif status.error and status.retry_at is not None:
        seconds = max(0, int((status.retry_at - now).total_seconds()))
        parts.append(f"{seconds} 秒后重试")
    if status.oldest_pending_age is not None and status.oldest_pending_age >= timedelta(days=1):
        tone = "warn" if tone != "error" else tone
    if status.verdict.level is Level.WARN and tone != "error":
        tone = "warn"
    if status.verdict.level is Level.STOP:
        tone = "error"
        parts.append("已暂停新收件")
    if status.clock_warning:
        parts.append(f"⚠ {status.clock_warning}")
    if status.rejected or status.conflicts:
        tone = "error" if tone == "error" else "warn"
    details = "\n".join(status.verdict.reasons)
    if status.catalogue_version:
        age = f"，{age_text(status.reference_age)}前更新" if status.reference_age else ""
        details = (details + "\n" if details else "") + f"事项目录 {status.catalogue_version}{age}"
    return BarText(" · ".join(parts), tone, details)


class SyncBar(QWidget):
    """Always-visible sync state with *Sync now* and *Details* (同步状态栏)."""

    syncNowRequested = Signal()
    detailsRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncBar")
        self.label = QLabel("● 尚未同步", self)
        self.label.setObjectName("syncBarText")
        self.sync_now = QPushButton("立即同步", self)
        self.sync_now.setObjectName("syncNowButton")
        self.details = QPushButton("同步记录", self)
        self.details.setObjectName("syncDetailsButton")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.sync_now)
        self.sync_now.clicked.connect(self.syncNowRequested)
        self.details.clicked.connect(self.detailsRequested)
        self.tone = "idle"

    def show_status(self, status: SyncStatus, now: datetime) -> None:
        bar = describe_status(status, now)
        self.tone = bar.tone
        self.label.setText(bar.text)
        self.label.setToolTip(bar.details)
        self.label.setStyleSheet(f"QLabel {{ color: {_COLOURS[bar.tone]}; }}")
        self.sync_now.setEnabled(status.configured and not status.syncing)
