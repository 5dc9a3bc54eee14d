"""签名板: the applicant signs with a pen tablet or the mouse; the strokes become a PNG.

A pen tablet reaches Qt as tablet events (pressure gives the line its weight); without one the
mouse draws. The image is what is archived with the delivery, next to the printed 出件签收单.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTabletEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

_INK = QColor("#10233f")


class SignaturePad(QWidget):
    """签名板."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._image = QImage(self.minimumSize(), QImage.Format.Format_ARGB32)
        self._image.fill(Qt.GlobalColor.white)
        self._last: QPointF | None = None
        self._strokes = 0

    def is_empty(self) -> bool:
        return self._strokes == 0

    def clear(self) -> None:
        self._image.fill(Qt.GlobalColor.white)
        self._strokes = 0
        self.update()
        self.changed.emit()

    def to_png(self) -> bytes:
        """The signature as PNG bytes (empty when nothing was drawn)."""
        if self.is_empty():
            return b""
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        self._image.save(buffer, "PNG")  # type: ignore[call-overload]  # stub lacks QIODevice
        buffer.close()
        return bytes(data.data())

    def draw_stroke(self, points: list[QPointF], pressure: float = 0.6) -> None:
        """Draw one stroke (used by the event handlers, and by tests and demos)."""
        if len(points) < 2:
            return
        self._last = points[0]
        for point in points[1:]:
            self._line_to(point, pressure)
        self._end_stroke()

    # ------------------------------------------------------------------ input

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._last = event.position()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._last is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self._line_to(event.position(), 0.6)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._last is not None:
            self._end_stroke()

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            self._last = event.position()
        elif kind == QTabletEvent.Type.TabletMove and self._last is not None:
            self._line_to(event.position(), event.pressure())
        elif kind == QTabletEvent.Type.TabletRelease and self._last is not None:
            self._end_stroke()
        event.accept()

    def resizeEvent(self, event: object) -> None:
        if self.width() > self._image.width() or self.height() > self._image.height():
            grown = QImage(
                max(self.width(), self._image.width()),
                max(self.height(), self._image.height()),
                QImage.Format.Format_ARGB32,
            )
            grown.fill(Qt.GlobalColor.white)
            painter = QPainter(grown)
            painter.drawImage(0, 0, self._image)
            painter.end()
            self._image = grown

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.drawImage(event.rect(), self._image, event.rect())
        painter.setPen(QPen(QColor("#b0b8c4"), 1, Qt.PenStyle.DashLine))
        baseline = self.height() - 30
        painter.drawLine(20, baseline, self.width() - 20, baseline)
        if self.is_empty():
            painter.drawText(24, baseline - 8, "请在此处签名")
        painter.end()

    def _line_to(self, point: QPointF, pressure: float) -> None:
        assert self._last is not None
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = 1.5 + 3.0 * max(0.1, min(pressure, 1.0))
        painter.setPen(QPen(_INK, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(self._last, point)
        painter.end()
        self._last = point
        self.update()

    def _end_stroke(self) -> None:
        self._last = None
        self._strokes += 1
        self.changed.emit()
