"""Left pane: who (申请人). A card tap fills it; typing works too, with live checks."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from zhanhe_counter.domain.identity import PERSON_KINDS, IdKind, check_id
from zhanhe_counter.domain.masking import mask_id_number
from zhanhe_counter.services.intake import Applicant, Person
from zhanhe_counter.services.ports.idcard import IdCardRecord
from zhanhe_counter.ui.reader_bridge import photo_image, placeholder_image


class IdNumberEdit(QLineEdit):
    """证件号码 that shows the masked form unless it is being edited (屏幕脱敏)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._value = ""
        self.setMaxLength(18)
        self.textEdited.connect(self._edited)

    def value(self) -> str:
        return self._value

    def set_value(self, value: str) -> None:
        self._value = value.strip().upper()
        self._show()

    def _edited(self, text: str) -> None:
        self._value = text.strip().upper()

    def _show(self) -> None:
        masked = not self.hasFocus() and bool(self._value)
        self.setText(mask_id_number(self._value) if masked else self._value)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.setText(self._value)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self._show()


class PersonFields(QWidget):
    """姓名、证件号码、电话 of one person, with the number checked as it is typed."""

    changed = Signal()

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._today = today
        self.name = QLineEdit()
        self.name.setPlaceholderText("姓名")
        self.id_number = IdNumberEdit()
        self.id_number.setPlaceholderText("身份证号码")
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("联系电话")
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.address = ""
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("姓名", self.name)
        form.addRow("证件号", self.id_number)
        form.addRow("电话", self.phone)
        form.addRow(self.problem)
        for edit in (self.name, self.id_number, self.phone):
            edit.textEdited.connect(self._edited)

    def _edited(self) -> None:
        self.problem.setText("；".join(self.problems()))
        self.changed.emit()

    def problems(self) -> list[str]:
        number = self.id_number.value()
        if not number:
            return []
        check = check_id(number, today=self._today, kinds=PERSON_KINDS)
        return [] if check.valid else list(check.problems)

    def is_empty(self) -> bool:
        return not (self.name.text().strip() or self.id_number.value())

    def person(self) -> Person:
        return Person(
            name=self.name.text().strip(),
            id_number=self.id_number.value(),
            phone=self.phone.text().strip() or None,
            address=self.address or None,
        )

    def fill(self, name: str, number: str, address: str) -> None:
        self.name.setText(name)
        self.id_number.set_value(number)
        self.address = address
        self._edited()

    def clear(self) -> None:
        self.fill("", "", "")
        self.phone.clear()


class ApplicantPanel(QFrame):
    """申请人: a natural person or an organisation (统一社会信用代码), maybe with an agent."""

    changed = Signal()

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self._today = today
        self._agent_on = False
        title = QLabel("申请人")
        title.setObjectName("sectionTitle")
        self.photo = QLabel()
        self.photo.setFixedSize(102, 126)
        self.photo.setPixmap(QPixmap.fromImage(placeholder_image("刷身份证\n或手工录入")))
        self.card_line = QLabel("")
        self.card_line.setObjectName("hint")
        self.card_line.setWordWrap(True)
        self.person = PersonFields(today)
        self.is_organisation = QCheckBox("单位申请（Ctrl+E）")
        self.org_name = QLineEdit()
        self.org_name.setPlaceholderText("单位名称")
        self.uscc = QLineEdit()
        self.uscc.setPlaceholderText("统一社会信用代码")
        self.uscc.setMaxLength(18)
        self.uscc_problem = QLabel()
        self.uscc_problem.setObjectName("problem")
        self.org_box = QGroupBox("单位")
        org_form = QFormLayout(self.org_box)
        org_form.addRow("名称", self.org_name)
        org_form.addRow("信用代码", self.uscc)
        org_form.addRow(self.uscc_problem)
        self.org_box.setVisible(False)
        self.agent_box = QGroupBox("代办人（委托代理人）  F6")
        self.agent = PersonFields(today)
        agent_layout = QVBoxLayout(self.agent_box)
        agent_layout.addWidget(self.agent)
        self.agent_box.setVisible(False)
        self.agent_line = QLabel("代办人：无 [F6]")
        self.agent_line.setObjectName("hint")

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.card_line)
        layout.addWidget(self.person)
        layout.addWidget(self.is_organisation)
        layout.addWidget(self.org_box)
        layout.addWidget(self.agent_line)
        layout.addWidget(self.agent_box)
        layout.addStretch(1)

        self.person.changed.connect(self.changed)
        self.agent.changed.connect(self.changed)
        self.is_organisation.toggled.connect(self._organisation_toggled)
        self.org_name.textEdited.connect(self._uscc_edited)
        self.uscc.textEdited.connect(self._uscc_edited)

    # ------------------------------------------------------------------ state

    @property
    def has_agent(self) -> bool:
        return self._agent_on

    def set_agent(self, on: bool) -> None:
        self._agent_on = on
        self.agent_box.setVisible(on)
        self.agent_line.setVisible(not on)
        if on:
            self.agent.name.setFocus()
        else:
            self.agent.clear()
        self.changed.emit()

    def _organisation_toggled(self, on: bool) -> None:
        self.org_box.setVisible(on)
        if on:
            self.org_name.setFocus()
        self.changed.emit()

    def _uscc_edited(self) -> None:
        self.uscc_problem.setText("；".join(self.uscc_problems()))
        self.changed.emit()

    def uscc_problems(self) -> list[str]:
        code = self.uscc.text().strip().upper()
        if not self.is_organisation.isChecked() or not code:
            return []
        check = check_id(code, today=self._today, kinds={IdKind.USCC})
        return [] if check.valid else list(check.problems)

    def problems(self) -> list[str]:
        """What still stops a commit, in the clerk's words."""
        found: list[str] = []
        if not self.person.name.text().strip():
            found.append("请刷身份证或填写申请人姓名。")
        if not self.person.id_number.value():
            found.append("请填写申请人证件号码。")
        found += [f"申请人证件号码：{p}" for p in self.person.problems()]
        if self.is_organisation.isChecked():
            if not self.org_name.text().strip():
                found.append("请填写单位名称。")
            if not self.uscc.text().strip():
                found.append("请填写统一社会信用代码。")
            found += [f"统一社会信用代码：{p}" for p in self.uscc_problems()]
        if self.has_agent:
            if self.agent.is_empty():
                found.append("请刷代办人身份证或填写代办人信息。")
            found += [f"代办人证件号码：{p}" for p in self.agent.problems()]
        return found

    def applicant(self) -> Applicant:
        organisation = self.is_organisation.isChecked()
        return Applicant(
            person=self.person.person(),
            organisation=self.org_name.text().strip() or None if organisation else None,
            uscc=self.uscc.text().strip().upper() or None if organisation else None,
            agent=self.agent.person() if self.has_agent and not self.agent.is_empty() else None,
        )

    # ------------------------------------------------------------------ card and reset

    def fill_from_card(self, record: IdCardRecord) -> str:
        """Fill the applicant, or the agent when the agent box is open and waiting; says which."""
        address = record.address + (record.appended_address and f"（{record.appended_address}）")
        if self.has_agent and self.agent.is_empty() and not self.person.is_empty():
            self.agent.fill(record.name, record.id_number, address)
            self.changed.emit()
            return "代办人"
        self.person.fill(record.name, record.id_number, address)
        self.photo.setPixmap(QPixmap.fromImage(photo_image(record)))
        details = [record.sex, record.nation, f"有效期至 {record.valid_until_text}"]
        self.card_line.setText("  ".join(d for d in details if d) + f"\n{address}")
        if record.warnings:
            self.card_line.setText(self.card_line.text() + "\n⚠ " + "；".join(record.warnings))
        self.changed.emit()
        return "申请人"

    def clear(self) -> None:
        self.person.clear()
        self.agent.clear()
        self.is_organisation.setChecked(False)
        self.org_name.clear()
        self.uscc.clear()
        self.uscc_problem.clear()
        self.set_agent(False)
        self.card_line.clear()
        self.photo.setPixmap(QPixmap.fromImage(placeholder_image("刷身份证\n或手工录入")))
