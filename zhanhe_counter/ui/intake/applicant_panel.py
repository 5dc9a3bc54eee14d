"""Left pane: who (申请人). A card tap fills it; typing works too, with live checks."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from zhanhe_counter.domain.applicant import Applicant, CardType, Person
from zhanhe_counter.domain.identity import PERSON_KINDS, IdKind, check_id
from zhanhe_counter.domain.masking import mask_id_number
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
    """姓名、证件类型、证件号码、电话 of one person, with the number checked as it is typed.

    A card tap fills everything, the card type included, and shows the fields only that card's
    layout has (English name and nationality, 通行证号码); those are kept only while the type and
    number are still the card's. Typed by hand, a number that belongs to another card type
    switches the type to it.
    """

    changed = Signal()

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._today = today
        self._from_card: Person | None = None
        self.card_type = QComboBox()
        # The longest layout name (外国人永久居留身份证…) would set the pane's width; on a
        # 960-pixel screen the box shows ten characters and the open list shows them all.
        self.card_type.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.card_type.setMinimumContentsLength(10)
        for card_type in CardType:
            self.card_type.addItem(card_type.layout_label, card_type.value)
        self.name = QLineEdit()
        self.name.setPlaceholderText("姓名")
        self.id_number = IdNumberEdit()
        self.id_number.setPlaceholderText("证件号码")
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("联系电话")
        self.card_fields = QLabel()
        self.card_fields.setObjectName("hint")
        self.card_fields.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.address = ""
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        # The type sits above the name: F2 puts focus on the name, and Tab goes on to the number.
        form.addRow("证件类型", self.card_type)
        form.addRow("姓名", self.name)
        form.addRow("证件号", self.id_number)
        form.addRow("电话", self.phone)
        form.addRow(self.card_fields)
        form.addRow(self.problem)
        for edit in (self.name, self.id_number, self.phone):
            edit.textEdited.connect(self._edited)
        self.id_number.editingFinished.connect(self._follow_number)
        self.card_type.activated.connect(self._edited)

    def selected_card_type(self) -> CardType:
        return CardType(self.card_type.currentData())

    def _select(self, card_type: CardType) -> None:
        self.card_type.setCurrentIndex(self.card_type.findData(card_type.value))

    def _edited(self) -> None:
        self.card_fields.setText(_layout_fields(self._card_person()))
        self.problem.setText("；".join(self.problems()))
        self.changed.emit()

    def _follow_number(self) -> None:
        """A typed number that is valid for another card type selects that type."""
        number = self.id_number.value()
        if not number or not self.problems():
            return
        found = check_id(number, today=self._today, kinds=PERSON_KINDS)
        if found.valid and found.kind is not None:
            self._select(_card_type_of(found.kind, number))
            self._edited()

    def problems(self) -> list[str]:
        number = self.id_number.value()
        if not number:
            return []
        check = check_id(number, today=self._today, kinds={self.selected_card_type().id_kind})
        return [] if check.valid else list(check.problems)

    def is_empty(self) -> bool:
        return not (self.name.text().strip() or self.id_number.value())

    def _card_person(self) -> Person | None:
        """The person read from the card, while type and number are still the card's."""
        card = self._from_card
        if card and (card.card_type, card.id_number) == (
            self.selected_card_type(),
            self.id_number.value(),
        ):
            return card
        return None

    def person(self) -> Person:
        card = self._card_person()
        return Person(
            name=self.name.text().strip(),
            id_number=self.id_number.value(),
            card_type=self.selected_card_type(),
            phone=self.phone.text().strip() or None,
            address=self.address or None,
            name_en=card.name_en if card else None,
            nationality=card.nationality if card else None,
            pass_number=card.pass_number if card else None,
        )

    def fill_from_card(self, record: IdCardRecord) -> None:
        card = record.person()
        self._from_card = card
        self._select(card.card_type)
        self.fill(card.name, card.id_number, card.address or "")

    def fill(self, name: str, number: str, address: str) -> None:
        self.name.setText(name)
        self.id_number.set_value(number)
        self.address = address
        self._edited()

    def clear(self) -> None:
        self._from_card = None
        self._select(CardType.RESIDENT)
        self.fill("", "", "")
        self.phone.clear()


def _card_type_of(kind: IdKind, number: str) -> CardType:
    if kind is IdKind.FOREIGN_PERMANENT:
        # 15 characters (3 letters first) is the 2017 layout's number, 18 digits the 2023 one's.
        return CardType.FOREIGN_2017 if len(number) == 15 else CardType.FOREIGN_2023
    return CardType.GAT_RESIDENCE if kind is IdKind.GAT_RESIDENCE else CardType.RESIDENT


def _layout_fields(person: Person | None) -> str:
    """The fields only this card's layout has, as read from it."""
    if person is None:
        return ""
    fields = [
        ("英文姓名", person.name_en),
        ("国籍", person.nationality),
        ("通行证号码", person.pass_number),
    ]
    return "　".join(f"{label}：{value}" for label, value in fields if value)


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
        # Asked at the window (个人信息保护法: notices only with consent); Tab reaches it
        # right after the phone number, Space ticks it.
        self.sms_consent = QCheckBox("同意接收短信通知")
        self.sms_consent.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
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
        layout.addWidget(self.sms_consent)
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
        if self.has_agent and self.agent.is_empty() and not self.person.is_empty():
            self.agent.fill_from_card(record)
            self.changed.emit()
            return "代办人"
        self.person.fill_from_card(record)
        self.photo.setPixmap(QPixmap.fromImage(photo_image(record)))
        details = [
            record.card_type.layout_label,
            record.sex,
            record.nation,
            f"有效期至 {record.valid_until_text}",
        ]
        self.card_line.setText("  ".join(d for d in details if d) + f"\n{record.full_address}")
        if record.warnings:
            self.card_line.setText(self.card_line.text() + "\n⚠ " + "；".join(record.warnings))
        self.changed.emit()
        return "申请人"

    def clear(self) -> None:
        self.person.clear()
        self.agent.clear()
        self.sms_consent.setChecked(False)
        self.is_organisation.setChecked(False)
        self.org_name.clear()
        self.uscc.clear()
        self.uscc_problem.clear()
        self.set_agent(False)
        self.card_line.clear()
        self.photo.setPixmap(QPixmap.fromImage(placeholder_image("刷身份证\n或手工录入")))
