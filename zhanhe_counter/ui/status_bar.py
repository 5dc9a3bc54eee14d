"""The status line (状态栏): card reader, printers, documents waiting, sync — a coloured dot and a
reason on hover.

Printer and sync states and the documents still owed (待打印文书: recorded with their case but
not queued, e.g. while no printer is configured) are read on the storage thread every
``REFRESH_MS``; the reader's state arrives by signal from the reader bridge. Waiting documents
are said in words with their reason and a 重试 link that queues them again.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from zhanhe_counter.services.document_dispatch import waiting_text
from zhanhe_counter.services.ports.printing import PrinterState
from zhanhe_counter.services.sync_engine import SyncStatus
from zhanhe_counter.ui import theme
from zhanhe_counter.ui.context import CounterContext
from zhanhe_counter.ui.jobs import StorageRunner
from zhanhe_counter.ui.sync.sync_bar import SyncBar

REFRESH_MS = 10_000

#: What the reader indicator says; "connected" shows just 读卡器 and a green dot.
READER_LABELS = {
    "none": "未配置读卡器",  # no reader.toml at this counter
    "misconfigured": "读卡器配置错误",  # reader.toml could not be used: the reason is the tooltip
    "connecting": "读卡器连接中",
    "disconnected": "读卡器未连接",
}
READER_COLOURS = {
    "connected": theme.OK,
    "connecting": theme.WARN,
    "disconnected": theme.BAD,
    "misconfigured": theme.BAD,
}


@dataclass(frozen=True)
class DeviceLight:
    """One indicator: its name, colour and the one-line reason."""

    name: str
    colour: str
    reason: str


@dataclass(frozen=True)
class StationHealth:
    """What the status line shows, read off the UI thread."""

    printers: tuple[DeviceLight, ...]
    sync: SyncStatus
    waiting: str = ""  # "2 份文书待打印：…" while documents are owed, else ""


def read_health(context: CounterContext) -> StationHealth:
    """Printer states and the sync backlog (storage work: run it through the job runner)."""
    station = context.station
    roles = station.printer_roles
    names = [("A4", roles.a4)] + ([("小票", roles.ticket)] if roles.ticket else [])
    lights: list[DeviceLight] = []
    for label, name in names:
        status = station.print_service.queue.printer_status(name)
        colour = (
            theme.OK
            if status.state is PrinterState.READY
            else theme.WARN
            if status.can_print
            else theme.BAD
        )
        lights.append(DeviceLight(label, colour, f"{name}：{status.reason_zh}"))
    return StationHealth(
        tuple(lights), station.sync_status(), waiting_text(station.dispatcher.waiting())
    )


class CounterStatusBar(QStatusBar):
    """读卡器● A4● 小票● and the sync bar (online, waiting, last sync, 立即同步)."""

    def __init__(
        self, context: CounterContext, runner: StorageRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.runner = runner
        self.reader = QLabel()
        self.printers = QLabel()
        self.waiting = QLabel()
        self.waiting.setVisible(False)
        self.waiting.linkActivated.connect(self.retry_waiting)
        self.sync = SyncBar()
        for widget in (self.reader, self.printers, self.waiting, self.sync):
            self.addPermanentWidget(widget)
        self.set_reader("none", "本窗口没有配置身份证阅读器（数据目录中没有 reader.toml）")
        self.printers.setText("打印机 …")
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    def set_reader(self, state: str, reason: str) -> None:
        """``state``: a ``ReaderStatus`` value, or one of :data:`READER_LABELS`' other keys."""
        colour = READER_COLOURS.get(state, theme.MUTED)
        # Only a working reader is just a dot: anything else is said in words, not on hover.
        self.reader.setText(f"{READER_LABELS.get(state, '读卡器')}{theme.dot(colour)}")
        self.reader.setToolTip(reason)

    def refresh(self) -> None:
        self.runner.submit(lambda: read_health(self.context), self._show)

    def retry_waiting(self, _link: str = "") -> None:
        """重试: render and queue the owed documents again (under their own request ids, so
        nothing prints twice), then show what still waits."""
        dispatcher = self.context.station.dispatcher
        self.runner.submit(dispatcher.recover_owed, lambda _n: self.refresh())

    def _show(self, health: object) -> None:
        assert isinstance(health, StationHealth)
        self.printers.setText(" ".join(f"{p.name}{theme.dot(p.colour)}" for p in health.printers))
        self.printers.setToolTip("\n".join(p.reason for p in health.printers))
        self.waiting.setVisible(bool(health.waiting))
        self.waiting.setText(
            f"<span style='color:{theme.WARN}'>{escape(health.waiting)}</span> "
            "<a href='retry'>重试</a>"
            if health.waiting
            else ""
        )
        self.waiting.setToolTip("文书已随办件保存，尚未加入打印队列；排除原因后点“重试”补出。")
        self.sync.show_status(health.sync, self.context.station.clock.now())
