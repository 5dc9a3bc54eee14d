"""管理 (F12, role 管理员 ``admin``): the bureau's staff accounts and publishing, at the centre.

The administrator connects with the centre's owner login (typed here, never stored), then
creates, disables or resets accounts and publishes a catalogue, departments, windows, document
settings or office hours: checked and its difference shown first, published with an effective
day. Every call goes through the storage runner; the centre records who and when.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Protocol

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.ports.administration import (
    CentralStaff,
    CentreAdministration,
    PublishCheck,
)
from zhanhe_counter.ui.jobs import StorageRunner

log = logging.getLogger(__name__)

#: What may be published, as the administrator reads it.
KINDS = (
    ("catalogue", "事项目录"),
    ("departments", "部门与联系方式"),
    ("windows", "窗口与服务场所"),
    ("document_settings", "文书设置"),
    ("office_hours", "办公时间"),
)


class Centre(Protocol):
    """What the page needs of the station."""

    def central_address(self) -> str: ...

    def centre_console(self, admin_url: str, password: str, actor: str) -> CentreAdministration: ...


class AdminView(QWidget):
    """管理: staff accounts and publishing at the centre."""

    def __init__(self, centre: Centre, actor: str, today: date, runner: StorageRunner) -> None:
        super().__init__()
        self.centre, self.actor, self.runner = centre, actor, runner
        self.console: CentreAdministration | None = None
        self.people: list[CentralStaff] = []

        self.url = QLineEdit(centre.central_address())
        self.url.setPlaceholderText("postgresql://管理账号@中心地址/zhanhe")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("中心管理账号密码（不保存）")
        self.connect_button = QPushButton("连接中心 (Ctrl+K)")
        self.connect_button.clicked.connect(self.connect_centre)
        self.password.returnPressed.connect(self.connect_centre)
        top = QHBoxLayout()
        top.addWidget(QLabel("中心"))
        top.addWidget(self.url, 3)
        top.addWidget(self.password, 2)
        top.addWidget(self.connect_button)

        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["账号", "姓名", "角色", "状态", "须改密码"])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.new_id, self.new_name = QLineEdit(), QLineEdit()
        self.new_roles = QLineEdit("window")
        self.new_password = QLineEdit()
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password.setPlaceholderText("初始密码（本人首次登录时须修改）")
        self.create_button = QPushButton("新建账号")
        self.create_button.clicked.connect(self.create_staff)
        self.toggle_button = QPushButton("停用/启用所选")
        self.toggle_button.clicked.connect(self.toggle_selected)
        self.reset_button = QPushButton("重置所选密码")
        self.reset_button.clicked.connect(self.reset_selected)
        staff_form = QFormLayout()
        staff_form.addRow("账号", self.new_id)
        staff_form.addRow("姓名", self.new_name)
        staff_form.addRow("角色", self.new_roles)
        staff_form.addRow("密码", self.new_password)
        staff_buttons = QHBoxLayout()
        for button in (self.create_button, self.toggle_button, self.reset_button):
            staff_buttons.addWidget(button)
        staff_box = QGroupBox("工作人员账号")
        staff_layout = QVBoxLayout(staff_box)
        staff_layout.addWidget(self.table, 1)
        staff_layout.addLayout(staff_form)
        staff_layout.addLayout(staff_buttons)

        self.kind = QComboBox()
        for kind, label in KINDS:
            self.kind.addItem(label, kind)
        self.file = QLineEdit()
        self.file.setPlaceholderText("要发布的文件路径")
        self.version = QLineEdit()
        self.version.setPlaceholderText("新版本号，例如 2027-01")
        self.effective = QLineEdit(today.isoformat())
        self.check_button = QPushButton("检查并显示差异")
        self.check_button.clicked.connect(self.check)
        self.publish_button = QPushButton("发布")
        self.publish_button.clicked.connect(self.publish)
        self.difference = QPlainTextEdit()
        self.difference.setReadOnly(True)
        publish_form = QFormLayout()
        publish_form.addRow("类别", self.kind)
        publish_form.addRow("文件", self.file)
        publish_form.addRow("版本", self.version)
        publish_form.addRow("生效日期", self.effective)
        publish_buttons = QHBoxLayout()
        publish_buttons.addWidget(self.check_button)
        publish_buttons.addWidget(self.publish_button)
        publish_box = QGroupBox("发布基础数据")
        publish_layout = QVBoxLayout(publish_box)
        publish_layout.addLayout(publish_form)
        publish_layout.addLayout(publish_buttons)
        publish_layout.addWidget(self.difference, 1)

        self.message = QLabel("请用中心管理账号连接。")
        self.message.setObjectName("hint")
        self.message.setWordWrap(True)
        columns = QHBoxLayout()
        columns.addWidget(staff_box, 3)
        columns.addWidget(publish_box, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addLayout(columns, 1)
        self._set_connected(False)

    # ------------------------------------------------------------------ the main window

    def page_keys(self) -> list[tuple[str, Callable[[], object]]]:
        return [("Ctrl+K 连接中心", self.connect_button.click)]

    def primary_widgets(self) -> dict[str, QWidget]:
        return {
            "连接中心": self.connect_button,
            "账号列表": self.table,
            "发布": self.publish_button,
        }

    def opened(self) -> None:
        (self.password if self.console is None else self.table).setFocus()

    # ------------------------------------------------------------------ actions

    def connect_centre(self) -> None:
        try:
            self.console = self.centre.centre_console(
                self.url.text().strip(), self.password.text(), self.actor
            )
        except DomainError as error:
            self._say(error.user_message)
            return
        self.password.clear()
        self._reload("已连接中心。")

    def create_staff(self) -> None:
        roles = tuple(r.strip() for r in self.new_roles.text().split(",") if r.strip())
        staff_id, name, password = (
            self.new_id.text().strip(),
            self.new_name.text().strip(),
            (self.new_password.text()),
        )
        if not (staff_id and name and roles) or len(password) < 6:
            self._say("新建账号需要账号、姓名、角色和至少 6 位的初始密码。")
            return
        self._call(
            lambda console: console.create_staff(staff_id, name, roles, password),
            f"账号 {staff_id} 已新建；各窗口下次同步后可登录（首次登录须改密码）。",
        )
        self.new_password.clear()

    def toggle_selected(self) -> None:
        person = self._selected()
        if person is not None:
            verb = "启用" if not person.active else "停用"
            self._call(
                lambda console: console.set_active(person.staff_id, not person.active),
                f"账号 {person.staff_id} 已{verb}；各窗口下次同步后生效。",
            )

    def reset_selected(self) -> None:
        person, password = self._selected(), self.new_password.text()
        if person is None:
            return
        if len(password) < 6:
            self._say("请在“密码”栏填写至少 6 位的新初始密码。")
            return
        self._call(
            lambda console: console.reset_password(person.staff_id, password),
            f"账号 {person.staff_id} 的密码已重置；本人下次登录时须修改。",
        )
        self.new_password.clear()

    def check(self) -> None:
        request = self._publish_request()
        if request is None or self.console is None:
            return
        kind, file, _version, effective = request
        console = self.console
        self.runner.submit(
            lambda: console.check(kind, file, effective), self._checked, self._failed
        )

    def publish(self) -> None:
        request = self._publish_request()
        if request is None:
            return
        kind, file, version, effective = request
        if not version:
            self._say("请填写新版本号。")
            return
        self._call(
            lambda console: console.publish(kind, file, version, effective),
            f"已发布版本 {version}，{effective} 起生效；各窗口下次同步后采用。",
            reload=False,
        )

    # ------------------------------------------------------------------ helpers

    def _publish_request(self) -> tuple[str, Path, str, date] | None:
        try:
            effective = date.fromisoformat(self.effective.text().strip())
        except ValueError:
            self._say("生效日期应为 YYYY-MM-DD。")
            return None
        if not self.file.text().strip():
            self._say("请填写要发布的文件路径。")
            return None
        kind = str(self.kind.currentData())
        return kind, Path(self.file.text().strip()), self.version.text().strip(), effective

    def _checked(self, result: object) -> None:
        assert isinstance(result, PublishCheck)
        current = result.current_version or "无（各窗口用本机文件）"
        self.difference.setPlainText("\n".join((f"当前版本：{current}", *result.lines)))
        self._say("检查通过，可以发布。")

    def _call(
        self,
        action: Callable[[CentreAdministration], None],
        done: str,
        *,
        reload: bool = True,
    ) -> None:
        console = self.console
        if console is None:
            self._say("请先连接中心。")
            return

        def finished(_result: object) -> None:
            if reload:
                self._reload(done)
            else:
                self._say(done)

        self.runner.submit(lambda: action(console), finished, self._failed)

    def _reload(self, done: str) -> None:
        console = self.console
        if console is None:
            return

        def show(result: object) -> None:
            assert isinstance(result, list)
            self._show_staff(result)
            self._set_connected(True)
            self._say(done)

        self.runner.submit(console.staff, show, self._failed)

    def _show_staff(self, people: list[CentralStaff]) -> None:
        self.people = people
        self.table.setRowCount(len(people))
        for row, person in enumerate(people):
            cells = (
                person.staff_id,
                person.name,
                "、".join(person.roles),
                "在用" if person.active else "已停用",
                "是" if person.must_change_password else "",
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def _selected(self) -> CentralStaff | None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.people):
            self._say("请先在列表中选择一个账号。")
            return None
        return self.people[row]

    def _set_connected(self, connected: bool) -> None:
        for widget in (
            self.create_button,
            self.toggle_button,
            self.reset_button,
            self.check_button,
            self.publish_button,
        ):
            widget.setEnabled(connected)

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, DomainError):
            log.error("administration call failed", exc_info=error)
            self._say("操作失败，请检查中心地址和账号后重试。")
            return
        self._say(error.user_message)
        # A file a counter could not load: every problem, as FILE:LINE: message.
        problems = getattr(error, "problems", None)
        if problems:
            self.difference.setPlainText("\n".join(str(p) for p in problems))

    def _say(self, text: str) -> None:
        self.message.setText(text)
