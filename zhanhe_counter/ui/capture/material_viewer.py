"""材料影像 of a case for the reviewer (后台查看材料): thumbnails left, the page right.

Keys: ↑ ↓ pick a page, + / - zoom, Esc close. Sized for 1366×768.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from zhanhe_counter.services.ports.materials import StoredPage

_THUMB = QSize(90, 120)


class MaterialViewer(QDialog):
    """The pages of one case, in capture order."""

    def __init__(
        self,
        title: str,
        pages: Sequence[StoredPage],
        names: dict[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"材料影像 · {title}")
        self.resize(1000, 640)
        # Signed documents (签署文书, PDF) are listed by name, not drawn: the pages are images.
        self.pages = [p for p in pages if p.media_type.startswith("image/")]
        self.signed = [p.material_id.removeprefix("signed:") for p in pages if p not in self.pages]
        self.zoom = 1.0
        self.list = QListWidget()
        self.list.setIconSize(_THUMB)
        self.list.setFixedWidth(200)
        self.page = QLabel("本办件没有材料影像" if not self.pages else "")
        self.page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidget(self.page)
        scroll.setWidgetResizable(True)
        self.area = scroll
        self.caption = QLabel("")
        self.signed_note = QLabel(f"另有签署文书 {len(self.signed)} 份" if self.signed else "")
        self.signed_note.setObjectName("hint")
        self.caption.setObjectName("hint")
        for page in self.pages:
            pixmap = QPixmap()
            pixmap.loadFromData(page.image)
            label = (names or {}).get(page.material_id, f"材料{page.material_id}")
            item = QListWidgetItem(QIcon(pixmap), f"{label}\n第{page.page_no}页")
            self.list.addItem(item)
        self.list.currentRowChanged.connect(self._show)
        right = QVBoxLayout()
        right.addWidget(scroll, 1)
        right.addWidget(self.caption)
        right.addWidget(self.signed_note)
        layout = QHBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(right, 1)
        QShortcut(QKeySequence("+"), self, lambda: self._zoom(1.25))
        QShortcut(QKeySequence("-"), self, lambda: self._zoom(0.8))
        if self.pages:
            self.list.setCurrentRow(0)
        self.list.setFocus()

    def _zoom(self, factor: float) -> None:
        self.zoom = min(4.0, max(0.25, self.zoom * factor))
        self._show(self.list.currentRow())

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.pages):
            return
        page = self.pages[row]
        pixmap = QPixmap()
        pixmap.loadFromData(page.image)
        height = int(max(100, self.area.viewport().height() - 8) * self.zoom)
        self.page.setPixmap(
            pixmap.scaledToHeight(height, Qt.TransformationMode.SmoothTransformation)
        )
        self.caption.setText(
            f"{self.list.item(row).text().replace(chr(10), ' ')} · {page.size // 1024} KB · "
            f"SHA-256 {page.sha256[:16]}… · ↑↓ 翻页 +/- 缩放 Esc 关闭"
        )
