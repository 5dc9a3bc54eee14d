"""办件详情: the case's state, its timeline and its printed documents, with reprint.

Opened with Enter on a case in 我的办件. The history is loaded off the UI thread; opening it is
checked (a window clerk sees only this station's cases) and recorded as one ``case_viewed`` audit
event, on that same thread. F8 reprints the selected document (or all of them when none is
selected), stamped 补打, once per key press. Supervisors also see the 查阅记录 (access log).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from html import escape
from uuid import UUID

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.case_history import CaseDetail, CaseHistoryService
from zhanhe_counter.services.print_service import PrintService
from zhanhe_counter.services.privacy import PrivacyService
from zhanhe_counter.ui.jobs import StorageRunner

_TIMELINE_HEADERS = ("时间", "环节", "经办人", "站点", "同步", "说明")
_PRINT_HEADERS = ("文书", "打印/补打", "状态", "打印机", "时间")
_ACCESS_HEADERS = ("时间", "操作", "工作人员", "站点", "同步", "说明")


class CaseDetailDialog(QDialog):
    """办件详情."""

    def __init__(
        self,
        case_id: UUID,
        *,
        history: CaseHistoryService,
        print_service: PrintService,
        actor: str,
        runner: StorageRunner,
        privacy: PrivacyService | None = None,
        roles: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.case_id = case_id
        self._history = history
        self._print = print_service
        self._actor = actor
        self._runner = runner
        self._privacy = privacy
        self._roles = tuple(roles)
        self.detail: CaseDetail | None = None
        self.revealed: str | None = None
        self._opened = False  # the first load records the opening; reloads do not
        self.setWindowTitle("办件详情")
        self.resize(980, 620)

        self.summary = QLabel("正在读取……")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.timeline = _table(_TIMELINE_HEADERS)
        self.prints = _table(_PRINT_HEADERS)
        self.access_title = _title("查阅记录（谁在何时查看、打印、补打、查看证件号码、导出）")
        self.access = _table(_ACCESS_HEADERS)
        self.access_title.setVisible(False)
        self.access.setVisible(False)
        self.status = QLabel("")
        self.status.setObjectName("hint")
        reprint = QPushButton("补打所选文书（F8）")
        reprint.clicked.connect(self.reprint)
        self.reveal_button = QPushButton("显示完整证件号码（Ctrl+Shift+I，将被记录）")
        self.reveal_button.setVisible(privacy is not None and privacy.may_reveal(self._roles))
        self.reveal_button.clicked.connect(self.reveal)
        close = QPushButton("关闭（Esc）")
        close.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.reveal_button)
        layout.addWidget(_title("办理轨迹"))
        layout.addWidget(self.timeline, 3)
        layout.addWidget(_title("已出具文书"))
        layout.addWidget(self.prints, 2)
        layout.addWidget(reprint)
        layout.addWidget(self.access_title)
        layout.addWidget(self.access, 2)
        layout.addWidget(self.status)
        layout.addWidget(close)
        QShortcut(QKeySequence("F8"), self, self.reprint)
        QShortcut(QKeySequence("Ctrl+Shift+I"), self, self.reveal)
        self.reload()

    def reload(self) -> None:
        history, case_id, actor, roles = self._history, self.case_id, self._actor, self._roles
        if self._opened:
            self._runner.submit(
                lambda: history.detail(case_id, actor, roles), self._show, self._failed
            )
            return
        self._opened = True
        self._runner.submit(lambda: history.open(case_id, actor, roles), self._show, self._failed)

    def _show(self, detail: object) -> None:
        assert isinstance(detail, CaseDetail)
        self.detail = detail
        state = detail.state
        due = state.promised_due.isoformat() if state.promised_due else "—"
        rongque = f" · 容缺补齐期限 {state.rongque_due.isoformat()}" if state.rongque_due else ""
        steps = "、".join(detail.next_steps) or "无"
        self.summary.setText(
            f"<b style='font-size:18px'>{state.case_number or '（咨询）'}</b>　"
            f"{detail.matter_name}　<b>{state.status.label}</b><br>"
            f"申请人：{state.applicant_name or '—'}　首办负责人：{state.first_handler or '—'}　"
            f"承诺办结：{due}{rongque}<br>送达：{escape(detail.service)}<br>"
            f"可办理的下一步：{steps}"
        )
        _fill(
            self.timeline,
            [
                (
                    f"{e.at:%Y-%m-%d %H:%M}",
                    e.label,
                    e.actor,
                    e.station_id,
                    e.sync_label,
                    e.detail,
                )
                for e in detail.timeline
            ],
        )
        _fill(
            self.prints,
            [
                (
                    p.title_zh,
                    "补打" if p.is_reprint else "打印",
                    p.state_zh,
                    p.printer,
                    f"{p.requested_at.astimezone(detail.timeline[0].at.tzinfo):%m-%d %H:%M}",
                )
                for p in detail.prints
            ],
        )
        log = detail.access_log
        self.access_title.setVisible(log is not None)
        self.access.setVisible(log is not None)
        _fill(
            self.access,
            [
                (f"{a.at:%Y-%m-%d %H:%M}", a.label, a.actor, a.station_id, a.sync_label, a.detail)
                for a in log or ()
            ],
        )
        self.prints.setFocus()

    def reveal(self) -> None:
        """The applicant's whole ID number, for roles that may see it; the reveal is audited."""
        privacy = self._privacy
        if privacy is None:
            return
        case_id, actor, roles = self.case_id, self._actor, self._roles
        self._runner.submit(
            lambda: privacy.reveal_id_number(case_id, actor, roles), self._revealed, self._failed
        )

    def _revealed(self, number: object) -> None:
        assert isinstance(number, str)
        self.revealed = number
        self.status.setText(f"完整证件号码：{number}（本次查看已记录）")

    def reprint(self) -> None:
        """F8: the selected document again (or every original when none is selected)."""
        if self.detail is None:
            return
        rows = sorted({i.row() for i in self.prints.selectedIndexes()})
        originals = [p for p in self.detail.prints if not p.is_reprint]
        chosen = [self.detail.prints[r] for r in rows] if rows else originals
        if not chosen:
            self.status.setText("该办件没有打印过文书。")
            return
        service, actor = self._print, self._actor

        def work() -> int:
            for entry in chosen:
                service.reprint(entry.job_id, request_id=uuid.uuid4(), actor=actor)
            return len(chosen)

        self._runner.submit(work, self._reprinted, self._failed)

    def _reprinted(self, count: object) -> None:
        self.status.setText(f"已补打 {count} 份文书（盖“补打”字样）。")
        self.reload()

    def _failed(self, error: Exception) -> None:
        message = error.user_message if isinstance(error, DomainError) else "读取失败，请重试。"
        self.status.setText(message)


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


def _table(headers: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
