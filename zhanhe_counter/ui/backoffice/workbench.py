"""后台审批工作台: the queues, their countdowns, and the actions a case's state allows.

Tabs hold the 20-minute answers, the 5-working-day acceptances, reviews, certificates and
handovers, the 容缺/补正 list and the 差评 follow-ups. The countdown column is coloured as
everywhere (green, amber, red). The right panel shows the selected case and the buttons its
state allows (``allowed_next``); F9 shows the department's 承办处室、联系人、电话 (Art. 11) for a
reviewer waiting on an answer. Every action runs off the UI thread (``ui.jobs``), then the
lists refresh and its documents go to the print queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any
from uuid import UUID

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from uuid6 import uuid7

from zhanhe_counter.domain.case import CaseState, CaseStatus, allowed_next
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.domain.matters import Material
from zhanhe_counter.domain.payloads import InspectionKind, MaterialItem, ServiceMethod
from zhanhe_counter.services.backoffice import ActionResult
from zhanhe_counter.services.backoffice_queues import QueueItem, QueueKind
from zhanhe_counter.services.counter_answer import answer_print_request
from zhanhe_counter.services.followups import FollowupActionKind, FollowupRow
from zhanhe_counter.services.notice_service import to_serve
from zhanhe_counter.services.supplements import SupplementRow
from zhanhe_counter.ui import theme
from zhanhe_counter.ui.backoffice.context import FollowthroughServices
from zhanhe_counter.ui.backoffice.rows_model import Column, RowsModel
from zhanhe_counter.ui.backoffice.service_dialog import ServiceDialog, ServiceEntry
from zhanhe_counter.ui.capture.material_viewer import MaterialViewer
from zhanhe_counter.ui.dialogs import confirm
from zhanhe_counter.ui.jobs import StorageRunner
from zhanhe_counter.ui.layout import scrolling

log = logging.getLogger(__name__)

#: Full refresh of every list once in this many countdown ticks (one tick a second).
_FULL_REFRESH_TICKS = 15

_QUEUE_COLUMNS: list[Column[QueueItem]] = [
    Column("期限", lambda r: r.countdown, countdown=True, sort_key=lambda r: r.remaining or 0),
    Column("办件编号", lambda r: r.case_number),
    Column("事项", lambda r: r.matter_name),
    Column("申请人", lambda r: r.applicant_name),
    Column("承办部门", lambda r: r.department),
    Column("状态", lambda r: r.status_label),
]
_SUPPLEMENT_COLUMNS: list[Column[SupplementRow]] = [
    Column("期限", lambda r: r.countdown, countdown=True, sort_key=lambda r: r.deadline),
    Column("补齐日期", lambda r: r.deadline.isoformat() if r.deadline else ""),
    Column("类别", lambda r: r.kind.label),
    Column("待补材料", lambda r: r.item_names),
    Column("办件编号", lambda r: r.case_number),
    Column("申请人", lambda r: r.applicant_name),
    Column("首办负责人", lambda r: r.first_handler or ""),
]
_FOLLOWUP_COLUMNS: list[Column[FollowupRow]] = [
    Column("整改期限", lambda r: r.countdown, countdown=True, sort_key=lambda r: r.deadline),
    Column("评价", lambda r: r.level_label),
    Column("原因", lambda r: "、".join(r.reasons)),
    Column("办件编号", lambda r: r.case_number),
    Column("事项", lambda r: r.matter_name),
    Column("窗口人员", lambda r: r.staff_id),
    Column("状态", lambda r: r.status.label),
]

#: Button text, shortcut and the event kind that must be allowed for it.
_ACTIONS: list[tuple[str, str, str, EventKind]] = [
    ("accept", "受理", "F5", EventKind.ACCEPTED),
    ("notify", "一次性告知", "F6", EventKind.NOTIFIED_ONCE),
    ("refuse", "不予受理", "F7", EventKind.REFUSED),
    ("inspect", "核查记录", "F8", EventKind.INSPECTED),
    ("approve", "准予", "F10", EventKind.DECIDED),
    ("refuse_decision", "不予办理", "Shift+F10", EventKind.DECIDED),
    ("certificate", "制证", "F11", EventKind.CERTIFICATE_MADE),
    ("handover", "移交出件", "F12", EventKind.HANDED_TO_DELIVERY),
]


@dataclass(frozen=True)
class _Lists:
    """What the workbench shows, as last read from the store (supplements None: not re-read)."""

    queues: dict[QueueKind, list[QueueItem]]
    supplements: list[SupplementRow] | None = None
    followups: list[FollowupRow] | None = None
    staff_names: dict[str, str] | None = None

    def merged(self, newer: _Lists) -> _Lists:
        return _Lists(
            {**self.queues, **newer.queues},
            self.supplements if newer.supplements is None else newer.supplements,
            self.followups if newer.followups is None else newer.followups,
            self.staff_names if newer.staff_names is None else newer.staff_names,
        )


class ChoiceDialog(QDialog):
    """Tick from a list and/or type lines (选择或填写): reasons, notice items, collect list."""

    def __init__(
        self,
        title: str,
        prompt: str,
        choices: Sequence[str],
        *,
        checked: Sequence[str] = (),
        free_text_label: str = "其他（每行一条）",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        question = QLabel(prompt)
        question.setWordWrap(True)  # a long prompt wraps instead of being cut off
        layout.addWidget(question)
        self.list = QListWidget()
        for choice in choices:
            item = QListWidgetItem(choice)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if choice in checked else Qt.CheckState.Unchecked
            )
            self.list.addItem(item)
        if choices:
            layout.addWidget(self.list)
        layout.addWidget(QLabel(free_text_label))
        self.text = QPlainTextEdit()
        self.text.setFixedHeight(90)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def values(self) -> list[str]:
        ticked = [
            self.list.item(i).text()
            for i in range(self.list.count())
            if self.list.item(i).checkState() is Qt.CheckState.Checked
        ]
        typed = [line.strip() for line in self.text.toPlainText().splitlines() if line.strip()]
        return ticked + typed


class BackofficeWorkbench(QWidget):
    """后台审批工作台. Open with ``BackofficeWorkbench(services, runner, parent)``."""

    action_done = Signal(str)  # the Chinese status line after an action
    action_failed = Signal(str)

    def __init__(
        self,
        services: FollowthroughServices,
        runner: StorageRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.runner = runner  # the window's one storage runner
        self._current: CaseState | None = None
        self._ticks = 0
        self._loading = 0  # list reads out on the storage thread
        self._selected_id: UUID | None = None  # the picked row's case, loaded or on its way
        #: Asks before an irreversible act; tests answer it themselves.
        self.ask_confirm: Callable[[str, str], bool] = lambda title, text: confirm(
            self, title, text
        )
        self._lists = _Lists({})
        self.setWindowTitle(f"后台审批工作台 · {services.staff.name}")

        self.header = QLabel(f"后台审批 · {services.staff.name}")
        self.header.setObjectName("header")
        self.banner = QLabel("")
        self.banner.setStyleSheet(f"color: white; background: {theme.BAD}; padding: 6px;")
        self.banner.hide()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("筛选：编号、申请人、事项")
        self.filter.textChanged.connect(self._apply_filter)

        self.queue_models: dict[QueueKind, RowsModel[QueueItem]] = {}
        self.tables: dict[str, QTableView] = {}
        self.tabs = QTabWidget()
        for kind in QueueKind:
            model: RowsModel[QueueItem] = RowsModel(_QUEUE_COLUMNS, lambda r: r.urgency)
            self.queue_models[kind] = model
            self._add_tab(kind.value, kind.label, model)
        self.supplement_model: RowsModel[SupplementRow] = RowsModel(
            _SUPPLEMENT_COLUMNS, lambda r: r.urgency
        )
        self._add_tab("supplements", "容缺补齐", self.supplement_model)
        self.followup_model: RowsModel[FollowupRow] = RowsModel(
            _FOLLOWUP_COLUMNS, lambda r: r.urgency
        )
        self._add_tab("followups", "差评回访", self.followup_model)
        self.tabs.currentChanged.connect(lambda _: self._selection_changed())

        # The case panel.
        self.case_title = QLabel("请在左侧选择办件")
        self.case_title.setObjectName("sectionTitle")
        self.case_details = QLabel("")
        self.case_details.setWordWrap(True)
        self.case_details.setTextFormat(Qt.TextFormat.RichText)
        self.contact = QLabel("")
        self.contact.setWordWrap(True)
        self.contact.setObjectName("hint")
        self.contact_button = QPushButton("联系承办部门 [F9]")
        self.contact_button.clicked.connect(self.show_contact)
        self.materials_button = QPushButton("材料影像 [Ctrl+M]")
        self.materials_button.clicked.connect(self.show_materials)
        self.materials_button.setEnabled(False)
        QShortcut(QKeySequence("Ctrl+M"), self, self.show_materials)
        self.buttons: dict[str, QPushButton] = {}
        panel = QVBoxLayout()
        panel.addWidget(self.case_title)
        # The case's details scroll; the action buttons below them stay in view.
        details = scrolling(self.case_details)
        details.setMinimumHeight(60)
        panel.addWidget(details, 1)
        # Side by side: on a 960×600 desk every row of the panel counts.
        case_row = QHBoxLayout()
        case_row.addWidget(self.contact_button)
        case_row.addWidget(self.materials_button)
        panel.addLayout(case_row)
        panel.addWidget(self.contact)
        handlers: dict[str, Callable[[], None]] = {
            "accept": self.accept_current,
            "notify": self._ask_notice,
            "refuse": self._ask_refusal,
            "inspect": self._ask_inspection,
            "approve": self._ask_approval,
            "refuse_decision": self._ask_decision_refusal,
            "certificate": self._ask_certificate,
            "handover": self._ask_handover,
        }
        grid = QGridLayout()  # two columns: eight actions in four rows fit a short screen
        grid.setSpacing(4)
        panel.addLayout(grid)
        for index, (key, text, shortcut, _kind) in enumerate(_ACTIONS):
            button = QPushButton(f"{text} [{shortcut}]")
            button.clicked.connect(handlers[key])
            button.setEnabled(False)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # its key works from the queue
            QShortcut(QKeySequence(shortcut), self, button.click)
            self.buttons[key] = button
            grid.addWidget(button, index // 2, index % 2)
        self.callback_button = QPushButton("记录回访/整改")
        self.callback_button.clicked.connect(self._ask_followup)
        self.callback_button.hide()
        panel.addWidget(self.callback_button)
        self.serve_button = QPushButton("登记送达（直接/邮寄/电子）")
        self.serve_button.clicked.connect(self._ask_service)
        self.serve_button.setEnabled(False)
        self.serve_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        panel.addWidget(self.serve_button)
        self.supplement_button = QPushButton("补齐材料已收")
        self.supplement_button.clicked.connect(self._ask_supplement)
        self.supplement_button.hide()
        panel.addWidget(self.supplement_button)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        panel.addWidget(self.status)
        QShortcut(QKeySequence("F9"), self, self.show_contact)

        # Queues by keyboard: arrows pick the row, Ctrl+Tab / Ctrl+Shift+Tab the queue (the tab
        # widget's own keys), "/" the filter; Enter in the filter goes back to the queue. The
        # queue takes the focus after the tab widget has handled its key.
        self._find_key = QShortcut(QKeySequence("/"), self)
        self._find_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._find_key.activated.connect(self.filter.setFocus)
        self.filter.returnPressed.connect(self.focus_queue)
        self.tabs.currentChanged.connect(lambda _: QTimer.singleShot(0, self.focus_queue))

        side = QWidget()
        side.setLayout(panel)
        side.setFixedWidth(340)
        body = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self.filter)
        left.addWidget(self.tabs, 1)
        body.addLayout(left, 1)
        body.addWidget(side)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.banner)
        layout.addLayout(body, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)
        self.refresh()
        self.timer.start()

    # ------------------------------------------------------------------ lists

    def _add_tab(self, key: str, label: str, model: RowsModel[Any]) -> None:
        table = QTableView()
        table.setModel(model)
        table.setSortingEnabled(True)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        table.setProperty("tab_key", key)
        self.tables[key] = table
        self.tabs.addTab(table, label)

    def refresh(self) -> None:
        """Re-read every list on the storage thread (and recompute every countdown)."""
        backoffice, supplements, followups = (
            self.services.backoffice,
            self.services.supplements,
            self.services.followups,
        )

        names = self.services.staff_names

        def work() -> _Lists:
            queues = {kind: backoffice.queue(kind) for kind in QueueKind}
            staff = dict(names()) if names is not None else None
            return _Lists(queues, supplements.pending(), followups.rows(), staff)

        self._load(work)

    def refresh_countdowns(self) -> None:
        """The 20-minute list only: it changes every second."""
        backoffice = self.services.backoffice
        self._load(lambda: _Lists({QueueKind.ANSWER: backoffice.queue(QueueKind.ANSWER)}))

    def _load(self, work: Callable[[], _Lists]) -> None:
        self._loading += 1
        self.runner.submit(work, self._loaded, self._load_failed)

    def _loaded(self, lists: object) -> None:
        assert isinstance(lists, _Lists)
        self._loading -= 1
        self._lists = self._lists.merged(lists)
        self._show_lists(full=lists.supplements is not None)

    def _load_failed(self, error: Exception) -> None:
        self._loading -= 1
        # A storage hiccup: say so and keep the screen as it was.
        self.status.setText(
            error.user_message if isinstance(error, DomainError) else "列表刷新失败，请稍后重试。"
        )
        if not isinstance(error, DomainError):
            log.error("back-office lists not read: %r", error)

    def _show_lists(self, *, full: bool = True) -> None:
        keep = self._selected_id
        lists = self._lists
        for kind, model in self.queue_models.items():
            if full or kind is QueueKind.ANSWER:
                model.set_rows(self._filtered(lists.queues.get(kind, ())))
        if full:
            self.supplement_model.set_rows(self._filtered(lists.supplements or ()))
            self.followup_model.set_rows(self._filtered(lists.followups or ()))
        self._update_tab_titles()
        self._update_banner()
        if not full:
            if keep is not None and self.current_tab() == QueueKind.ANSWER.value:
                self.select_case(keep)
            return
        if keep is not None:
            self.select_case(keep)
        self._selection_changed()

    def _tick(self) -> None:
        self._ticks += 1
        if self._loading:  # the storage thread is behind: do not pile up reads
            return
        if self._ticks % _FULL_REFRESH_TICKS == 0:
            self.refresh()
        else:
            self.refresh_countdowns()

    def _filtered(self, rows: Sequence[Any]) -> list[Any]:
        needle = self.filter.text().strip()
        if not needle:
            return list(rows)
        return [r for r in rows if needle in " ".join(str(v) for v in _searchable(r))]

    def _apply_filter(self) -> None:
        self._show_lists()

    def _update_tab_titles(self) -> None:
        for index, kind in enumerate(QueueKind):
            count = len(self.queue_models[kind].rows)
            self.tabs.setTabText(index, f"{kind.label} ({count})")
        base = len(QueueKind)
        self.tabs.setTabText(base, f"容缺补齐 ({len(self.supplement_model.rows)})")
        self.tabs.setTabText(base + 1, f"差评回访 ({len(self.followup_model.rows)})")

    def _update_banner(self) -> None:
        overdue = [r for r in self.queue_models[QueueKind.ANSWER].rows if r.remaining is not None]
        late = [r for r in overdue if r.remaining is not None and r.remaining.total_seconds() <= 0]
        if late:
            self.banner.setText(f"⚠ {len(late)} 件当场受理请求已超过20分钟未答复，请立即处理")
            self.banner.show()
        else:
            self.banner.hide()

    # ------------------------------------------------------------------ selection

    def focus_queue(self) -> None:
        """Focus on the current queue, its first row picked if none is: arrows work at once."""
        table = self.tables.get(self.current_tab())
        if table is None:
            return
        table.setFocus()
        model = table.model()
        if not table.selectionModel().hasSelection() and model.rowCount() > 0:
            table.selectRow(0)

    def page_keys(self) -> list[tuple[str, Callable[[], object]]]:
        """The workbench's keys, for the main window's tool bar."""
        keys: list[tuple[str, Callable[[], object]]] = [
            (f"{shortcut} {text}", self.buttons[key].click)
            for key, text, shortcut, _kind in _ACTIONS
        ]
        keys.insert(4, ("F9 联系部门", self.show_contact))
        return keys

    def primary_widgets(self) -> dict[str, QWidget]:
        return {
            "队列": self.tabs,
            **{f"{text}按钮": self.buttons[key] for key, text, _s, _k in _ACTIONS},
        }

    def current_tab(self) -> str:
        widget = self.tabs.currentWidget()
        return str(widget.property("tab_key")) if widget else ""

    def show_tab(self, key: str) -> None:
        self.tabs.setCurrentWidget(self.tables[key])

    def select_case(self, case_id: UUID) -> bool:
        """Select ``case_id`` in the current tab; False when it is not listed there."""
        table = self.tables[self.current_tab()]
        model = table.model()
        assert isinstance(model, RowsModel)
        for row, item in enumerate(model.rows):
            if getattr(item, "case_id", None) == case_id:
                table.selectRow(row)
                return True
        return False

    def _selected_row(self) -> Any:
        table = self.tables[self.current_tab()]
        model = table.model()
        assert isinstance(model, RowsModel)
        rows = table.selectionModel().selectedRows()
        return model.row_at(rows[0].row()) if rows else None

    def _selection_changed(self) -> None:
        """A row was picked: its case is read on the storage thread, then its actions shown.

        Until it arrives a different case's buttons are off, so a key never acts on the case
        that was on screen before."""
        row = self._selected_row()
        case_id = getattr(row, "case_id", None)
        self._selected_id = case_id
        self.contact.clear()
        if self._current is not None and self._current.case_id != case_id:
            self._current = None
            self._show_case()
        if not isinstance(case_id, UUID):
            self._current = None
            self._show_case()
            return
        self.services.record_view(self.runner, case_id, "workbench")
        backoffice = self.services.backoffice
        self.runner.submit(
            lambda: backoffice.case(case_id),
            lambda state: self._case_loaded(case_id, state),
            self._load_failed,
        )

    def _case_loaded(self, case_id: UUID, state: object) -> None:
        if case_id != self._selected_id:
            return  # the clerk has moved on to another row
        assert isinstance(state, CaseState)
        self._current = state
        self._show_case()

    def _show_case(self) -> None:
        state = self._current
        allowed = allowed_next(state) if state else frozenset()
        for key, _text, _shortcut, kind in _ACTIONS:
            self.buttons[key].setEnabled(kind in allowed)
        self.serve_button.setEnabled(bool(state and to_serve(state, self.services.catalogue)))
        tab = self.current_tab()
        self.callback_button.setVisible(tab == "followups" and state is not None)
        self.supplement_button.setVisible(tab == "supplements" and state is not None)
        self.contact_button.setEnabled(state is not None)
        self.materials_button.setEnabled(
            state is not None and self.services.material_pages is not None
        )
        if state is None:
            self.case_title.setText("请在左侧选择办件")
            self.case_details.clear()
            return
        self.case_title.setText(f"{state.case_number or ''} · {state.status.label}")
        self.case_details.setText(_case_html(state, self.services, self._lists.staff_names or {}))

    def show_materials(self) -> None:
        """Ctrl+M: the case's 材料影像, read on the storage thread (from the centre if need be)."""
        state, fetch = self._current, self.services.material_pages
        if state is None or fetch is None:
            return
        case_id = state.case_id
        self.status.setText("正在读取材料影像……")

        def shown(pages: object) -> None:
            assert isinstance(pages, list)
            self.status.setText(f"材料影像 {len(pages)} 页")
            names = {str(n): m.name for n, m in enumerate(self._materials_of(state), start=1)}
            self.viewer = MaterialViewer(state.case_number or "", pages, names, self)
            self.viewer.show()

        self.runner.submit(lambda: list(fetch(case_id)), shown, self._failed)

    def _materials_of(self, state: CaseState) -> tuple[Material, ...]:
        matter = self.services.catalogue.matters.get(state.matter_id or "")
        return matter.materials if matter else ()

    def show_contact(self) -> None:
        """承办处室、联系人、电话 of the selected case's department (Art. 11)."""
        if self._current is None:
            return
        backoffice, case_id = self.services.backoffice, self._current.case_id
        self.runner.submit(
            lambda: backoffice.contact_line(case_id), self.contact.setText, self._load_failed
        )

    # ------------------------------------------------------------------ actions (callable)

    def accept_current(self) -> None:
        self._run("受理", lambda s, c, a: s.accept(c, a, event_id=uuid7()))

    def refuse_current(self, reasons: Sequence[str], basis: str | None = None) -> None:
        self._run("不予受理", lambda s, c, a: s.refuse(c, reasons, a, basis=basis))

    def notify_current(self, items: Sequence[MaterialItem]) -> None:
        self._run("一次性告知", lambda s, c, a: s.notify_once(c, items, a))

    def inspect_current(self, inspection: InspectionKind, findings: str) -> None:
        self._run("核查记录", lambda s, c, a: s.inspect(c, inspection, findings, a))

    def approve_current(self) -> None:
        self._run("准予", lambda s, c, a: s.approve(c, a))

    def _ask_approval(self) -> None:
        """F10 准予 cannot be taken back: ask first (取消 is the default)."""
        state = self._current
        if state is None:
            return
        who = f"{state.case_number or ''}（{state.applicant_name or ''}）"
        question = f"对 {who} 作出准予决定？此操作不可撤销。"
        if self.ask_confirm("准予", question):
            self.approve_current()

    def refuse_decision_current(self, reasons: Sequence[str], basis: str | None = None) -> None:
        self._run("不予办理", lambda s, c, a: s.refuse_decision(c, reasons, a, basis=basis))

    def certificate_current(self, number: str) -> None:
        self._run("制证", lambda s, c, a: s.make_certificate(c, a, certificate_number=number))

    def handover_current(self, collect: Sequence[str] | None = None) -> None:
        name = self.services.staff.name
        self._run(
            "移交出件",
            lambda s, c, a: s.hand_to_delivery(c, a, collect_at_delivery=collect, actor_name=name),
        )

    def supplement_current(self, material_ids: Sequence[str]) -> None:
        state = self._current
        if state is None:
            return
        staff = self.services.staff.staff_id
        supplements = self.services.supplements
        event_id = uuid7()

        def work() -> ActionResult:
            return ActionResult(
                supplements.receive(state.case_id, material_ids, staff, event_id=event_id)
            )

        self._submit("补齐材料", work)

    def followup_current(self, kind: FollowupActionKind, note: str) -> None:
        row = self._selected_row()
        if not isinstance(row, FollowupRow):
            return
        followups = self.services.followups
        staff = self.services.staff.staff_id
        action_id = uuid7()

        def work() -> None:
            followups.record(row.rating_event_id, kind, note, staff, action_id=action_id)

        self.runner.submit(work, lambda _: self._done(kind.label), self._failed)

    def _run(self, label: str, action: Callable[[Any, UUID, str], ActionResult]) -> None:
        state = self._current
        if state is None:
            return
        backoffice = self.services.backoffice
        staff = self.services.staff.staff_id
        # The answer to a 20-minute request prints under the counter's request id too, so a
        # PC that is both counter and back office prints the notice once, not twice.
        answering = state.status is CaseStatus.PENDING_BACKOFFICE
        request_id = answer_print_request(state.case_id) if answering else None
        self._submit(label, lambda: action(backoffice, state.case_id, staff), request_id)

    def _submit(
        self, label: str, work: Callable[[], ActionResult], request_id: UUID | None = None
    ) -> None:
        printer = self.services.printer
        staff = self.services.staff.staff_id
        request_id = request_id or uuid7()

        def work_and_print() -> ActionResult:
            result = work()
            if printer is not None and result.documents:
                # Under the id the documents were recorded as owed with, so the queue marks
                # them fulfilled (and a crash before this line has them queued at next start).
                printer.print(
                    result.case.case_id,
                    result.documents,
                    request_id=result.request_id or request_id,
                    actor=staff,
                )
            return result

        for button in self.buttons.values():
            button.setEnabled(False)
        self.runner.submit(work_and_print, lambda _: self._done(label), self._failed)

    def _done(self, label: str) -> None:
        message = f"已{label}。"
        self.status.setStyleSheet(f"color: {theme.OK};")
        self.status.setText(message)
        self.refresh()
        self.action_done.emit(message)

    def _failed(self, error: Exception) -> None:
        message = error.user_message if isinstance(error, DomainError) else "操作未完成，请重试"
        if not isinstance(error, DomainError):
            log.error("back-office action failed: %r", error)
        self.status.setStyleSheet(f"color: {theme.BAD};")
        self.status.setText(message)
        self._show_case()
        self.action_failed.emit(message)

    # ------------------------------------------------------------------ dialogs

    def _ask_refusal(self) -> None:
        reasons = self._ask("不予受理", "请勾选或填写不予受理的理由：", _REFUSAL_REASONS)
        if reasons:
            self.refuse_current(reasons)

    def _ask_decision_refusal(self) -> None:
        reasons = self._ask("不予办理", "请填写不予办理的理由（将附复议、诉讼告知）：", ())
        if not reasons:
            return
        # A refusal cites its legal basis, never a generic one: the catalogue's, or the reviewer's.
        state = self._current
        matter = self.services.catalogue.matters.get(state.matter_id or "") if state else None
        basis = self._ask(
            "法律依据",
            "请勾选或填写不予办理所依据的法律、法规条款：",
            matter.legal_basis if matter else (),
            free_text_label="其他依据（每行一条）",
        )
        self.refuse_decision_current(reasons, "、".join(basis) or None)

    def _ask_notice(self) -> None:
        state = self._current
        if state is None or state.matter_id is None:
            return
        matter = self.services.catalogue.matters.get(state.matter_id)
        names = [m.name for m in matter.materials] if matter else []
        chosen = self._ask("一次性告知", "请勾选全部需补正的材料（只能告知一次）：", names)
        if chosen and matter is not None:
            numbers = {m.name: str(n) for n, m in enumerate(matter.materials, start=1)}
            items = [MaterialItem(numbers.get(c, f"x{i}"), c, None) for i, c in enumerate(chosen)]
            self.notify_current(items)

    def _ask_inspection(self) -> None:
        kinds = ["简易核查", "专业核查"]
        dialog = ChoiceDialog("核查记录", "核查类别（勾选一项）与核查情况：", kinds, parent=self)
        dialog.text.setPlaceholderText("核查情况")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        ticked = [dialog.list.item(i) for i in range(dialog.list.count())]
        professional = ticked[1].checkState() is Qt.CheckState.Checked
        findings = dialog.text.toPlainText().strip()
        kind = InspectionKind.PROFESSIONAL if professional else InspectionKind.SIMPLE
        self.inspect_current(kind, findings)

    def _ask_service(self) -> None:
        state = self._current
        documents = to_serve(state, self.services.catalogue) if state else ()
        if state is None or not documents:
            return
        receiver = state.applicant.present.name if state.applicant else ""
        dialog = ServiceDialog(documents, receiver, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.serve_current(dialog.entry())

    def serve_current(self, entry: ServiceEntry) -> None:
        """登记送达 of the shown case's notice, as the dialog took it."""
        state = self._current
        if state is None:
            return
        notices = self.services.backoffice.notices
        staff = self.services.staff.staff_id
        case_id, event_id = state.case_id, uuid7()

        def work() -> ActionResult:
            if entry.method is ServiceMethod.POST:
                served = notices.mailed(
                    case_id,
                    entry.document,
                    entry.carrier,
                    entry.waybill,
                    staff,
                    address=entry.address,
                    event_id=event_id,
                )
            elif entry.method is ServiceMethod.ELECTRONIC:
                served = notices.electronic(
                    case_id,
                    entry.document,
                    entry.address,
                    staff,
                    consent=entry.consent,
                    event_id=event_id,
                )
            else:
                served = notices.in_person(
                    case_id, entry.document, entry.receiver, staff, event_id=event_id
                )
            return ActionResult(served)

        self._submit("登记送达", work)

    def _ask_certificate(self) -> None:
        values = self._ask("制证", "证照编号（可留空）：", (), free_text_label="证照编号")
        self.certificate_current(values[0] if values else "")

    def _ask_handover(self) -> None:
        if self._current is None:
            return
        backoffice, case_id = self.services.backoffice, self._current.case_id
        self.runner.submit(
            lambda: backoffice.default_collect_list(case_id),
            lambda default: self._ask_collect_list(case_id, default),
            self._failed,
        )

    def _ask_collect_list(self, case_id: UUID, default: object) -> None:
        if self._current is None or self._current.case_id != case_id:
            return
        assert isinstance(default, list)
        dialog = ChoiceDialog(
            "移交出件", "出件时需收取的材料（列入交接单）：", default, checked=default, parent=self
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.handover_current(dialog.values())

    def _ask_supplement(self) -> None:
        state = self._current
        if state is None:
            return
        owed = [*state.outstanding_rongque, *state.outstanding_notice]
        chosen = self._ask("补齐材料", "请勾选已收到的材料：", [i.name for i in owed])
        ids = [i.material_id for i in owed if i.name in chosen]
        if ids:
            self.supplement_current(ids)

    def _ask_followup(self) -> None:
        kinds = [k.label for k in FollowupActionKind]
        dialog = ChoiceDialog("回访整改", "动作（勾选一项）与情况说明：", kinds, parent=self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        ticked = [
            kind
            for i, kind in enumerate(FollowupActionKind)
            if dialog.list.item(i).checkState() is Qt.CheckState.Checked
        ]
        self.followup_current(
            ticked[0] if ticked else FollowupActionKind.CONTACTED, dialog.text.toPlainText()
        )

    def _ask(
        self,
        title: str,
        prompt: str,
        choices: Sequence[str],
        *,
        free_text_label: str = "其他（每行一条）",
    ) -> list[str]:
        dialog = ChoiceDialog(title, prompt, choices, free_text_label=free_text_label, parent=self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return []
        return dialog.values()


_REFUSAL_REASONS = (
    "申请事项依法不需要取得行政许可",
    "申请事项依法不属于本机关职权范围",
    "申请人不具备申请资格",
)


def _searchable(row: Any) -> list[object]:
    return [
        getattr(row, name, "")
        for name in ("case_number", "applicant_name", "matter_name", "department")
    ]


def _case_html(state: CaseState, services: FollowthroughServices, staff: dict[str, str]) -> str:
    matter = services.catalogue.matters.get(state.matter_id or "")
    lines = [
        f"<b>事项</b>：{matter.name if matter else state.matter_id or ''}",
        f"<b>申请人</b>：{state.applicant_name or ''}",
        f"<b>首办负责人</b>：{staff.get(state.first_handler or '', state.first_handler or '')}",
    ]
    if state.promised_due:
        lines.append(f"<b>承诺办结</b>：{state.promised_due.isoformat()}")
    if state.received_materials:
        names = "、".join(i.name for i in state.received_materials)
        lines.append(f"<b>已收材料</b>：{names}")
    owed = [*state.outstanding_rongque, *state.outstanding_notice]
    if owed:
        owed_names = "、".join(i.name for i in owed)
        lines.append(f"<span style='color:{theme.WARN}'><b>待补</b>：{owed_names}</span>")
    if state.refusal_reasons:
        lines.append(f"<b>不予受理理由</b>：{'；'.join(state.refusal_reasons)}")
    if state.decision_reasons:
        lines.append(f"<b>不予办理理由</b>：{'；'.join(state.decision_reasons)}")
    lines += [f"<b>送达</b>：{r.document.label} {escape(r.summary)}" for r in state.services]
    waiting = "、".join(d.label for d in to_serve(state, services.catalogue))
    if waiting:
        lines.append(f"<span style='color:{theme.WARN}'><b>待送达</b>：{waiting}</span>")
    zone = services.clock.now().tzinfo
    history = "<br>".join(
        f"{e.occurred_at.astimezone(zone):%m-%d %H:%M} {e.kind.label} · {who}"
        for e in state.timeline[-6:]
        for who in (staff.get(e.actor, e.actor),)
    )
    lines.append(f"<b>记录</b>：<br><span style='color:{theme.MUTED}'>{history}</span>")
    return "<br>".join(lines)
