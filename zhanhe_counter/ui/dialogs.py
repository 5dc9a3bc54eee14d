"""Small dialogs: login (登录), unlock or switch user (解锁/换人), confirmation, consultation."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QThreadPool, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.auth import AuthService, LoginSession
from zhanhe_counter.ui.jobs import Job

log = logging.getLogger(__name__)


class LoginDialog(QDialog):
    """登录: staff id and password, checked against the hash stored on this PC.

    At the start of the client the dialog shows before the station is open (``ui.startup``):
    ``auth`` is ``None`` until :meth:`station_ready`, and a submit made before then waits for it.
    """

    #: A login was refused; its Chinese reason (the unattended smoke start stops on it).
    refused = Signal(str)

    def __init__(
        self,
        auth: AuthService | None,
        *,
        title: str = "湛河区综合窗口 · 登录",
        staff_id: str = "",
        locked_to: LoginSession | None = None,
        unfinished: bool = False,
        hint: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.auth = auth
        self.locked_to = locked_to
        self.session: LoginSession | None = None
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        heading = QLabel(
            f"屏幕已锁定：{locked_to.staff.name}请输入密码解锁，或换人登录（Ctrl+U）"
            if locked_to
            else "请登录"
        )
        heading.setObjectName("header")
        heading.setWordWrap(True)
        self.staff_id = QLineEdit(locked_to.staff.staff_id if locked_to else staff_id)
        self.staff_id.setPlaceholderText("工号")
        self.staff_id.setReadOnly(locked_to is not None)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("密码")
        self.error = QLabel("")
        self.error.setObjectName("problem")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | (
                QDialogButtonBox.StandardButton.NoButton
                if locked_to
                else QDialogButtonBox.StandardButton.Cancel
            )
        )
        self._buttons = buttons
        self._ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        # The password check runs here, never on the GUI thread (see try_login).
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._checking: Job | None = None
        self._waiting_for_station = False
        self._station_failed = False
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("工号", self.staff_id)
        form.addRow("密码", self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        if hint:
            note = QLabel(hint)
            note.setObjectName("hint")
            note.setWordWrap(True)
            layout.addWidget(note)
        self.switch_note = QLabel(
            f"换人登录后，{locked_to.staff.name}未确认的办件将被放弃。"
            if locked_to is not None and unfinished
            else ""
        )
        self.switch_note.setObjectName("problem")
        self.switch_note.setWordWrap(True)
        self.switch_note.setVisible(False)
        layout.addWidget(self.switch_note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        if locked_to is not None:
            self.switch_button = buttons.addButton(
                "换人登录 (Ctrl+U)", QDialogButtonBox.ButtonRole.ActionRole
            )
            self.switch_button.setShortcut("Ctrl+U")
            self.switch_button.clicked.connect(self.switch_user)
        (self.password if locked_to or staff_id else self.staff_id).setFocus()
        self.staff_id.returnPressed.connect(self.password.setFocus)

    def switch_user(self) -> None:
        """换人登录 at the lock: another clerk types their own id and password."""
        self.staff_id.setReadOnly(False)
        self.staff_id.clear()
        self.password.clear()
        self.switch_note.setVisible(bool(self.switch_note.text()))
        self.staff_id.setFocus()

    def try_login(self) -> None:
        """Check the password on a worker thread (Argon2 takes a good part of a second): the
        dialog stays responsive meanwhile, and accepts once the check succeeds."""
        if self._checking is not None or self._station_failed:
            return  # Enter pressed again while the check runs, or nothing to log in to
        if self.auth is None:  # the station is still opening: this submit waits for it
            self._waiting_for_station = True
            self._ok_button.setEnabled(False)
            self.error.setText("正在启动，请稍候…启动完成后自动登录。")
            return
        auth = self.auth
        staff_id, password = self.staff_id.text(), self.password.text()
        self._typed_password = password
        locked = self.locked_to

        def check() -> LoginSession:
            if locked is not None and staff_id.strip() == locked.staff.staff_id:
                return auth.unlock(locked, password)
            return auth.login(staff_id, password)

        job = Job(check)
        job.signals.succeeded.connect(self._logged_in)
        job.signals.failed.connect(self._refused)
        self._checking = job
        self._buttons.setEnabled(False)
        self.error.setText("正在验证密码…")
        self._pool.start(job)

    def station_ready(self, auth: AuthService) -> None:
        """The station opened: a submit that waited for it goes on now."""
        self.auth = auth
        if self._waiting_for_station:
            self._waiting_for_station = False
            self._ok_button.setEnabled(True)
            self.try_login()

    def station_failed(self, message: str) -> None:
        """The station could not open: say why; only 退出 is left."""
        self._station_failed = True
        self._waiting_for_station = False
        self._ok_button.setEnabled(False)
        cancel = self._buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if cancel is not None:
            cancel.setText("退出")
        self.error.setText(message)

    def _logged_in(self, session: LoginSession) -> None:
        self._checking = None
        self._buttons.setEnabled(True)
        self.session = session
        if session.must_change_password:
            assert self.auth is not None  # a session came from it
            changed = NewPasswordDialog(
                self.auth, session.staff.staff_id, self._typed_password, parent=self
            )
            if changed.exec() != QDialog.DialogCode.Accepted:
                self.session = None
                self.error.setText("账号由中心新建或重置了密码，请先设置自己的新密码再开始工作。")
                self.password.clear()
                self.password.setFocus()
                return
        self.accept()

    def _refused(self, error: Exception) -> None:
        self._checking = None
        self._buttons.setEnabled(True)
        if isinstance(error, DomainError):
            self.error.setText(error.user_message)
        else:
            log.error("login check failed: %r", error)
            self.error.setText("无法验证密码（本机数据库暂不可用），请稍后再试。")
        self.refused.emit(self.error.text())
        self.password.clear()
        self.password.setFocus()

    def reject(self) -> None:
        if self.locked_to is None:  # the lock cannot be dismissed
            super().reject()


class NewPasswordDialog(QDialog):
    """设置新密码: an account the centre created or reset sets its own password first."""

    def __init__(
        self, auth: AuthService, staff_id: str, old_password: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.auth, self.staff_id, self._old = auth, staff_id, old_password
        self.setWindowTitle("设置新密码")
        self.setMinimumWidth(420)
        note = QLabel("这是中心新建或重置的账号：请设置只有自己知道的新密码（至少 6 位）。")
        note.setWordWrap(True)
        self.first = QLineEdit()
        self.second = QLineEdit()
        for field in (self.first, self.second):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel("")
        self.error.setObjectName("problem")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("新密码", self.first)
        form.addRow("再输入一次", self.second)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.first.returnPressed.connect(self.second.setFocus)
        self.first.setFocus()

    def save(self) -> None:
        if self.first.text() != self.second.text():
            self.error.setText("两次输入的密码不一致。")
            self.second.clear()
            self.second.setFocus()
            return
        try:
            self.auth.change_password(self.staff_id, self._old, self.first.text())
        except DomainError as error:
            self.error.setText(error.user_message)
            return
        self.accept()


def confirm(parent: QWidget, title: str, question: str) -> bool:
    """Ask before an act that cannot be undone; No is the default, so Enter alone never does it."""
    box = QMessageBox(QMessageBox.Icon.Question, title, question, parent=parent)
    yes = box.addButton("确定", QMessageBox.ButtonRole.YesRole)
    no = box.addButton("取消", QMessageBox.ButtonRole.NoRole)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.exec()
    return box.clickedButton() is yes


class ConsultDialog(QDialog):
    """咨询登记: F5 then Enter logs a consultation about the current matter."""

    def __init__(
        self,
        matter_name: str | None,
        on_save: Callable[[str | None], None],
        parent: QWidget | None = None,
        *,
        on_guide: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("咨询登记")
        self.on_save = on_save
        label = QLabel(f"咨询事项：{matter_name or '（未选择事项）'}")
        label.setWordWrap(True)
        self.question = QLineEdit()
        self.question.setPlaceholderText("咨询内容（可不填），回车保存")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        if on_guide is not None:  # the applicant asked what to bring: show them the guide
            guide = buttons.addButton("办事指南 (F1)", QDialogButtonBox.ButtonRole.ActionRole)
            guide.clicked.connect(on_guide)
            QShortcut(QKeySequence("F1"), self).activated.connect(on_guide)
        self.question.returnPressed.connect(self._save)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.question)
        layout.addWidget(buttons)
        self.question.setFocus()

    def _save(self) -> None:
        self.on_save(self.question.text().strip() or None)
        self.accept()
