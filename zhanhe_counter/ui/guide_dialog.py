"""办事指南 (F1): the current matter's guide, large enough to turn the screen to the applicant,
and Ctrl+P to print it on A4 for them to take home (办法第十二条)."""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from zhanhe_counter.services.document_dispatch import DocumentPrinter
from zhanhe_counter.services.documents import GuideSection, ServiceGuides
from zhanhe_counter.ui.jobs import StorageRunner


def guide_html(name: str, sections: list[GuideSection]) -> str:
    """The guide as simple rich text: a heading per section, one paragraph per line."""
    parts = [f"<h2>{html.escape(name)} · 办事指南</h2>"]
    for section in sections:
        parts.append(f"<h3>{html.escape(section.heading)}</h3>")
        parts.extend(f"<p>{html.escape(line)}</p>" for line in section.lines)
    return "".join(parts)


class GuideDialog(QDialog):
    """Shows one matter's 办事指南; Ctrl+P (or the button) queues it on the A4 printer."""

    def __init__(
        self,
        *,
        guides: ServiceGuides,
        printer: DocumentPrinter,
        runner: StorageRunner,
        matter_id: str,
        actor: str,
        on_message: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._guides = guides
        self._printer = printer
        self._runner = runner
        self._matter_id = matter_id
        self._actor = actor
        self._on_message = on_message
        # One request id per dialog: pressing Ctrl+P twice queues the guide once.
        self._request_id = uuid.uuid4()
        values = guides.values(matter_id)
        self.setWindowTitle(f"办事指南 — {values['matter_name']}")
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.text.setHtml(guide_html(values["matter_name"], guides.sections(matter_id)))
        self.status = QLabel("Ctrl+P 打印给申请人　Esc 关闭")
        self.print_button = QPushButton("打印 (Ctrl+P)")
        self.print_button.clicked.connect(self.print_guide)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        QShortcut(QKeySequence("Ctrl+P"), self).activated.connect(self.print_guide)
        self.resize(760, 560)  # fits 960×600, the smallest logical screen of a counter PC

    def print_guide(self) -> None:
        self.print_button.setEnabled(False)
        self.status.setText("正在打印……")
        request = self._guides.request(self._matter_id)
        matter_id, request_id, actor = self._matter_id, self._request_id, self._actor
        self._runner.submit(
            lambda: self._printer.print_guide(
                matter_id, request, request_id=request_id, actor=actor
            ),
            self._printed,
            self._failed,
        )

    def _printed(self, _job: object) -> None:
        self.status.setText("办事指南已送往打印机。")
        self._on_message("办事指南已送往打印机。")

    def _failed(self, error: Exception) -> None:
        message = getattr(error, "user_message", None) or "打印失败，请重试。"
        self.status.setText(message)
        self.print_button.setEnabled(True)
