"""The outbox screen (同步记录): what is waiting, what was refused, what needs a person.

Nothing here can be deleted or edited: unsent records are the only copy of the clerk's work
(ODK and OpenCRVS users lost data to exactly such a button). The screen shows unsent events by
case with their age, refused events with the centre's reason, conflicts, and recent sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from zhanhe_counter.domain.china_time import short_text
from zhanhe_counter.services.ports.sync import OutboxItem, SessionRecord
from zhanhe_counter.ui.sync.case_badge import BADGE_COLOUR, BADGE_TEXT
from zhanhe_counter.ui.sync.sync_bar import age_text

ITEM_COLUMNS = ("办件编号", "记录", "发生时间", "等待", "状态", "说明")
SESSION_COLUMNS = ("开始", "结束", "上传", "下载", "基础数据", "结果")

_KIND_TEXT = {
    "consulted": "咨询登记",
    "received": "收件",
    "rongque_pledged": "容缺收件",
    "notified_once": "一次性告知",
    "backoffice_requested": "提交后台",
    "accepted": "受理",
    "refused": "不予受理",
    "supplement_received": "补正材料",
    "inspected": "现场核查",
    "decided": "决定",
    "certificate_made": "制证",
    "handed_to_delivery": "移交出件",
    "delivered": "出件",
    "rated": "评价",
    "rating_followed_up": "回访整改",
    "withdrawn": "撤回",
    "case_viewed": "查阅办件",
    "document_printed": "打印文书",
    "document_reprinted": "补打文书",
    "id_revealed": "查看证件号码",
    "case_exported": "导出办件",
    "material_captured": "材料影像",
    "document_signed": "签署文书",
}


def _read_only_table(columns: Sequence[str], parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setHorizontalHeaderLabels(list(columns))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _when(value: datetime) -> str:
    return short_text(value)


class OutboxScreen(QWidget):
    """Unsent, refused and conflicting records and the last sync sessions (同步记录)."""

    syncNowRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel(self)
        self.items = _read_only_table(ITEM_COLUMNS, self)
        self.items.setObjectName("outboxItems")
        self.sessions = _read_only_table(SESSION_COLUMNS, self)
        self.sessions.setObjectName("outboxSessions")
        self.sync_now = QPushButton("立即同步", self)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.sync_now)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(QLabel("待同步和需处理的记录（本机记录不能删除）", self))
        layout.addWidget(self.items, 2)
        layout.addWidget(QLabel("最近的同步", self))
        layout.addWidget(self.sessions, 1)
        self.sync_now.clicked.connect(self.syncNowRequested)

    def show_outbox(
        self, items: Sequence[OutboxItem], sessions: Sequence[SessionRecord], now: datetime
    ) -> None:
        waiting = sum(1 for i in items if i.badge.value in ("saved_local", "sent"))
        attention = len(items) - waiting
        self.summary.setText(f"待上传或待确认 {waiting} 条；拒收或需处理 {attention} 条")
        self.items.setRowCount(len(items))
        for row, item in enumerate(items):
            cells = (
                item.case_number or "（无编号）",
                _KIND_TEXT.get(item.kind, item.kind),
                _when(item.occurred_at),
                age_text(now - item.occurred_at),
                BADGE_TEXT[item.badge],
                item.message or "",
            )
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column == 4:
                    cell.setForeground(Qt.GlobalColor.white)
                    cell.setBackground(QColor(BADGE_COLOUR[item.badge]))
                self.items.setItem(row, column, cell)
        self.sessions.setRowCount(len(sessions))
        for row, session in enumerate(sessions):
            cells = (
                _when(session.started_at),
                _when(session.finished_at),
                str(session.pushed),
                str(session.pulled),
                str(session.pulled_reference),
                session.error or "成功",
            )
            for column, text in enumerate(cells):
                self.sessions.setItem(row, column, QTableWidgetItem(text))
