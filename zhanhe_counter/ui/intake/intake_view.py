"""The intake flow (收件): who, what, checklist, outcome, confirm — one screen, keyboard first.

Focus always goes where the next keystroke belongs: a card tap lands in the matter search, a
chosen matter lands in the checklist, a confirmed intake leaves focus on the window so F2 starts
the next one. The case is committed and its documents queued on the storage thread; the ids of
the intake are made when it starts and reused on a retry, so a double Ctrl+Enter makes one case.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.checklist import ChecklistResult, Outcome
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.matters import Matter
from zhanhe_counter.services.auth import LoginSession
from zhanhe_counter.services.intake import (
    CommittedIntake,
    IntakeAction,
    IntakeRequest,
    case_number_of,
    new_action,
)
from zhanhe_counter.services.matter_search import MatterHit
from zhanhe_counter.services.ports.idcard import IdCardRecord
from zhanhe_counter.services.ports.printing import PrintJobRecord
from zhanhe_counter.services.print_service import document_title
from zhanhe_counter.ui.capture.material_strip import MaterialStrip
from zhanhe_counter.ui.capture.qt_camera import QtDocumentCamera
from zhanhe_counter.ui.context import CounterContext
from zhanhe_counter.ui.intake.applicant_panel import ApplicantPanel
from zhanhe_counter.ui.intake.checklist_panel import ChecklistPanel
from zhanhe_counter.ui.intake.outcome_panel import OutcomePanel
from zhanhe_counter.ui.jobs import StorageRunner
from zhanhe_counter.ui.layout import scrolling
from zhanhe_counter.ui.sign_dialog import ask_signature

#: The documents the applicant signs at intake (签署承诺书, Ctrl+G).
_PLEDGES = frozenset({DocumentKind.RONGQUE_PLEDGE, DocumentKind.GAOZHI_PLEDGE})

log = logging.getLogger(__name__)

_PLACEHOLDER = Applicant(Person(name="—"))


@dataclass(frozen=True)
class IntakeDone:
    """What a confirmed intake produced (for the window, the tests and the status line)."""

    committed: CommittedIntake
    jobs: tuple[PrintJobRecord, ...]
    print_problem: str | None


class IntakeView(QWidget):
    """收件界面."""

    done = Signal(object)  # IntakeDone
    message = Signal(str)  # one Chinese line for the status bar

    def __init__(
        self,
        context: CounterContext,
        session: LoginSession,
        runner: StorageRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.session = session
        self.runner = runner
        self.action: IntakeAction = new_action()
        self.print_request = uuid.uuid4()
        self.last_done: IntakeDone | None = None
        self.last_result: ChecklistResult | None = None
        self.committing = False
        self._card_began = False  # this intake was begun by a card tap, nothing chosen since
        #: Asks the applicant to sign (a dialog with the pad); tests answer it themselves.
        self.ask_signature: Callable[[list[str]], bytes | None] = lambda titles: ask_signature(
            self, titles
        )
        clock = context.station.clock
        today = clock.now().date()

        self.applicant = ApplicantPanel(today)
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索事项：中文、全拼、首字母（如 spjy）或编码　/ 或 Ctrl+F")
        self.hits = QListWidget()
        self.hits.setVisible(False)
        self.hits.setMaximumHeight(260)
        self.checklist = ChecklistPanel()
        station = context.station
        self.materials = MaterialStrip(
            station.materials,
            station.capture_source(QtDocumentCamera),
            runner,
        )
        calendar, hours = context.station.calendar, context.station.identity.office_hours
        self.outcome = OutcomePanel(
            clock.now,
            office_time_left=lambda due: calendar.office_time_between(clock.now(), due, hours),
        )

        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.addWidget(self.search)
        middle_layout.addWidget(self.hits)
        middle_layout.addWidget(self.checklist, 1)
        middle_layout.addWidget(self.materials)
        # Three panes that give way on a small screen: the applicant pane scrolls, the result
        # pane scrolls its text but keeps 确认并打印 in view, and no pane can be squeezed away.
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(scrolling(self.applicant))
        splitter.addWidget(middle)
        splitter.addWidget(self.outcome)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setStretchFactor(2, 2)
        splitter.setSizes([300, 760, 320])
        self.splitter = splitter
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self.search.textEdited.connect(self._search_edited)
        self.search.installEventFilter(self)
        self.hits.installEventFilter(self)
        self.hits.itemActivated.connect(self._hit_chosen)
        self.applicant.changed.connect(self.refresh)
        self.checklist.changed.connect(self.refresh)
        self.checklist.problem.connect(self.message)
        self.checklist.capture_requested.connect(self.materials.capture)
        self.materials.captured_pages.connect(
            lambda m: self.checklist.show_pages(m, self.materials.captured.page_count(m))
        )
        self.materials.message.connect(self.message)
        self.outcome.confirm.clicked.connect(self.confirm)
        self.outcome.clear()

    # ------------------------------------------------------------------ the steps

    @property
    def unfinished(self) -> bool:
        """Something was entered that no confirmed case holds yet (lost on switch user)."""
        return not self.finished and (
            self.checklist.matter is not None or not self.applicant.person.is_empty()
        )

    def start(self) -> bool:
        """F2. Right after a card tap has begun this intake (no matter chosen yet), F2 keeps
        that applicant and goes on to the matter search, so the README's order (tap, F2, type)
        and F2 first end the same way; otherwise, or pressed twice, F2 clears the form.
        Returns whether the form was cleared."""
        if self._card_began and self.checklist.matter is None and not self.finished:
            self._card_began = False
            self.focus_search()
            self.message.emit("已保留刚读取的申请人：请搜索事项。再按 F2 清空重新开始。")
            return False
        self.new_intake()
        return True

    def new_intake(self) -> None:
        """A clean form and fresh ids; focus on the applicant's name (or wait for a card)."""
        self._card_began = False
        self.action = new_action()
        self.print_request = uuid.uuid4()
        self.committing = False
        self.last_result = None
        self.applicant.clear()
        self.checklist.set_matter(None)
        self.materials.reset()
        self.checklist.set_read_only(False)
        self.checklist.set_agent(False)
        self.search.clear()
        self.hits.setVisible(False)
        self.outcome.clear()
        self.applicant.person.name.setFocus()
        self.message.emit("新办件：请刷身份证或录入申请人。")

    @property
    def finished(self) -> bool:
        """The current intake was confirmed; the next card or F2 starts a new one."""
        return self.last_done is not None and self.last_done.committed.case.case_id == (
            self.action.case_id
        )

    def on_card(self, record: IdCardRecord) -> None:
        """A card was read: fill the applicant (or the agent) and go on to the matter."""
        if self.finished:
            self.new_intake()
        fresh = self.checklist.matter is None and self.applicant.person.is_empty()
        who = self.applicant.fill_from_card(record)
        self._card_began = fresh or (self._card_began and self.checklist.matter is None)
        holder = record.name or record.name_en
        self.message.emit(f"已读取{who}{record.card_type.label}：{holder} {record.masked_id}")
        if self.checklist.matter is None:
            self.focus_search()
        else:
            self.checklist.table.setFocus()

    def toggle_agent(self) -> None:
        """F6: an agent (委托代理人) acts; the authorisation letter becomes a material."""
        on = not self.applicant.has_agent
        self.applicant.set_agent(on)
        self.checklist.set_agent(on)
        self.message.emit("已添加代办人：请刷代办人身份证。" if on else "已取消代办人。")

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()
        self._search_edited(self.search.text())

    def back(self) -> None:
        """Esc: one step back (results list → search → checklist)."""
        if self.hits.isVisible():
            self.hits.setVisible(False)
            if self.checklist.matter is not None:
                self.checklist.table.setFocus()
            return
        if self.checklist.table.hasFocus():
            self.focus_search()
            return
        if self.checklist.matter is not None:
            self.checklist.table.setFocus()

    def _search_edited(self, text: str) -> None:
        hits = self.context.search.search(text, limit=12)
        self.hits.clear()
        for hit in hits:
            item = QListWidgetItem(self._hit_text(hit))
            item.setData(Qt.ItemDataRole.UserRole, hit)
            if not hit.handled_here:
                item.setForeground(Qt.GlobalColor.gray)
            self.hits.addItem(item)
        self.hits.setVisible(bool(hits))
        if hits:
            self.hits.setCurrentRow(0)

    @staticmethod
    def _hit_text(hit: MatterHit) -> str:
        matter = hit.matter
        closest = "（相近）" if hit.match.name == "CLOSEST" else ""
        line = f"{matter.name}{closest}　{matter.department} · {matter.window_flow.value}"
        if not hit.handled_here:
            line += f"\n　　本窗口不办理：{hit.where}"
        return line

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and watched in (self.search, self.hits):
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if watched is self.search and key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                row = self.hits.currentRow() + (1 if key == Qt.Key.Key_Down else -1)
                self.hits.setCurrentRow(max(0, min(row, self.hits.count() - 1)))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                event.modifiers() & Qt.KeyboardModifier.ControlModifier
            ):
                item = self.hits.currentItem()
                if item is not None:
                    self._hit_chosen(item)
                return True
        return super().eventFilter(watched, event)

    def _hit_chosen(self, item: QListWidgetItem) -> None:
        hit = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(hit, MatterHit):
            self.choose_matter(hit.matter)

    def choose_matter(self, matter: Matter) -> None:
        if self.finished:
            self.message.emit("本件已确认。按 F2 开始新办件。")
            return
        self.hits.setVisible(False)
        self.search.setText(matter.name)
        self.checklist.set_matter(matter)
        self.checklist.table.setFocus()

    # ------------------------------------------------------------------ live outcome

    def request(self, *, for_preview: bool = False) -> IntakeRequest | None:
        matter = self.checklist.matter
        if matter is None:
            return None
        applicant = self.applicant.applicant()
        if for_preview and not applicant.person.name:
            applicant = _PLACEHOLDER
        return IntakeRequest(
            action=self.action,
            matter_id=matter.id,
            applicant=applicant,
            records=self.checklist.current_records(),
            clerk=self.session.staff,
            situation=self.checklist.situation(),
            sms_consent=self.applicant.sms_consent.isChecked(),
        )

    def refresh(self) -> None:
        if self.finished or self.committing:
            return
        request = self.request(for_preview=True)
        matter = self.checklist.matter
        if request is None or matter is None:
            self.outcome.clear()
            return
        try:
            result = self.context.station.intake.preview(request)
        except DomainError as error:
            self.outcome.problems.setText(error.user_message)
            self.outcome.confirm.setEnabled(False)
            return
        self.last_result = result
        promised = None
        if matter.promised_limit is not None:
            today = self.context.station.clock.now().date()
            promised = self.context.station.calendar.due(today, matter.promised_limit).date
        problems = [] if result.outcome is Outcome.NOT_HANDLED else self.applicant.problems()
        self.outcome.show_preview(result, matter, promised=promised, problems=problems)

    # ------------------------------------------------------------------ confirm and print

    def confirm(self) -> None:
        """Ctrl+Enter: commit the case, then queue its documents (both off the UI thread)."""
        if self.committing or self.finished:
            return
        request = self.request()
        if request is None:
            self.message.emit("请先选择事项（按 / 搜索）。")
            self.focus_search()
            return
        if self.last_result is not None and self.last_result.outcome is Outcome.NOT_HANDLED:
            self.message.emit(self.last_result.refusal_message or "本窗口不办理该事项。")
            return
        problems = self.applicant.problems()
        if problems:
            self.outcome.problems.setText("\n".join(problems))
            self.message.emit(problems[0])
            self.applicant.person.name.setFocus()
            return
        self.committing = True
        self.outcome.confirm.setEnabled(False)
        self.message.emit("正在保存办件……")
        intake = self.context.station.intake
        dispatcher = self.context.station.dispatcher
        staff = self.session.staff
        print_request = self.print_request
        materials, captured = self.context.station.materials, self.materials.take()

        def work() -> IntakeDone:
            committed = intake.commit(request)
            # Never raises: a page that cannot be kept is named, the case stands without it.
            unkept = materials.keep_captured(committed.case.case_id, captured, staff.staff_id)
            if unkept:
                self.message.emit("材料影像未保存：" + "；".join(unkept))
            try:
                jobs = dispatcher.dispatch(
                    committed,
                    clerk_id=staff.staff_id,
                    clerk_name=staff.name,
                    request_id=print_request,
                )
            except DomainError as error:
                # The case is stored; printing can be repeated with F8.
                log.warning("documents of case %s not queued: %s", committed.case.case_id, error)
                return IntakeDone(committed, (), error.user_message)
            return IntakeDone(committed, tuple(jobs), None)

        self.runner.submit(work, self._committed, self._commit_failed)

    def _committed(self, done: object) -> None:
        assert isinstance(done, IntakeDone)
        self.committing = False
        self.last_done = done
        self.checklist.set_read_only(True)
        case = done.committed.case
        number = case.case_number or case_number_of(done.committed.events) or ""
        titles = [document_title(job.kind) for job in done.jobs]
        self.outcome.show_committed(
            case_number=number,
            status_label=case.status.label,
            printed=titles,
            print_problem=done.print_problem,
            answer_due=done.committed.case.answer_due,
        )
        if any(job.kind in _PLEDGES for job in done.jobs):
            self.outcome.result_line.setText(
                self.outcome.result_line.text() + "\n按 Ctrl+G 请申请人在签字板上签署承诺书。"
            )
        self.message.emit(f"办件已保存：{number}")
        self.setFocus()
        self.done.emit(done)

    def sign_pledges(self) -> None:
        """Ctrl+G: the applicant signs the intake's pledges on the pad; the signed copies are
        kept with the case (签署文书, docs/materials.md)."""
        done = self.last_done
        if done is None or self.committing:
            return
        station, staff = self.context.station, self.session.staff
        pledges = [
            r
            for r in station.dispatcher.requests_for(done.committed, staff.name)
            if r.kind in _PLEDGES
        ]
        if not pledges:
            self.message.emit("本件没有需要申请人签署的承诺书。")
            return
        signature = self.ask_signature([document_title(r.kind.value) for r in pledges])
        if not signature:
            return
        case_id = done.committed.case.case_id

        def work() -> None:
            for request in pledges:
                station.sign_document(case_id, request, signature, staff.staff_id)

        self.runner.submit(
            work,
            lambda _: self.message.emit("承诺书已签署，签名件已随办件保存。"),
            lambda error: self.message.emit(
                error.user_message if isinstance(error, DomainError) else "签名件保存失败，请重试。"
            ),
        )

    def _commit_failed(self, error: Exception) -> None:
        self.committing = False
        text = error.user_message if isinstance(error, DomainError) else "保存失败，请重试。"
        if not isinstance(error, DomainError):
            log.error("commit failed", exc_info=error)
        self.outcome.problems.setText(text)
        self.outcome.confirm.setEnabled(True)
        self.message.emit(text)
