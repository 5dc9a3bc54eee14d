"""材料影像 under the checklist: what was captured for the current row, and a preview.

Key ``C`` on the checklist captures pages for the current row with this counter's device; the
pages wait here until the case is committed (``CapturedMaterials``). A failure is one Chinese
line and changes nothing else: the row stays as ticked, the intake goes on.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.materials import CapturedMaterials, MaterialService
from zhanhe_counter.services.ports.capture import PageSource, PreparedPage
from zhanhe_counter.ui.capture.qt_camera import QtDocumentCamera
from zhanhe_counter.ui.jobs import StorageRunner

log = logging.getLogger(__name__)

PREVIEW_HEIGHT = 72  # small enough for 1366x768, big enough to see the page was caught


class MaterialStrip(QWidget):
    """The pages captured during this intake, by row, with the last page's thumbnail."""

    captured_pages = Signal(str)  # material id whose pages changed
    message = Signal(str)

    def __init__(
        self,
        materials: MaterialService,
        source: PageSource,
        runner: StorageRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.materials = materials
        self.source = source
        self.runner = runner
        self.captured = CapturedMaterials()
        self.busy = False
        self.preview = QLabel()
        self.preview.setFixedSize(PREVIEW_HEIGHT * 3 // 4, PREVIEW_HEIGHT)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setObjectName("materialPreview")
        self.summary = QLabel("材料影像：按 C 为当前材料拍照/扫描（可多页）")
        self.summary.setObjectName("hint")
        self.summary.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.preview)
        layout.addWidget(self.summary, 1)

    def reset(self) -> None:
        self.captured.clear()
        self.preview.clear()
        self.summary.setText("材料影像：按 C 为当前材料拍照/扫描（可多页）")

    def take(self) -> CapturedMaterials:
        """The pages captured so far, handed to the commit; this strip starts afresh."""
        taken, self.captured = self.captured, CapturedMaterials()
        return taken

    def capture(self, material_id: str, name: str) -> None:
        """Capture pages for one row; the result arrives on the GUI thread."""
        if self.busy:
            return
        self.busy = True
        self.summary.setText(f"正在采集“{name}”……")
        kind = self.source.kind

        def done(pages: object) -> None:
            self.busy = False
            assert isinstance(pages, list)
            self._add(material_id, name, kind, pages)

        try:
            # Qt's camera objects stay on the GUI thread; a scan may take seconds elsewhere.
            if isinstance(self.source, QtDocumentCamera):
                raws = self.source.capture()
                self.runner.submit(lambda: self.materials.prepare(kind, raws), done, self._failed)
            else:
                self.runner.submit(lambda: self.materials.capture(self.source), done, self._failed)
        except DomainError as error:
            self._failed(error)

    def _add(self, material_id: str, name: str, kind: str, pages: list[PreparedPage]) -> None:
        try:
            row = self.captured.add(material_id, name, kind, pages)
        except DomainError as error:
            self._failed(error)
            return
        pixmap = QPixmap()
        pixmap.loadFromData(pages[-1].image)
        self.preview.setPixmap(
            pixmap.scaled(
                self.preview.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        text = f"“{name}”已采集 {len(row.pages)} 页（再按 C 追加一页），确认收件时一并保存"
        self.summary.setText(text)
        self.message.emit(text)
        self.captured_pages.emit(material_id)

    def _failed(self, error: Exception) -> None:
        self.busy = False
        if isinstance(error, DomainError):
            text = error.user_message
        else:
            log.error("capture failed", exc_info=error)
            text = "采集失败，请重试或改用其他方式"
        self.summary.setText(f"{text}（不影响收件）")
        self.message.emit(text)
