"""Small dialogs: login (登录), unlock after idle (解锁), consultation (咨询登记), delivery stub."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.auth import AuthService, LoginSession


class LoginDialog(QDialog):
    """登录: staff id and password, checked against the hash stored on this PC."""

    def __init__(
        self,
        auth: AuthService,
        *,
        title: str = "湛河区综合窗口 · 登录",
        staff_id: str = "",
        locked_to: LoginSession | None = None,
        hint: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.auth = auth
        self.locked_to = locked_to
        self.session: LoginSession | None = None
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        heading = QLabel("屏幕已锁定，请输入密码解锁" if locked_to else "请登录")
        heading.setObjectName("header")
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
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        (self.password if locked_to or staff_id else self.staff_id).setFocus()
        self.staff_id.returnPressed.connect(self.password.setFocus)

    def try_login(self) -> None:
        try:
            if self.locked_to is not None:
                self.session = self.auth.unlock(self.locked_to, self.password.text())
            else:
                self.session = self.auth.login(self.staff_id.text(), self.password.text())
        except DomainError as error:
            self.error.setText(error.user_message)
            self.password.clear()
            self.password.setFocus()
            return
        self.accept()

    def reject(self) -> None:
        if self.locked_to is None:  # the lock cannot be dismissed
            super().reject()


class ConsultDialog(QDialog):
    """咨询登记: F5 then Enter logs a consultation about the current matter."""

    def __init__(
        self,
        matter_name: str | None,
        on_save: Callable[[str | None], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("咨询登记")
        self.on_save = on_save
        label = QLabel(f"咨询事项：{matter_name or '（未选择事项）'}")
        self.question = QLineEdit()
        self.question.setPlaceholderText("咨询内容（可不填），回车保存")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        self.question.returnPressed.connect(self._save)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.question)
        layout.addWidget(buttons)
        self.question.setFocus()

    def _save(self) -> None:
        self.on_save(self.question.text().strip() or None)
        self.accept()
