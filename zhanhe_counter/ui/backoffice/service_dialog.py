"""登记送达: how a notice the back office printed reached the applicant (直接, 邮寄, 电子).

The dialog only collects what the clerk says; ``NoticeServiceDesk`` checks and records it
(docs/legal.md, Service of notices).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QWidget,
)

from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.payloads import ServiceMethod

#: The couriers offered (editable); the same list as the delivery window's.
CARRIERS = ("中国邮政EMS", "顺丰速运", "京东物流", "中通快递")


@dataclass(frozen=True)
class ServiceEntry:
    """What the clerk entered: the document, the method and its particulars."""

    document: DocumentKind
    method: ServiceMethod
    receiver: str = ""
    carrier: str = ""
    waybill: str = ""
    address: str = ""
    consent: bool = False


class ServiceDialog(QDialog):
    """送达登记 of one of ``documents`` (the case's notices not yet served)."""

    def __init__(
        self, documents: Sequence[DocumentKind], receiver: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("登记送达")
        self.document = QComboBox()
        for kind in documents:  # Qt keeps the value as a plain string
            self.document.addItem(kind.label, kind.value)
        self.method = QComboBox()
        for method in ServiceMethod:
            self.method.addItem(method.label, method.value)
        self.receiver = QLineEdit(receiver)
        self.carrier = QComboBox()
        self.carrier.setEditable(True)
        self.carrier.addItems(CARRIERS)
        self.waybill = QLineEdit()
        self.waybill.setPlaceholderText("扫描或输入运单号")
        self.address = QLineEdit()
        self.address.setPlaceholderText("邮寄地址或电子送达地址")
        self.consent = QCheckBox("受送达人已同意电子送达")
        form = QFormLayout(self)
        form.addRow("送达文书", self.document)
        form.addRow("送达方式", self.method)
        form.addRow("签收人", self.receiver)
        form.addRow("快递公司", self.carrier)
        form.addRow("运单号", self.waybill)
        form.addRow("地址", self.address)
        form.addRow("", self.consent)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.method.currentIndexChanged.connect(self._method_changed)
        self._method_changed()

    def _method_changed(self) -> None:
        method = ServiceMethod(self.method.currentData())
        self.receiver.setEnabled(method is ServiceMethod.IN_PERSON)
        self.carrier.setEnabled(method is ServiceMethod.POST)
        self.waybill.setEnabled(method is ServiceMethod.POST)
        self.address.setEnabled(method is not ServiceMethod.IN_PERSON)
        self.consent.setEnabled(method is ServiceMethod.ELECTRONIC)

    def entry(self) -> ServiceEntry:
        return ServiceEntry(
            document=DocumentKind(self.document.currentData()),
            method=ServiceMethod(self.method.currentData()),
            receiver=self.receiver.text(),
            carrier=self.carrier.currentText(),
            waybill=self.waybill.text(),
            address=self.address.text(),
            consent=self.consent.isChecked(),
        )
