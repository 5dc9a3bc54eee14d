"""The counter's main window (主窗口): header, function keys, the intake, my cases, status line.

Keys (shown on the buttons): F1 the matter's 办事指南 (shown and printed), F2 new intake, / or
Ctrl+F matter search, F6 agent, Ctrl+Enter confirm and print, F8 reprint, F3 delivery, F4 my
cases, F5 consultation, Esc back. The demo adds Ctrl+1…Ctrl+4 to tap a sample card and F9 to
preview the printed documents.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from functools import partial
from typing import Protocol, runtime_checkable
from uuid import UUID

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from zhanhe_counter.domain.china_time import china_date
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import CaseEvent, EventKind
from zhanhe_counter.services.auth import LoginSession
from zhanhe_counter.services.backoffice import BackofficeAnswer
from zhanhe_counter.services.counter_answer import print_and_serve
from zhanhe_counter.services.intake import new_action
from zhanhe_counter.services.ports.idcard import IdCardRecord
from zhanhe_counter.services.rating import RatingInvitation
from zhanhe_counter.services.station import Staff
from zhanhe_counter.ui import theme
from zhanhe_counter.ui.admin.admin_view import AdminView
from zhanhe_counter.ui.applicant_screen.applicant_screen import ApplicantScreen, applicant_view
from zhanhe_counter.ui.backoffice.context import FollowthroughServices
from zhanhe_counter.ui.backoffice.workbench import BackofficeWorkbench
from zhanhe_counter.ui.case_detail_dialog import CaseDetailDialog
from zhanhe_counter.ui.context import CounterContext
from zhanhe_counter.ui.delivery.delivery_window import DeliveryWindow
from zhanhe_counter.ui.dialogs import ConsultDialog, LoginDialog, confirm
from zhanhe_counter.ui.guide_dialog import GuideDialog
from zhanhe_counter.ui.idle_lock import IdleLock
from zhanhe_counter.ui.intake.intake_view import IntakeDone, IntakeView
from zhanhe_counter.ui.jobs import StorageRunner
from zhanhe_counter.ui.my_cases_view import MyCasesView
from zhanhe_counter.ui.reader_bridge import ReaderBridge
from zhanhe_counter.ui.status_bar import CounterStatusBar
from zhanhe_counter.ui.supervisor.supervisor_view import SupervisorView
from zhanhe_counter.ui.sync.outbox_view import OutboxScreen
from zhanhe_counter.ui.text_size import SettingsTextSizes, TextSizes, next_size

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """主窗口."""

    consulted = Signal(object)  # CaseState of the logged consultation
    reprinted = Signal(int)  # number of documents sent again
    locked = Signal()
    switch_requested = Signal(object)  # LoginSession of the clerk who signed in at the lock
    logout_requested = Signal()

    def __init__(
        self,
        context: CounterContext,
        session: LoginSession,
        *,
        reader: ReaderBridge | None = None,
        reader_problem: str = "",
        idle_lock_s: float | None = None,
        ask_unlock: Callable[[MainWindow], bool | LoginSession | None] | None = None,
        text_sizes: TextSizes | None = None,
    ) -> None:
        super().__init__()
        self.context = context
        self.session = session
        self.reader = reader
        # The one storage runner: every page's database work goes through it.
        self.runner = StorageRunner(parent=self)
        self.text_sizes = text_sizes or SettingsTextSizes()
        self.text_size = self.text_sizes.load(session.staff.staff_id)
        self.setStyleSheet(theme.stylesheet(self.text_size / 100))
        demo = "（演示模式）" if context.station.demo else ""
        title = f"{context.window_title} · {session.staff.name}{demo}"
        self.setWindowTitle(title)
        self.header = QLabel(title)
        self.header.setObjectName("header")
        self.header.setWordWrap(True)  # a long window name must not set the window's width

        self.intake = IntakeView(context, session, self.runner)
        self.my_cases = MyCasesView(context, session.staff.staff_id, self.runner)
        self.followthrough = _followthrough(context, session)
        self.delivery = DeliveryWindow(self.followthrough, self.runner)
        self.workbench = BackofficeWorkbench(self.followthrough, self.runner)
        self.supervisor: SupervisorView | None = None  # built on first F11 (督查 only)
        self.admin: AdminView | None = None  # built on first F12 (管理员 only)
        self.outbox = OutboxScreen()
        self.pages = QStackedWidget()
        for page in (self.intake, self.my_cases, self.delivery, self.workbench, self.outbox):
            self.pages.addWidget(page)
        # The monitor facing the applicant (a window of its own on a one-monitor PC).
        self.applicant_screen = ApplicantScreen(context.station.rating, self)
        self.applicant_screen.set_counter(context.window_title)
        self._last_case: UUID | None = None

        # The function keys: a tool bar that shows what the keys do on the page on screen. It
        # never forces the window wider than the screen: keys that do not fit go to its »
        # menu. The demo's sample cards are a menu too, not a line that cannot wrap.
        self.toolbar = QToolBar("功能键")
        self.toolbar.setObjectName("keys")
        self.toolbar.setMovable(False)
        self.toolbar.setFloatable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.setContextMenuPolicy(Qt.ContextMenuPolicy.PreventContextMenu)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.key_actions: dict[str, QAction] = {}
        self._shortcuts: dict[str, QShortcut] = {}
        for key, text, slot in (
            ("F1", "F1 办事指南", self.show_guide),
            ("F2", "F2 新办件", self.new_intake),
            ("F3", "F3 出件", self.show_delivery),
            ("F4", "F4 我的办件", self.show_my_cases),
            ("F5", "F5 咨询登记", self.consult),
            ("F6", "F6 代办人", self.toggle_agent),
            ("F7", "F7 后台审批", self.show_workbench),
            ("F8", "F8 补打", self.reprint),
            ("F10", "F10 邀请评价", self.invite_rating),
            ("F11", "F11 统计", self.show_supervisor),
            # Only the bureau's administrators see the key (the workbench has its own F12).
            *((("F12", "F12 管理", self.show_admin),) if ADMIN_ROLE in session.roles else ()),
        ):
            self.key_actions[key] = self._key_action(text, slot)
            self._shortcut(key, slot)
        self._page_actions: dict[object, list[QAction]] = {}
        self._page_separator = self.toolbar.addSeparator()
        self.text_action = self._key_action(_text_size_label(self.text_size), self.larger_text)
        self._shortcut("Ctrl+=", self.larger_text)
        self.lock_action = self._key_action("Ctrl+L 锁屏/换人", self.lock)
        self.logout_action = self._key_action("退出登录", self.logout)
        self.demo_menu: QMenu | None = None
        if context.demo_cards:
            self.demo_menu = QMenu("演示刷卡", self)
            for number, demo_card in enumerate(context.demo_cards[:9], start=1):
                action = self.demo_menu.addAction(f"Ctrl+{number} {demo_card.label}")
                action.triggered.connect(demo_card.tap)
            demo_button = QToolButton()
            demo_button.setText("演示刷卡 ▾")
            demo_button.setToolTip("演示：Ctrl+1…Ctrl+4 模拟刷样例证件")
            demo_button.setMenu(self.demo_menu)
            demo_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            demo_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.toolbar.addWidget(demo_button)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 2, 6, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(body)
        self.body = body
        self.status = CounterStatusBar(context, self.runner)
        self.setStatusBar(self.status)

        self._shortcut("/", self.search)
        self._shortcut("Ctrl+F", self.search)
        self._shortcut("Ctrl+Return", self.intake.confirm)
        self._shortcut("Ctrl+Enter", self.intake.confirm)
        self._shortcut("Ctrl+G", self.intake.sign_pledges)
        self._shortcut("Esc", self.back)
        self._shortcut("Ctrl+L", self.lock)
        for number, card in enumerate(context.demo_cards[:9], start=1):
            self._shortcut(f"Ctrl+{number}", card.tap)
        if context.printed_documents is not None:
            self._shortcut("F9", self.preview_printed)

        self.pages.currentChanged.connect(self._scope_shortcuts)
        self.status.sync.syncNowRequested.connect(self.sync_now)
        self.status.sync.detailsRequested.connect(self.show_outbox)
        self.outbox.syncNowRequested.connect(self.sync_now)
        self.intake.message.connect(self.show_message)
        self.intake.done.connect(self._intake_done)
        self.my_cases.case_chosen.connect(self._case_chosen)
        self.my_cases.loaded.connect(self._my_cases_loaded)
        self._reader_state = "none"
        if reader is not None:
            reader.recordRead.connect(self.on_card)
            reader.errorOccurred.connect(self._reader_error)
            reader.readerStatusChanged.connect(self._reader_status)
            self._set_reader("connecting", "正在连接读卡器……")
        elif reader_problem:  # reader.toml exists but cannot be used: say why, keep working
            self._set_reader("misconfigured", reader_problem)
        self._reprint_case: UUID | None = None
        # 当场受理 at an unauthorised window: the cases waiting for the back office's answer,
        # watched whatever form is open, so an answer is never missed when the next applicant
        # is already being served.
        self.waiting_answers: dict[UUID, str] = {}
        self._answer_timer = QTimer(self)
        self._answer_timer.setInterval(ANSWER_POLL_MS)
        self._answer_timer.timeout.connect(self.poll_answers)
        self._ask_unlock = ask_unlock or _unlock_dialog
        minutes = context.auth.idle_lock_minutes()
        self.idle = IdleLock(idle_lock_s if idle_lock_s is not None else minutes * 60, self)
        self.idle.idle.connect(self.lock)
        self.idle.start()
        self.resize(PREFERRED_SIZE)
        self.status.refresh()
        self._scope_shortcuts()
        self.new_intake()

    def show_fitted(self) -> None:
        """Show the window at its preferred size, or maximised on a screen smaller than that.

        Counter PCs run 1366×768 and, at 125–150 % scaling, 1440×900 or 1920×1080, which leave
        960×600 to 1280×720 logical pixels: every page is laid out to work down to that.
        """
        screen = self.screen().availableGeometry()
        if screen.width() < PREFERRED_SIZE.width() + 40 or (
            screen.height() < PREFERRED_SIZE.height() + 80
        ):
            self.showMaximized()
        else:
            self.show()
        self.applicant_screen.place_at_login()

    def larger_text(self) -> None:
        """Ctrl+= 字号: 100 % → 125 % → 150 % → 100 %, kept for this clerk."""
        self.set_text_size(next_size(self.text_size))

    def set_text_size(self, percent: int) -> None:
        self.text_size = percent
        self.setStyleSheet(theme.stylesheet(percent / 100))
        self.text_action.setText(_text_size_label(percent))
        self.text_sizes.save(self.session.staff.staff_id, percent)
        self.show_message(f"字号：{percent}%")

    def _key_action(self, text: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(lambda _checked=False: slot())
        self.toolbar.addAction(action)
        button = self.toolbar.widgetForAction(action)
        if button is not None:
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys, not Tab, reach them
        return action

    def _shortcut(self, keys: str, slot: Callable[[], object]) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(slot)
        self._shortcuts[keys] = shortcut

    def _scope_shortcuts(self) -> None:
        """The counter's keys work on its own pages; the delivery window, the workbench and the
        tallies use F5–F12 and Ctrl+Enter for their own actions, and two live shortcuts on one
        key would make Qt fire neither. Navigation (F2 F3 F4, Esc, lock, card taps) stays."""
        page: object = self.pages.currentWidget()  # object: a page may be a KeyedPage
        counter_page = page in (self.intake, self.my_cases, self.outbox)
        for keys, shortcut in self._shortcuts.items():
            shortcut.setEnabled(
                counter_page
                or keys in _NAVIGATION_KEYS
                or (keys.startswith("Ctrl+") and keys[5:].isdigit())
            )
        # The tool bar says what the keys do here: the counter's keys, or the page's own.
        for key, action in self.key_actions.items():
            action.setVisible(counter_page or key in _NAVIGATION_KEYS)
        for owner, actions in self._page_actions.items():
            for action in actions:
                action.setVisible(owner is page)
        if page not in self._page_actions and isinstance(page, KeyedPage):
            actions = []
            for text, trigger in page.page_keys():
                action = QAction(text, self)
                action.triggered.connect(lambda _checked=False, t=trigger: t())
                self.toolbar.insertAction(self._page_separator, action)
                button = self.toolbar.widgetForAction(action)
                if button is not None:
                    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                actions.append(action)
            self._page_actions[page] = actions

    # ------------------------------------------------------------------ pages

    def show_message(self, text: str) -> None:
        self.status.showMessage(text, 15_000)

    def new_intake(self) -> None:
        """F2: the intake page; a fresh form unless a card tap has just begun this one."""
        self.pages.setCurrentWidget(self.intake)
        if self.intake.start() and self.reader is not None:
            self.reader.forget_last_card()

    # ------------------------------------------------------------------ screen-fit checks

    def page_openers(self) -> dict[str, Callable[[], None]]:
        """Each page and how to open it, for the screen-fit test and the screenshots."""
        openers: dict[str, Callable[[], None]] = {
            "intake": self.new_intake,
            "my_cases": self.show_my_cases,
            "delivery": self.show_delivery,
        }
        if {"backoffice", "supervisor"} & set(self.session.roles):
            openers["workbench"] = self.show_workbench
        if "supervisor" in self.session.roles:
            openers["supervisor"] = self.show_supervisor
        if ADMIN_ROLE in self.session.roles:
            openers["admin"] = self.show_admin
        openers["outbox"] = self.show_outbox
        return openers

    def key_widgets(self) -> dict[str, QWidget]:
        """What must be in view on the current page: its primary buttons and the status line."""
        found: dict[str, QWidget] = {"status bar": self.status, "tool bar": self.toolbar}
        page: object = self.pages.currentWidget()  # object: a page may be a KeyedPage
        if page is self.intake:
            found["确认并打印"] = self.intake.outcome.confirm
            found["事项搜索"] = self.intake.search
        elif page is self.my_cases:
            found["办件列表"] = self.my_cases.table
        elif isinstance(page, KeyedPage):
            found.update(page.primary_widgets())
        return found

    def search(self) -> None:
        self.pages.setCurrentWidget(self.intake)
        self.intake.focus_search()

    def toggle_agent(self) -> None:
        self.pages.setCurrentWidget(self.intake)
        self.intake.toggle_agent()

    def show_my_cases(self) -> None:
        self.pages.setCurrentWidget(self.my_cases)
        self.my_cases.focus_list()
        self.my_cases.reload()

    def show_delivery(self) -> None:
        """F3 统一出件: find the case by scan, number or card; check identity; sign or post."""
        self.pages.setCurrentWidget(self.delivery)
        self.delivery.opened()

    def show_workbench(self) -> None:
        """F7 后台审批 (roles 后台审批 and 督查): the 20-minute and 5-day queues, decisions."""
        if not {"backoffice", "supervisor"} & set(self.session.roles):
            self.show_message("后台审批需要“后台审批”或“督查”角色，请用相应账号登录。")
            return
        self.pages.setCurrentWidget(self.workbench)
        self.workbench.focus_queue()

    def sync_now(self) -> None:
        """立即同步: ask the worker for a session now; say so if this PC cannot sync yet."""
        station = self.context.station
        if station.sync_now():
            self.show_message("正在与中心同步……")
        else:
            self.show_message(
                "本机尚未注册到中心库，办件保存在本机。请管理员运行 zhanhe-admin station register。"
            )
        self.status.refresh()

    def show_outbox(self) -> None:
        """同步记录: what is waiting, refused or in conflict, and the last sessions (no delete)."""
        outbox = self.context.station.sync_outbox
        now = self.context.station.clock.now
        self.pages.setCurrentWidget(self.outbox)

        def show(result: object) -> None:
            assert isinstance(result, tuple)
            self.outbox.show_outbox(result[0], result[1], now())

        self.runner.submit(lambda: (outbox.outbox_items(), outbox.sessions()), show, self._failed)

    def show_supervisor(self) -> None:
        """F11 统计 (role 督查): this PC's tallies, or its hall's and the district's from the
        centre when this station's role allows, by window, clerk, department or matter."""
        if "supervisor" not in self.session.roles:
            self.show_message("统计查询需要“督查”角色，请用督查账号登录。")
            return
        if self.supervisor is None:
            station = self.context.station
            self.supervisor = SupervisorView(
                station.tally,
                station.clock.now().date(),
                self.runner,
                open_case=self.open_case,
                exporter=station.tally_export,
                staff_id=self.session.staff.staff_id,
                desk=station.supervisor_desk,
            )
            self.pages.addWidget(self.supervisor)
        self.pages.setCurrentWidget(self.supervisor)
        self.supervisor.opened()

    def show_admin(self) -> None:
        """F12 管理 (role 管理员): staff accounts and publishing at the centre."""
        if ADMIN_ROLE not in self.session.roles:
            self.show_message("管理需要“管理员”角色，请用管理员账号登录。")
            return
        if self.admin is None:
            station = self.context.station
            self.admin = AdminView(
                station,
                self.session.staff.staff_id,
                china_date(station.clock.now()),
                self.runner,
            )
            self.pages.addWidget(self.admin)
        self.pages.setCurrentWidget(self.admin)
        self.admin.opened()

    def invite_rating(self) -> None:
        """F10: ask the applicant to rate the service on their screen (好差评)."""
        case_id = self._last_case
        if case_id is None:
            self.show_message("没有可评价的办件：先完成一次办理。")
            return
        station = self.context.station
        staff_id = self.session.staff.staff_id
        self.runner.submit(
            lambda: station.rating.invite(case_id, staff_id),
            self._rating_invited,
            self._failed,
        )

    def _rating_invited(self, invitation: object) -> None:
        assert isinstance(invitation, RatingInvitation)
        self.applicant_screen.place()
        self.applicant_screen.ask_rating(invitation)
        self.show_message("已请申请人在评价屏上评价。")

    def back(self) -> None:
        if self.pages.currentWidget() is not self.intake:
            self.pages.setCurrentWidget(self.intake)
            self.intake.checklist.table.setFocus()
            return
        self.intake.back()

    def on_card(self, record: object) -> None:
        if self.pages.currentWidget() is self.delivery and isinstance(record, IdCardRecord):
            self.delivery.card_tapped(record.name, record.id_number)
            if self.reader is not None:  # tapping again (after a wrong case) reads again
                self.reader.forget_last_card()
            return
        if not isinstance(record, IdCardRecord):
            return
        self.pages.setCurrentWidget(self.intake)
        self.intake.on_card(record)

    def _reader_status(self, state: str) -> None:
        reason = "读卡器已连接" if state == "connected" else "读卡器未连接，请检查连接线"
        self._set_reader(state, reason)

    def _reader_error(self, text: str) -> None:
        self.show_message(text)
        # A reader that never opened reports only errors: the indicator must not stay 连接中.
        if self._reader_state != "connected":
            self._set_reader("disconnected", text)

    def _set_reader(self, state: str, reason: str) -> None:
        self._reader_state = state
        self.status.set_reader(state, reason)

    def _intake_done(self, done: object) -> None:
        assert isinstance(done, IntakeDone)
        self._reprint_case = done.committed.case.case_id
        self._last_case = done.committed.case.case_id
        if _waits_for_backoffice(done.committed.events):
            self.waiting_answers[done.committed.case.case_id] = (
                done.committed.case.case_number or ""
            )
            self._answer_timer.start()
        station = self.context.station
        if self.applicant_screen.isVisible():
            self.applicant_screen.show_case(
                applicant_view(done.committed.case, station.catalogue),
                station.progress_url(done.committed.case.case_number or ""),
            )
        self._refresh_badge()

    def poll_answers(self) -> None:
        """Ask the store whether the back office has answered any waiting case."""
        if not self.waiting_answers:
            self._answer_timer.stop()
            return
        backoffice = self.context.station.backoffice
        waiting = list(self.waiting_answers)

        def work() -> list[BackofficeAnswer]:
            answers = (backoffice.answer_for(case_id) for case_id in waiting)
            return [answer for answer in answers if answer is not None]

        self.runner.submit(work, self._answers_arrived, self._failed)

    def _answers_arrived(self, answers: object) -> None:
        assert isinstance(answers, list)
        printer = self.context.station.document_printer
        actor = self.session.staff.staff_id
        for answer in answers:
            assert isinstance(answer, BackofficeAnswer)
            number = self.waiting_answers.pop(answer.case_id, "")
            if answer.accepted:
                text = f"后台已受理 {number}，正在打印受理通知书。"
            else:
                text = (
                    f"后台不予受理 {number}：{'；'.join(answer.reasons)}。正在打印不予受理通知书。"
                )
            self.show_message(text)
            self.intake.outcome.show_backoffice_answer(text, accepted=answer.accepted)
            self.runner.submit(
                partial(print_and_serve, self.context.station.backoffice, printer, answer, actor),
                lambda _jobs: None,
                self._failed,
            )
        if not self.waiting_answers:
            self._answer_timer.stop()

    def _case_chosen(self, case_id: object) -> None:
        """Enter on a case: its detail (timeline, documents, reprint)."""
        if not isinstance(case_id, UUID):
            return
        self._reprint_case = case_id
        self.open_case(case_id)

    def open_case(self, case_id: UUID) -> CaseDetailDialog:
        station = self.context.station
        dialog = CaseDetailDialog(
            case_id,
            history=station.case_history,
            print_service=station.print_service,
            actor=self.session.staff.staff_id,
            runner=self.runner,
            privacy=station.privacy,
            roles=self.session.roles,
            parent=self,
        )
        dialog.open()
        return dialog

    def _my_cases_loaded(self, _count: int) -> None:
        self._refresh_badge()

    def _refresh_badge(self) -> None:
        service = self.context.my_cases
        staff_id = self.session.staff.staff_id
        self.runner.submit(lambda: service.warning_count(staff_id), self._show_badge)

    def _show_badge(self, count: object) -> None:
        text = "F4 我的办件" + (f" {count}⚠" if isinstance(count, int) and count else "")
        self.key_actions["F4"].setText(text)

    # ------------------------------------------------------------------ consult, reprint

    def consult(self) -> None:
        """F5, then Enter: a consultation is logged (it counts in the tallies)."""
        matter = self.intake.checklist.matter
        intake = self.context.station.intake
        staff = self.session.staff

        def save(question: str | None) -> None:
            action = new_action()
            self.runner.submit(
                lambda: intake.consult(
                    action, staff, matter_id=matter.id if matter else None, question=question
                ),
                self._consulted,
                self._failed,
            )

        ConsultDialog(
            matter.name if matter else None,
            save,
            self,
            on_guide=self.show_guide if matter else None,
        ).exec()

    def show_guide(self) -> None:
        """F1 (also from F5 咨询登记): the current matter's 办事指南, shown and printable."""
        matter = self.intake.checklist.matter
        if matter is None:
            self.show_message("请先选择事项（/ 搜索），再按 F1 查看办事指南。")
            return
        station = self.context.station
        GuideDialog(
            guides=station.guides,
            printer=station.document_printer,
            runner=self.runner,
            matter_id=matter.id,
            actor=self.session.staff.staff_id,
            on_message=self.show_message,
            parent=self,
        ).exec()

    def _consulted(self, state: object) -> None:
        self.show_message("已登记咨询。")
        self.consulted.emit(state)

    def reprint(self) -> None:
        """F8: every document of the last or chosen case again, stamped 补打."""
        if self.pages.currentWidget() is self.my_cases:
            self._reprint_case = self.my_cases.selected_case() or self._reprint_case
        case_id = self._reprint_case
        if case_id is None:
            self.show_message("没有可补打的办件：先确认一件，或在“我的办件”中选中。")
            return
        service = self.context.station.print_service
        actor = self.session.staff.staff_id

        def work() -> int:
            originals = [e for e in service.history_for_case(case_id) if not e.is_reprint]
            for entry in originals:
                service.reprint(entry.job_id, request_id=uuid.uuid4(), actor=actor)
            return len(originals)

        self.runner.submit(work, self._reprinted, self._failed)

    def _reprinted(self, count: object) -> None:
        assert isinstance(count, int)
        self.show_message(f"已补打 {count} 份文书。" if count else "该办件没有打印过文书。")
        self.reprinted.emit(count)

    def _failed(self, error: Exception) -> None:
        text = error.user_message if isinstance(error, DomainError) else "操作失败，请重试。"
        if not isinstance(error, DomainError):
            log.error("job failed", exc_info=error)
        self.show_message(text)

    def preview_printed(self) -> None:
        """Demo F9: the simulated printers' output, in Qt's print preview."""
        source = self.context.printed_documents
        if source is None:
            return
        documents = source()
        if not documents:
            self.show_message("还没有打印输出。")
            return
        from zhanhe_counter.ui.printing.qt_printer import QtPrinter

        title, document = documents[-1]
        QtPrinter(title).preview(document, self)

    # ------------------------------------------------------------------ lock, close

    def lock(self) -> None:
        """Idle lock (or Ctrl+L): the clerk's password unlocks with the form kept as it was;
        another clerk may sign in instead (换人), and the window is then rebuilt for them."""
        self.locked.emit()
        self.body.setVisible(False)
        answer = self._ask_unlock(self)
        if (
            isinstance(answer, LoginSession)
            and answer.staff.staff_id != self.session.staff.staff_id
        ):
            self.switch_requested.emit(answer)
            return
        if answer:
            self.body.setVisible(True)
            self.idle.reset()

    def logout(self) -> None:
        """退出登录: after a confirmation when an intake is unfinished; the login comes back."""
        if self.intake.unfinished and not confirm(
            self,
            "退出登录",
            f"{self.session.staff.name}有未确认的办件，退出后将放弃。确定退出登录吗？",
        ):
            return
        self.logout_requested.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Every page's work goes through the one runner; the station closes after this.
        if self.runner.busy and not self.runner.wait_idle(10_000):
            QMessageBox.warning(self, "请稍候", "正在保存办件，请稍候再关闭。")
            event.ignore()
            return
        self.idle.stop()
        super().closeEvent(event)


#: The window's size on a screen with room for it (else it opens maximised).
PREFERRED_SIZE = QSize(1400, 860)


@runtime_checkable
class KeyedPage(Protocol):
    """A page with its own function keys, shown in the tool bar while it is on screen."""

    def page_keys(self) -> list[tuple[str, Callable[[], object]]]: ...

    def primary_widgets(self) -> dict[str, QWidget]: ...


#: How often the counter looks for the back office's answer to a 20-minute request.
ANSWER_POLL_MS = 5_000


def _waits_for_backoffice(events: Sequence[CaseEvent]) -> bool:
    kinds = [event.kind for event in events]
    return bool(kinds) and kinds[-1] is EventKind.BACKOFFICE_REQUESTED


#: The bureau administrator's role (管理员): the F12 管理 page.
ADMIN_ROLE = "admin"

#: Keys that work on every page of the main window.
_NAVIGATION_KEYS = frozenset({"F2", "F3", "F4", "Esc", "Ctrl+L", "Ctrl+="})


def _text_size_label(percent: int) -> str:
    return f"Ctrl+= 字号 {percent}%"


def _followthrough(context: CounterContext, session: LoginSession) -> FollowthroughServices:
    station = context.station
    return FollowthroughServices(
        backoffice=station.backoffice,
        supplements=station.supplements,
        delivery=station.delivery,
        rating=station.rating,
        followups=station.followups,
        printer=station.document_printer,
        catalogue=station.catalogue,
        clock=station.clock,
        staff=Staff(session.staff.staff_id, session.staff.name),
        audit=station.print_service.audit,
        staff_names=lambda: {s.staff_id: s.name for s in station.reference.all_staff()},
        material_pages=station.materials.case_pages,
        sign_document=station.sign_document,
    )


def _unlock_dialog(window: MainWindow) -> LoginSession | None:
    """The lock: the same clerk unlocks, or another clerk signs in (their session comes back)."""
    dialog = LoginDialog(
        window.context.auth,
        locked_to=window.session,
        unfinished=window.intake.unfinished,
        parent=window,
    )
    if dialog.exec() != LoginDialog.DialogCode.Accepted:
        return None
    return dialog.session
