"""Right pane: the consequence (结果). Live while rows are ticked; nothing prints before confirm."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from zhanhe_counter.domain.checklist import ChecklistResult, Outcome
from zhanhe_counter.domain.matters import Matter, WindowFlow
from zhanhe_counter.ui import theme
from zhanhe_counter.ui.layout import scrolling


def outcome_title(result: ChecklistResult) -> str:
    """当场办结 / 当场受理 / 当场收件 / 容缺受理 / 容缺收件 / 一次性告知 / 本窗口不办理."""
    if result.outcome is Outcome.NOT_HANDLED:
        return "本窗口不办理"
    if result.outcome is Outcome.INCOMPLETE:
        return "一次性告知"
    if result.outcome is Outcome.RONGQUE:
        return "容缺收件" if result.flow is WindowFlow.RECEIVE_ON_SPOT else "容缺受理"
    return result.flow.value if result.flow else result.outcome.label


class OutcomePanel(QFrame):
    """结果: outcome, deadlines, what is missing, the documents that will print."""

    def __init__(
        self,
        now: Callable[[], datetime],
        parent: QWidget | None = None,
        *,
        office_time_left: Callable[[datetime], timedelta] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self._now = now
        # The 20 minutes are office minutes (lunch and closed days do not count), so the
        # countdown asks the calendar rather than subtracting clock times.
        self._left = office_time_left or (lambda due: due - now())
        self._answer_due: datetime | None = None
        title = QLabel("结果")
        title.setObjectName("sectionTitle")
        self.outcome = QLabel("—")
        self.outcome.setObjectName("outcome")
        self.details = QLabel("")
        self.details.setWordWrap(True)
        self.documents = QLabel("")
        self.documents.setWordWrap(True)
        self.countdown = QLabel("")
        self.countdown.setObjectName("countdown")
        self.countdown.setVisible(False)
        self.result_line = QLabel("")
        self.result_line.setWordWrap(True)
        self.problems = QLabel("")
        self.problems.setObjectName("problem")
        self.problems.setWordWrap(True)
        self.confirm = QPushButton("确认并打印（Ctrl+Enter）")
        self.confirm.setObjectName("primary")
        self.confirm.setEnabled(False)
        # The text scrolls on a short screen; the problems and 确认并打印 stay in view below it.
        text = QWidget()
        text_layout = QVBoxLayout(text)
        text_layout.setContentsMargins(0, 0, 0, 0)
        text_layout.addWidget(title)
        text_layout.addWidget(self.outcome)
        text_layout.addWidget(self.details)
        text_layout.addWidget(self.documents)
        text_layout.addWidget(self.countdown)
        text_layout.addWidget(self.result_line)
        text_layout.addStretch(1)
        text.setObjectName("panelText")
        layout = QVBoxLayout(self)
        layout.addWidget(scrolling(text), 1)
        layout.addWidget(self.problems)
        layout.addWidget(self.confirm)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)

    # ------------------------------------------------------------------ preview

    def clear(self) -> None:
        self.outcome.setText("—")
        self.outcome.setStyleSheet("")
        self.details.setText("按 F2 开始新办件，或直接刷身份证。")
        self.documents.clear()
        self.result_line.clear()
        self.problems.clear()
        self.confirm.setEnabled(False)
        self.stop_countdown()

    def show_preview(
        self,
        result: ChecklistResult,
        matter: Matter,
        *,
        promised: date | None,
        problems: Sequence[str],
    ) -> None:
        self.result_line.clear()
        self.stop_countdown()
        self.outcome.setText(outcome_title(result))
        colour = theme.OUTCOME_COLOURS[result.outcome.value]
        self.outcome.setStyleSheet(f"color: {colour}")
        lines: list[str] = []
        if result.outcome is Outcome.NOT_HANDLED:
            lines.append(result.refusal_message or "")
        else:
            if result.authority is not None:
                lines.append(f"本窗口：{result.authority.label}")
            if result.needs_backoffice_answer:
                lines.append("需后台即时审核：后台须在 20 分钟内答复，申请人请稍候。")
            if promised is not None and result.outcome is not Outcome.INCOMPLETE:
                lines.append(f"承诺办结：{promised:%Y-%m-%d}")
            if result.rongque_items:
                lines.append("待补：" + "、".join(i.name for i in result.rongque_items))
            if result.supplement_due is not None:
                due = result.supplement_due
                lines.append(
                    f"补齐期限：{due.date:%Y-%m-%d}" + ("（暂定）" if due.provisional else "")
                )
            if result.missing:
                lines.append("缺少或不符合：")
                lines += [
                    f"  {m.number}. {m.name}：{m.problem}"
                    + ("（可容缺）" if m.rongque_allowed else "")
                    for m in result.missing
                ]
            if result.shared_items:
                lines.append("共享免交：" + "、".join(result.shared_items))
            if result.gaozhi_items:
                lines.append("告知承诺：" + "、".join(result.gaozhi_items))
        self.details.setText("\n".join(lines))
        if result.documents:
            self.documents.setText(
                "将打印：\n" + "\n".join(f"· {d.label}" for d in result.documents)
            )
        else:
            self.documents.setText("不打印文书")
        self.problems.setText("\n".join(problems))
        self.confirm.setEnabled(result.outcome is not Outcome.NOT_HANDLED)

    # ------------------------------------------------------------------ after commit

    def show_committed(
        self,
        *,
        case_number: str,
        status_label: str,
        printed: Sequence[str],
        print_problem: str | None,
        answer_due: datetime | None,
    ) -> None:
        self.confirm.setEnabled(False)
        self.problems.clear()
        lines = [f"已保存　受理编号：{case_number}", f"状态：{status_label}"]
        if printed:
            lines.append("已送打印：" + "、".join(printed) + "（F8 补打）")
        if print_problem:
            lines.append(f"打印未完成：{print_problem} 办件已保存，可按 F8 补打。")
        lines.append("按 F2 办理下一位。")
        self.result_line.setText("\n".join(lines))
        if answer_due is not None:
            self._answer_due = answer_due
            self.countdown.setVisible(True)
            self._tick()
            self._timer.start()

    def show_backoffice_answer(self, text: str, *, accepted: bool) -> None:
        """The back office answered the 20-minute request: the countdown gives way to it."""
        if self._answer_due is None:
            return  # the form has moved on to the next applicant; the status bar said it
        self.stop_countdown()
        self.countdown.setVisible(True)
        self.countdown.setStyleSheet(f"color: {theme.OK if accepted else theme.BAD}")
        self.countdown.setText(text)

    def stop_countdown(self) -> None:
        self._timer.stop()
        self._answer_due = None
        self.countdown.setVisible(False)
        self.countdown.clear()

    def _tick(self) -> None:
        if self._answer_due is None:
            return
        left = int(self._left(self._answer_due).total_seconds())
        if left <= 0:
            self.countdown.setText("后台答复已超时，请联系后台。")
            self.countdown.setStyleSheet(f"color: {theme.BAD}")
            return
        self.countdown.setStyleSheet("")
        self.countdown.setText(f"后台答复倒计时 {left // 60:02d}:{left % 60:02d}")
