"""The supervisor view (督查：业务统计): scope, period and grouping pickers, the table, a bar chart
of one figure per group, and the cases behind any number (double-click a cell, or Enter).

The scope (Alt+R) is 本机 and, when the centre gives this station a supervisor role, 本厅 and
全区 (``services/supervision.py``); below the table, tabs list the cases behind a number (Alt+1),
the period's 差评 (Alt+2) and its overdue cases (Alt+3) across the stations of the scope. Every
read — the centre's roles, the figures, the lists — runs on the window's storage runner.

A listed case opens in the case detail (Enter or double-click) when the window gives an
``open_case``; that detail shows the supervisor the case's 查阅记录 (access log), and the opening is
itself recorded there.

QtCharts is not in PySide6-Essentials, so the chart is a small QPainter widget. The view only
talks to ``TallyService``; it never opens a database itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPaintEvent, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from zhanhe_counter.domain.china_time import minute_text
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.ports.tally import FactCase, Figure, Grouping, Period
from zhanhe_counter.services.supervision import AttentionLists, SupervisorDesk, ViewScope
from zhanhe_counter.services.tally import TallyReport, TallyService
from zhanhe_counter.services.tally_export import (
    EXPORT_FORMATS,
    FORMAT_LABELS,
    ExportDone,
    TallyExportService,
    default_file_name,
)
from zhanhe_counter.ui.jobs import StorageRunner

log = logging.getLogger(__name__)

SUPERVISOR_ROLE = "supervisor"  # 督查
_Index = QModelIndex | QPersistentModelIndex


class TallyTableModel(QAbstractTableModel):
    """统计表模型: one row per group plus the 合计 row; column 0 is the group."""

    def __init__(self) -> None:
        super().__init__()
        self.report: TallyReport | None = None

    def set_report(self, report: TallyReport | None) -> None:
        self.beginResetModel()
        self.report = report
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if self.report is None or parent.isValid() else len(self.report.rows) + 1

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 1 + len(Figure)

    def group_key(self, row: int) -> str | None:
        """The group of ``row``; None for the totals row."""
        assert self.report is not None
        return self.report.rows[row].key if row < len(self.report.rows) else None

    def figure(self, column: int) -> Figure | None:
        return None if column == 0 else list(Figure)[column - 1]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.report is None or not index.isValid():
            return None
        rows = self.report.rows
        row = rows[index.row()] if index.row() < len(rows) else self.report.total
        figure = self.figure(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return row.label if figure is None else str(row[figure])
        if role == Qt.ItemDataRole.TextAlignmentRole and figure is not None:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole and figure is not None:
            return row[figure]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        figure = self.figure(section)
        if figure is None:
            return self.report.grouping.label if self.report else "分组"
        return figure.label


class BarChart(QWidget):
    """A horizontal bar per group for one figure (柱状图), drawn with QPainter."""

    def __init__(self) -> None:
        super().__init__()
        self.bars: list[tuple[str, int]] = []
        self.title = ""
        self.setMinimumHeight(100)

    def set_bars(self, title: str, bars: list[tuple[str, int]]) -> None:
        self.title, self.bars = title, bars
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), QColor("#ffffff"))
            painter.drawText(8, 18, self.title)
            if not self.bars:
                painter.drawText(8, 44, "没有数据")
                return
            top, label_w = 28, min(220, self.width() // 3)
            height = max(12, (self.height() - top - 8) // len(self.bars))
            top_value = max(v for _, v in self.bars) or 1
            for i, (label, value) in enumerate(self.bars):
                y = top + i * height
                painter.setPen(QColor("#333333"))
                painter.drawText(
                    8, y, label_w - 12, height, int(Qt.AlignmentFlag.AlignVCenter), label
                )
                width = int((self.width() - label_w - 60) * value / top_value)
                painter.fillRect(label_w, y + 2, width, height - 4, QColor("#2f6f9f"))
                painter.drawText(
                    label_w + width + 6,
                    y,
                    50,
                    height,
                    int(Qt.AlignmentFlag.AlignVCenter),
                    str(value),
                )
        finally:
            painter.end()


class SupervisorView(QWidget):
    """督查统计视图."""

    exported = Signal(object)  # ExportDone

    def __init__(
        self,
        service: TallyService,
        today: date,
        runner: StorageRunner,
        open_case: Callable[[UUID], object] | None = None,
        *,
        exporter: TallyExportService | None = None,
        staff_id: str = "",
        desk: SupervisorDesk | None = None,
    ) -> None:
        super().__init__()
        self.service = service
        self.desk = desk
        self.view_scope = ViewScope.STATION
        self._scopes_asked = False
        self.attention: AttentionLists | None = None
        self.exporter = exporter
        self.staff_id = staff_id
        #: Where to save an export (a file dialog); tests answer it themselves.
        self.ask_path: Callable[[str, str], Path | None] = self._ask_path
        self.open_case = open_case
        self.case_ids: list[UUID] = []
        self.runner = runner
        self.report: TallyReport | None = None
        self.first = QDateEdit(QDate(today.year, today.month, today.day))
        self.last = QDateEdit(QDate(today.year, today.month, today.day))
        for edit in (self.first, self.last):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setCalendarPopup(True)
        self.grouping = QComboBox()
        for grouping in (
            Grouping.WINDOW,
            Grouping.HALL,
            Grouping.CLERK,
            Grouping.DEPARTMENT,
            Grouping.MATTER,
        ):
            self.grouping.addItem(grouping.label, grouping)
        self.chart_figure = QComboBox()
        for figure in Figure:
            self.chart_figure.addItem(figure.label, figure)
        # Receipts are the day's main figure; consultations are often none at a busy window.
        self.chart_figure.setCurrentIndex(self.chart_figure.findData(Figure.RECEIVED))
        self.run_button = QPushButton("统计 (F5)")
        self.run_button.setShortcut("F5")
        self.export_format = QComboBox()
        for file_format in EXPORT_FORMATS:
            self.export_format.addItem(file_format.upper(), file_format)
        self.export_button = QPushButton("导出 (F6)")
        self.export_button.setShortcut("F6")
        self.export_button.setEnabled(exporter is not None)
        self.export_button.clicked.connect(self.export)
        self.scope_picker = QComboBox()
        self.scope_picker.addItem(ViewScope.STATION.label, ViewScope.STATION)
        self.scope_picker.setToolTip("统计范围：本机；督查岗另有本厅、全区（中心数据）")
        self.scope_picker.currentIndexChanged.connect(self._scope_chosen)
        scope_label = QLabel("范围(&R)")
        scope_label.setBuddy(self.scope_picker)
        self.scope = QLabel(service.scope.label)
        self.completeness = QLabel("")
        self.completeness.setWordWrap(True)
        self.scope.setWordWrap(True)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.model = TallyTableModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.chart = BarChart()
        self.cases = QTableWidget(0, 4)
        self.cases.setHorizontalHeaderLabels(["受理编号", "事项", "工作人员", "时间"])
        self.bad_ratings = _case_list()
        self.overdue = _case_list()
        self.lists = QTabWidget()
        self.lists.addTab(self.cases, "明细 (Alt+1)")
        self.lists.addTab(self.bad_ratings, "差评回访 (Alt+2)")
        self.lists.addTab(self.overdue, "逾期办件 (Alt+3)")
        self._listed: dict[QTableWidget, list[UUID]] = {self.bad_ratings: [], self.overdue: []}
        for number, table in enumerate((self.cases, self.bad_ratings, self.overdue), start=1):
            shortcut = QShortcut(QKeySequence(f"Alt+{number}"), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda table=table: self._show_list(table))

        pickers = QHBoxLayout()
        for widget in (
            scope_label,
            self.scope_picker,
            QLabel("期间"),
            self.first,
            QLabel("至"),
            self.last,
            QLabel("按"),
            self.grouping,
            self.run_button,
        ):
            pickers.addWidget(widget)
        pickers.addStretch(1)
        # A second row, so the pickers never make the window wider than a small screen.
        outputs = QHBoxLayout()
        for widget in (QLabel("图表"), self.chart_figure, QLabel("导出格式"), self.export_format):
            outputs.addWidget(widget)
        outputs.addWidget(self.export_button)
        outputs.addStretch(1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        split.addWidget(self.lists)
        split.setChildrenCollapsible(False)
        split.setSizes([240, 160, 120])  # the table first: the chart only illustrates it
        layout = QVBoxLayout(self)
        layout.addLayout(pickers)
        layout.addLayout(outputs)
        layout.addWidget(self.scope)
        layout.addWidget(self.completeness)
        layout.addWidget(self.message)
        layout.addWidget(split, 1)

        self.run_button.clicked.connect(self.refresh)
        self.chart_figure.currentIndexChanged.connect(self._update_chart)
        self.table.doubleClicked.connect(self.drill)
        self.table.activated.connect(self.drill)
        self.cases.itemActivated.connect(self._case_activated)
        for table in (self.bad_ratings, self.overdue):
            table.itemActivated.connect(self._listed_activated)

    def opened(self) -> None:
        """The page came on screen: show the figures at once, not 没有数据 until F5."""
        if self.report is None:
            self.refresh()
        if self.desk is not None and self.desk.registered and not self._scopes_asked:
            self._scopes_asked = True
            self.runner.submit(self.desk.scopes, self._show_scopes, self._scopes_failed)
        self.table.setFocus()

    def _show_scopes(self, scopes: object) -> None:
        assert isinstance(scopes, tuple)
        self.scope_picker.blockSignals(True)
        self.scope_picker.clear()
        for scope in scopes:
            self.scope_picker.addItem(scope.label, scope)
        self.scope_picker.setCurrentIndex(max(0, self.scope_picker.findData(self.view_scope)))
        self.scope_picker.blockSignals(False)

    def _scopes_failed(self, error: Exception) -> None:
        """The centre could not say: only 本机, and the reason (this PC's figures still work)."""
        self._scopes_asked = False  # ask again next time the page opens
        self.message.setText(
            error.user_message if isinstance(error, DomainError) else "暂时无法读取中心的督查范围。"
        )

    def choose_scope(self, scope: ViewScope) -> None:
        """Show ``scope``'s figures (one the picker offers)."""
        index = self.scope_picker.findData(scope)
        if index >= 0:
            self.scope_picker.setCurrentIndex(index)

    def _scope_chosen(self, _index: int) -> None:
        scope = ViewScope(self.scope_picker.currentData())
        desk = self.desk
        if desk is None or scope is self.view_scope:
            return
        self.view_scope = scope
        self.report, self.attention = None, None
        self.message.setText("正在统计……")
        # Building a central source may open the centre's login: not on the GUI thread.
        self.runner.submit(lambda: (scope, desk.service(scope)), self._use_service, self._failed)

    def _use_service(self, result: object) -> None:
        assert isinstance(result, tuple)
        scope, service = result
        assert isinstance(service, TallyService)
        if scope is not self.view_scope:
            return  # chosen again meanwhile: that choice's own job follows
        self.service = service
        self.scope.setText(
            service.scope.label
            if scope is ViewScope.STATION
            else f"中心数据（{scope.label}，按本站督查范围）"
        )
        # Exports are audited in this PC's own records: only this PC's figures export.
        self.export_button.setEnabled(self.exporter is not None and scope is ViewScope.STATION)
        self.refresh()

    def page_keys(self) -> list[tuple[str, Callable[[], object]]]:
        return [("F5 统计", self.run_button.click), ("F6 导出", self.export_button.click)]

    def primary_widgets(self) -> dict[str, QWidget]:
        return {"统计": self.run_button, "导出": self.export_button, "统计表": self.table}

    def export(self) -> None:
        """F6 导出: the tally on screen as XLSX, CSV or PDF; the cases it counts are audited."""
        exporter, report = self.exporter, self.report
        if exporter is None:
            return
        if report is None:
            self.message.setText("请先统计（F5），再导出。")
            return
        file_format = str(self.export_format.currentData())
        out = self.ask_path(default_file_name(report, file_format), file_format)
        if out is None:
            return
        staff_id = self.staff_id
        self.message.setText("正在导出……")
        self.runner.submit(
            lambda: exporter.export(report, file_format, out, staff_id),
            self._exported,
            self._failed,
        )

    def _exported(self, done: object) -> None:
        assert isinstance(done, ExportDone)
        self.message.setText(f"已导出 {done.file_format.upper()}：{done.path}（已记录导出审计）")
        self.exported.emit(done)

    def _ask_path(self, name: str, file_format: str) -> Path | None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "导出统计", str(Path.home() / name), FORMAT_LABELS[file_format]
        )
        return Path(chosen) if chosen else None

    def period(self) -> Period:
        return Period(self.first.date().toPython(), self.last.date().toPython())  # type: ignore[arg-type]

    def refresh(self) -> None:
        """Run the tally on the storage thread; the table fills in when it is done."""
        # Qt hands a StrEnum back as a plain str.
        grouping = Grouping(self.grouping.currentData())
        service = self.service
        try:
            period = self.period()
        except DomainError as error:
            self._failed(error)
            return
        self.message.setText("正在统计……")

        def count() -> tuple[TallyService, TallyReport, AttentionLists]:
            report = service.tally(period, grouping)
            return service, report, SupervisorDesk.attention(service, report)

        self.runner.submit(count, self._show, self._failed)

    def _failed(self, error: Exception) -> None:
        if isinstance(error, DomainError):
            self.message.setText(error.user_message)
        else:
            log.error("tally failed", exc_info=error)
            self.message.setText("统计失败，请重试。")

    def _show(self, result: object) -> None:
        assert isinstance(result, tuple)
        service, report, attention = result
        assert isinstance(report, TallyReport)
        assert isinstance(attention, AttentionLists)
        if service is not self.service:
            return  # the scope changed while it ran: its own run follows
        self.report, self.attention = report, attention
        self._fill(self.bad_ratings, attention.bad_ratings)
        self._fill(self.overdue, attention.overdue)
        self.lists.setTabText(1, f"差评回访 {len(attention.bad_ratings)} (Alt+2)")
        self.lists.setTabText(2, f"逾期办件 {len(attention.overdue)} (Alt+3)")
        self.message.setText("")
        self.model.set_report(self.report)
        self.completeness.setText(self.report.completeness)
        self.table.resizeColumnsToContents()
        self._update_chart()

    def _update_chart(self) -> None:
        if self.report is None:
            return
        figure = Figure(self.chart_figure.currentData())
        self.chart.set_bars(figure.label, [(r.label, r[figure]) for r in self.report.rows])

    def drill(self, index: QModelIndex) -> None:
        """List the cases behind the number at ``index``."""
        figure = self.model.figure(index.column())
        if self.report is None or figure is None:
            return
        report, key = self.report, self.model.group_key(index.row())
        self.runner.submit(
            lambda: (figure, self.service.drill(report, key, figure)),
            self._show_cases,
            self._failed,
        )

    def _show_cases(self, result: object) -> None:
        assert isinstance(result, tuple)
        figure, cases = result
        self.case_ids = [case.case_id for case in cases]
        self.cases.setRowCount(len(cases))
        for row, case in enumerate(cases):
            values = (
                case.case_number or "（咨询）",
                case.matter,
                case.clerk,
                minute_text(case.at),
            )
            for column, value in enumerate(values):
                self.cases.setItem(row, column, QTableWidgetItem(value))
        self.message.setText(f"{figure.label}：{len(cases)} 件")

    def _case_activated(self, item: QTableWidgetItem) -> None:
        """Enter or double-click on a listed case: its detail, with the access log."""
        if self.open_case is not None and 0 <= item.row() < len(self.case_ids):
            self.open_case(self.case_ids[item.row()])

    def _fill(self, table: QTableWidget, cases: tuple[FactCase, ...]) -> None:
        self._listed[table] = [case.case_id for case in cases]
        table.setRowCount(len(cases))
        for row, case in enumerate(cases):
            values = (
                case.case_number or "（咨询）",
                case.figure.label,
                self._station_label(case.station),
                case.clerk,
                case.matter,
                minute_text(case.at),
            )
            for column, value in enumerate(values):
                table.setItem(row, column, QTableWidgetItem(value))
        table.resizeColumnsToContents()

    def _station_label(self, station: str) -> str:
        report = self.report
        if report is None:
            return station
        row = report.row(station) if report.grouping is Grouping.WINDOW else None
        return row.label if row is not None else station

    def _show_list(self, table: QTableWidget) -> None:
        self.lists.setCurrentWidget(table)
        table.setFocus()
        if table.rowCount() and table.currentRow() < 0:
            table.setCurrentCell(0, 0)

    def _listed_activated(self, item: QTableWidgetItem) -> None:
        """Enter on a listed 差评 or overdue case: its detail (when this PC holds it)."""
        ids = self._listed.get(item.tableWidget(), [])
        if self.open_case is not None and 0 <= item.row() < len(ids):
            self.open_case(ids[item.row()])


def _case_list() -> QTableWidget:
    table = QTableWidget(0, 6)
    table.setHorizontalHeaderLabels(["受理编号", "情况", "窗口", "工作人员", "事项", "时间"])
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    return table
