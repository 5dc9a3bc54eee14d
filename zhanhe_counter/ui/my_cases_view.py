"""我的办件 (F4): the clerk's cases as 首办负责人, deadline column coloured, with a search box.

The search runs on the storage thread; the table is a Qt model over the service's rows, sorted
by a proxy. ID numbers are shown masked only; a full number typed in the box is masked before
the store sees it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from zhanhe_counter.services.my_cases import RECENT_FINISHED, SEARCH_LIMIT, MyCaseRow
from zhanhe_counter.services.urgency import Urgency
from zhanhe_counter.ui import theme
from zhanhe_counter.ui.context import CounterContext
from zhanhe_counter.ui.jobs import StorageRunner

_HEADERS = ("受理编号", "申请人", "证件号码", "事项", "状态", "同步", "期限", "剩余工作日")
_URGENCY_COLOURS = {
    Urgency.OK: theme.OK,
    Urgency.DUE_SOON: theme.WARN,
    Urgency.OVERDUE: theme.BAD,
}
_Index = QModelIndex | QPersistentModelIndex


class MyCasesModel(QAbstractTableModel):
    """Rows of :class:`MyCaseRow`."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[MyCaseRow] = []

    def set_rows(self, rows: list[MyCaseRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.UserRole:  # sort key
            if column == 6:
                return row.deadline.isoformat() if row.deadline else "9999"
            if column == 7:
                return row.working_days_left if row.working_days_left is not None else 10**6
            return self._text(row, column)
        if role == Qt.ItemDataRole.ForegroundRole and column in (6, 7):
            colour = _URGENCY_COLOURS.get(row.urgency)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.ToolTipRole and column == 6 and row.urgency.label:
            return row.urgency.label
        return None

    @staticmethod
    def _text(row: MyCaseRow, column: int) -> str:
        deadline = (
            f"{row.deadline_label} {row.deadline:%Y-%m-%d}" if row.deadline is not None else ""
        )
        if row.urgency in (Urgency.DUE_SOON, Urgency.OVERDUE):
            deadline = f"⚠ {deadline}（{row.urgency.label}）"
        left = "" if row.working_days_left is None else str(row.working_days_left)
        return (
            row.case_number,
            row.applicant_name,
            row.applicant_id_masked,
            row.matter_name,
            row.status_label,
            row.sync.label,
            deadline,
            left,
        )[column]


class MyCasesView(QWidget):
    """我的办件."""

    case_chosen = Signal(object)  # UUID of the case (for F8 reprint)
    loaded = Signal(int)

    def __init__(
        self,
        context: CounterContext,
        staff_id: str,
        runner: StorageRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.staff_id = staff_id
        self.runner = runner
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("搜索：受理编号、姓名、身份证号或事项（回车）")
        self.model = MyCasesModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)  # the cut-off note must not widen the page
        self.summary.setObjectName("hint")
        title = QLabel("我的办件（首办负责人）")
        title.setObjectName("sectionTitle")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.reload)
        self.filter.textEdited.connect(lambda _text: self._debounce.start())
        self.filter.returnPressed.connect(self._search_now)
        self.table.activated.connect(self._activated)
        # Keyboard: F4 lands in the list (arrows pick, Enter opens); "/" goes to the search box,
        # whose Enter searches and comes back to the list.
        find = QShortcut(QKeySequence("/"), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_filter)

    def focus_list(self) -> None:
        self.table.setFocus()
        if not self.table.currentIndex().isValid() and self.proxy.rowCount() > 0:
            self.table.selectRow(0)

    def focus_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()

    def _search_now(self) -> None:
        self._debounce.stop()
        self.reload()
        self.table.setFocus()

    def reload(self) -> None:
        text = self.filter.text()
        service = self.context.my_cases
        staff_id = self.staff_id
        self.runner.submit(lambda: service.list(staff_id, text), self._show)

    def _show(self, rows: object) -> None:
        assert isinstance(rows, list)
        self.model.set_rows(rows)
        warn = sum(r.urgency in (Urgency.DUE_SOON, Urgency.OVERDUE) for r in rows)
        self.summary.setText(
            f"共 {len(rows)} 件，其中 {warn} 件即将到期或已超期。{self._cut_off_note(len(rows))}"
            "回车查看办件详情（办理轨迹、文书、补打），F8 补打全部文书。"
        )
        if rows:
            self.table.selectRow(0)
        self.loaded.emit(len(rows))

    def _cut_off_note(self, shown: int) -> str:
        """What the list leaves out (services/my_cases.py), so an older case is searched for,
        not thought lost."""
        if self.filter.text().strip():
            if shown >= SEARCH_LIMIT:
                return f"只显示最近的 {SEARCH_LIMIT} 件匹配办件，请输入更具体的查找条件。"
            return ""
        return (
            f"未办结的全部列出，已办结的只列最近 {RECENT_FINISHED} 件；"
            "更早的请输入姓名、编号或事项查找。"
        )

    def selected_case(self) -> UUID | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.rows[self.proxy.mapToSource(index).row()].case_id

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.rows[self.proxy.mapToSource(index).row()]
        self.case_chosen.emit(row.case_id)
