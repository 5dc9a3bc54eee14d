"""统一出件窗口: scan or type the number (or tap the card), check the receiver, collect, hand out.

The search box has the focus: a keyboard-wedge scanner types the barcode or the QR address and
presses Enter; a clerk types the number; a card tap (``card_tapped``) searches by ID number and
fills the receiver. Then: 核验 the receiver, tick the materials the 交接单 lists, and either the
receiver signs on the pad and the 出件签收单 prints, or the courier and waybill are recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from uuid import UUID

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from uuid6 import uuid7

from zhanhe_counter.domain.china_time import china_date
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.payloads import ServiceMethod
from zhanhe_counter.services.delivery import DeliveryCase, DeliveryResult, VerifiedReceiver
from zhanhe_counter.services.documents import DocumentRequest
from zhanhe_counter.ui import theme
from zhanhe_counter.ui.backoffice.context import FollowthroughServices
from zhanhe_counter.ui.backoffice.service_dialog import CARRIERS
from zhanhe_counter.ui.dialogs import confirm
from zhanhe_counter.ui.jobs import StorageRunner
from zhanhe_counter.ui.signature_pad import SignaturePad

log = logging.getLogger(__name__)


class DeliveryWindow(QWidget):
    """统一出件窗口. Open with ``DeliveryWindow(services, runner, parent)``."""

    delivered = Signal(object)  # DeliveryResult
    message = Signal(str)

    def __init__(
        self,
        services: FollowthroughServices,
        runner: StorageRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.runner = runner  # the window's one storage runner
        self.case: DeliveryCase | None = None
        self.receiver: VerifiedReceiver | None = None
        self._candidates: list[DeliveryCase] = []
        #: Asks before handing out, which cannot be undone; tests answer it themselves.
        self.ask_confirm: Callable[[str, str], bool] = lambda title, text: confirm(
            self, title, text
        )
        self.setWindowTitle(f"统一出件 · {services.staff.name}")

        self.search = QLineEdit()
        self.search.setPlaceholderText("扫描回执条码/二维码，输入办件编号，或刷身份证")
        self.search.returnPressed.connect(self.search_now)
        self.results = QListWidget()
        self.results.setMaximumHeight(110)
        self.results.currentRowChanged.connect(self._pick)
        self.case_label = QLabel("")
        self.case_label.setObjectName("sectionTitle")
        self.case_label.setWordWrap(True)

        # Receiver identity.
        self.receiver_name = QLineEdit()
        self.receiver_name.textEdited.connect(self._receiver_edited)
        self.receiver_id = QLineEdit()
        self.receiver_id.textEdited.connect(self._receiver_edited)
        self.receiver_id.setPlaceholderText("刷卡自动填入，或手工输入证件号码")
        self.letter = QCheckBox("持授权委托书")
        self.verify_button = QPushButton("核验身份 [F6]")
        self.verify_button.clicked.connect(self.verify)
        self.receiver_label = QLabel("")
        identity = QGroupBox("领取人身份核验")
        form = QFormLayout(identity)
        form.addRow("姓名", self.receiver_name)
        form.addRow("证件号码", self.receiver_id)
        form.addRow("", self.letter)
        form.addRow(self.verify_button, self.receiver_label)

        # Materials to collect.
        self.collect = QListWidget()
        collect_box = QGroupBox("出件时需收取的材料（交接单）")
        QVBoxLayout(collect_box).addWidget(self.collect)

        # Pickup or express.
        self.pad = SignaturePad()
        self.clear_pad = QPushButton("重签")
        self.clear_pad.clicked.connect(self.pad.clear)
        self.pickup_button = QPushButton("签收出件并打印签收单 [Ctrl+Enter]")
        self.pickup_button.setObjectName("primary")
        self.pickup_button.setShortcut("Ctrl+Return")
        self.pickup_button.clicked.connect(self.pickup)
        pickup = QWidget()
        pickup_layout = QVBoxLayout(pickup)
        pickup_layout.addWidget(QLabel("领取人签名（签名板或鼠标）"))
        pickup_layout.addWidget(self.pad)
        row = QHBoxLayout()
        row.addWidget(self.clear_pad)
        row.addStretch(1)
        row.addWidget(self.pickup_button)
        pickup_layout.addLayout(row)
        self.carrier = QComboBox()
        self.carrier.setEditable(True)
        self.carrier.addItems(CARRIERS)
        self.waybill = QLineEdit()
        self.waybill.setPlaceholderText("扫描或输入运单号")
        self.address = QLineEdit()
        self.express_button = QPushButton("邮寄出件")
        self.express_button.setObjectName("primary")
        self.express_button.clicked.connect(self.express)
        express = QWidget()
        express_form = QFormLayout(express)
        express_form.addRow("快递公司", self.carrier)
        express_form.addRow("运单号", self.waybill)
        express_form.addRow("邮寄地址", self.address)
        express_form.addRow("", self.express_button)
        # 邮件签收: the postal receipt came back; its date is the date of service.
        self.mailings = QComboBox()
        self.signed_on = QDateEdit()
        self.signed_on.setCalendarPopup(True)
        self.signed_on.setDisplayFormat("yyyy-MM-dd")
        self.signed_on.setDate(_qdate(china_date(services.clock.now())))
        self.signed_button = QPushButton("登记签收日期")
        self.signed_button.clicked.connect(self.record_signed_for)
        signed = QWidget()
        signed_form = QFormLayout(signed)
        signed_form.addRow("待签收邮件", self.mailings)
        signed_form.addRow("签收日期", self.signed_on)
        signed_form.addRow("", self.signed_button)
        self.mode = QTabWidget()
        self.mode.addTab(pickup, "窗口领取")
        self.mode.addTab(express, "邮寄送达")
        self.mode.addTab(signed, "邮件签收")

        self.status = QLabel("")
        self.status.setWordWrap(True)
        header = QLabel(f"统一出件窗口 · {services.staff.name}")
        header.setObjectName("header")
        # Two columns, so the page fits a short screen: find and check on the left, collect,
        # sign and hand out on the right, with the 签收出件 button always in view.
        self.results.setMaximumHeight(90)
        self.collect.setMaximumHeight(110)
        left = QVBoxLayout()
        left.addWidget(self.search)
        left.addWidget(self.results)
        left.addWidget(self.case_label)
        left.addWidget(identity)
        left.addWidget(self.status)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(collect_box)
        right.addWidget(self.mode, 1)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(columns, 1)
        self.verify_button.setShortcut("F6")
        self._update_buttons()
        self.search.setFocus()

    # ------------------------------------------------------------------ finding

    def search_now(self) -> None:
        """Enter in the scan field: find the case on the storage thread."""
        text = self.search.text()
        delivery = self.services.delivery

        def found(cases: object) -> None:
            assert isinstance(cases, list)
            self._show_candidates(cases)
            self.search.clear()

        self.runner.submit(lambda: delivery.find(text), found, self._find_failed)

    def _find_failed(self, error: Exception) -> None:
        self._say(_message(error, "查找失败，请重试"), bad=True)
        self.search.selectAll()

    def card_tapped(self, name: str, id_number: str) -> None:
        """A card on the reader: fill the receiver; with no case open, find theirs first."""
        if self.case is not None:
            self._receiver_from_card(name, id_number)
            return
        delivery = self.services.delivery

        def found(cases: object) -> None:
            assert isinstance(cases, list)
            self._show_candidates(cases)
            self._receiver_from_card(name, id_number)

        self.runner.submit(lambda: delivery.find_by_card(id_number), found, self._find_failed)

    def _receiver_from_card(self, name: str, id_number: str) -> None:
        self.receiver = None  # a new card is a new receiver: check them afresh
        self.receiver_label.clear()
        self.receiver_id.setReadOnly(False)
        self.receiver_name.setText(name)
        self.receiver_id.setText(id_number)
        if self.case is not None:
            self.verify()

    def _show_candidates(self, found: Sequence[DeliveryCase]) -> None:
        self._candidates = list(found)
        self.results.clear()
        for case in found:
            self.results.addItem(
                QListWidgetItem(f"{case.case_number}  {case.matter_name}  {case.status_text}")
            )
        self.results.setCurrentRow(0 if found else -1)

    def _pick(self, row: int) -> None:
        self.case = self._candidates[row] if 0 <= row < len(self._candidates) else None
        self.receiver = None
        self.receiver_label.clear()
        self.receiver_id.setReadOnly(False)
        self.receiver_id.clear()
        self.collect.clear()
        self.pad.clear()
        if self.case is None:
            self.case_label.clear()
            self._update_buttons()
            return
        case = self.case
        self.services.record_view(self.runner, case.case.case_id, "delivery")
        self.case_label.setText(
            f"{case.case_number} · {case.matter_name} · {case.case.applicant_name or ''}"
            f"\n办理结果：{case.result_name}　状态：{case.status_text}"
        )
        self.mailings.clear()
        for mail in case.case.services:
            if mail.method is ServiceMethod.POST and not mail.complete:
                self.mailings.addItem(f"{mail.document.label} {mail.summary}", mail.waybill)
        for item in case.collect_at_delivery:
            entry = QListWidgetItem(item)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Unchecked)
            self.collect.addItem(entry)
        applicant = case.case.applicant
        self.address.setText((applicant.person.address if applicant else None) or "")
        if case.ready:
            self._say("请核验领取人身份，并收取交接单所列材料。")
        else:
            self._say(f"该办件{case.status_text}。", bad=True)
        self._update_buttons()

    # ------------------------------------------------------------------ identity

    def verify(self) -> None:
        """F6 核验身份. Once a receiver is verified the field shows the masked number only, so
        F6 again confirms that result instead of checking the masked text (which can never
        match); editing the name or number, or a new card, asks for a new check."""
        if self.case is None:
            return
        if self.receiver is not None:
            self._say("身份已核验，可以签收出件。")
            return
        delivery, case_id = self.services.delivery, self.case.case_id
        name, number = self.receiver_name.text(), self.receiver_id.text()
        letter = self.letter.isChecked()
        self.runner.submit(
            lambda: delivery.verify_receiver(case_id, name, number, letter_of_authority=letter),
            lambda receiver: self._verified(case_id, receiver),
            lambda error: self._not_verified(case_id, error),
        )

    def _not_verified(self, case_id: UUID, error: Exception) -> None:
        if self.case is None or self.case.case_id != case_id:
            return  # another case was picked meanwhile
        self.receiver = None
        self.receiver_label.setText("")
        self.receiver_id.setReadOnly(False)
        self._say(_message(error, "身份核验未完成，请重试"), bad=True)
        self._update_buttons()

    def _verified(self, case_id: UUID, receiver: object) -> None:
        if self.case is None or self.case.case_id != case_id:
            return
        assert isinstance(receiver, VerifiedReceiver)
        self.receiver = receiver
        # The full number has done its job; the screen shows only the masked form.
        self.receiver_id.setText(receiver.id_masked)
        self.receiver_id.setReadOnly(True)
        self.receiver_label.setText(f"✔ {receiver.role.label} {receiver.name} {receiver.id_masked}")
        self.receiver_label.setStyleSheet(f"color: {theme.OK}; font-weight: bold;")
        self._say("身份核验通过。")
        self._update_buttons()

    def _receiver_edited(self) -> None:
        if self.receiver is not None:
            self.receiver = None
            self.receiver_label.clear()
            self._update_buttons()

    # ------------------------------------------------------------------ page

    def opened(self) -> None:
        """F3: the scan field has the focus, so a scanned number lands in it."""
        self.search.setFocus()
        self.search.selectAll()

    def page_keys(self) -> list[tuple[str, Callable[[], object]]]:
        return [
            ("F6 核验身份", self.verify_button.click),
            ("Ctrl+Enter 签收出件", self.pickup_button.click),
        ]

    def primary_widgets(self) -> dict[str, QWidget]:
        return {
            "扫描框": self.search,
            "核验身份": self.verify_button,
            "签收出件": self.pickup_button,
        }

    # ------------------------------------------------------------------ handing out

    def collected_items(self) -> list[str]:
        return [
            self.collect.item(i).text()
            for i in range(self.collect.count())
            if self.collect.item(i).checkState() is Qt.CheckState.Checked
        ]

    def tick_all_collected(self) -> None:
        for i in range(self.collect.count()):
            self.collect.item(i).setCheckState(Qt.CheckState.Checked)

    def pickup(self) -> None:
        case, receiver = self.case, self.receiver
        if case is None or receiver is None:
            self._say("请先核验领取人身份。", bad=True)
            return
        if not self.ask_confirm(
            "签收出件",
            f"将 {case.case_number} 交给{receiver.role.label}{receiver.name}？出件后不可撤销。",
        ):
            return
        delivery = self.services.delivery
        staff = self.services.staff
        collected = self.collected_items()
        signature = self.pad.to_png() or None
        event_id = uuid7()
        sign = self.services.sign_document

        def work() -> DeliveryResult:
            result = delivery.pickup(
                case.case_id,
                receiver,
                collected,
                staff.staff_id,
                actor_name=staff.name,
                signature_png=signature,
                event_id=event_id,
            )
            if signature and sign is not None:
                _sign_receipts(result, signature, staff.staff_id, sign)
            return result

        self._submit(work, "已签收出件，签收单已送打印。")

    def express(self) -> None:
        case = self.case
        if case is None:
            return
        if not self.ask_confirm("邮寄出件", f"登记 {case.case_number} 邮寄出件？出件后不可撤销。"):
            return
        delivery = self.services.delivery
        staff = self.services.staff
        carrier, waybill = self.carrier.currentText(), self.waybill.text()
        address, collected = self.address.text(), self.collected_items()
        event_id = uuid7()
        self._submit(
            lambda: delivery.express(
                case.case_id,
                carrier,
                waybill,
                staff.staff_id,
                actor_name=staff.name,
                address=address,
                collected=collected,
                event_id=event_id,
            ),
            "已登记邮寄出件。",
        )

    def _submit(self, work: Callable[[], DeliveryResult], done_text: str) -> None:
        printer = self.services.printer
        staff_id = self.services.staff.staff_id
        request_id = uuid7()

        def work_and_print() -> DeliveryResult:
            result = work()
            if printer is not None:
                printer.print(  # under the id the 出件签收单 was recorded as owed with
                    result.case.case_id,
                    result.documents,
                    request_id=result.request_id or request_id,
                    actor=staff_id,
                )
            return result

        self.pickup_button.setEnabled(False)
        self.express_button.setEnabled(False)

        def done(result: DeliveryResult) -> None:
            self._say(done_text)
            self.case = None
            self.receiver = None
            self._candidates = []
            self.results.clear()
            self.collect.clear()
            self.pad.clear()
            self.waybill.clear()
            self.case_label.setText(f"{result.case.case_number or ''} 已出件")
            self._update_buttons()
            self.search.setFocus()
            self.delivered.emit(result)

        def failed(error: Exception) -> None:
            if not isinstance(error, DomainError):
                log.error("delivery failed: %r", error)
            text = error.user_message if isinstance(error, DomainError) else "出件未完成，请重试"
            self._say(text, bad=True)
            self._update_buttons()

        self.runner.submit(work_and_print, done, failed)

    def record_signed_for(self) -> None:
        """登记签收日期 of the chosen mailing of the shown case (from the postal receipt)."""
        case, waybill = self.case, self.mailings.currentData()
        if case is None or not waybill:
            return
        delivery = self.services.delivery
        staff_id = self.services.staff.staff_id
        qdate = self.signed_on.date()
        signed_on = date(qdate.year(), qdate.month(), qdate.day())
        event_id = uuid7()

        def work() -> DeliveryCase:
            delivery.signed_for(case.case_id, waybill, signed_on, staff_id, event_id=event_id)
            return delivery.open(case.case_id)

        def done(updated: DeliveryCase) -> None:
            self._show_candidates([updated])
            self._say(f"已登记签收日期 {signed_on.isoformat()}。")

        self.runner.submit(
            work, done, lambda error: self._say(_message(error, "登记未完成，请重试"), bad=True)
        )

    def _update_buttons(self) -> None:
        self.signed_button.setEnabled(self.case is not None and self.mailings.count() > 0)
        ready = self.case is not None and self.case.ready
        self.verify_button.setEnabled(ready)
        self.pickup_button.setEnabled(ready and self.receiver is not None)
        self.express_button.setEnabled(ready)

    def _say(self, text: str, *, bad: bool = False) -> None:
        self.status.setStyleSheet(f"color: {theme.BAD if bad else theme.OK};")
        self.status.setText(text)
        self.message.emit(text)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _message(error: Exception, fallback: str) -> str:
    """The clerk's sentence for ``error``; an unexpected one is logged and said plainly."""
    if isinstance(error, DomainError):
        return error.user_message
    log.error("delivery step failed: %r", error)
    return fallback


def _sign_receipts(
    result: DeliveryResult,
    signature: bytes,
    actor: str,
    sign: Callable[[UUID, DocumentRequest, bytes, str], None],
) -> None:
    """The 出件签收单 signed with the pad's image and kept with the case (签署文书). The delivery is
    recorded already: a receipt that cannot be signed is logged, the paper one is signed by hand."""
    for request in result.documents:
        if request.kind is DocumentKind.DELIVERY_RECEIPT:
            try:
                sign(result.case.case_id, request, signature, actor)
            except DomainError as error:
                log.warning("receipt of case %s not signed: %s", result.case.case_id, error)
