"""The Qt side of the reader service: service callbacks in, Qt signals out, on the UI thread.

The reader service calls its callbacks on its own worker thread. Each callback here only posts
an event through a private signal with a queued connection, so every public signal is emitted
on the thread that owns the bridge (the UI thread) and slots may touch widgets directly.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from zhanhe_counter.services.ports.idcard import IdCardError, IdCardRecord, PhotoStatus
from zhanhe_counter.services.reader_service import (
    ReaderCallbacks,
    ReaderService,
    ReaderState,
    ReaderStatus,
)

PHOTO_WIDTH = 102
PHOTO_HEIGHT = 126
PLACEHOLDER_TEXT = {
    PhotoStatus.NO_DECODER: "未配置照片\n解码库",
    PhotoStatus.DECODE_FAILED: "照片解码\n失败",
    PhotoStatus.ABSENT: "无照片",
    PhotoStatus.DECODED: "照片",
}


class ReaderBridge(QObject):
    """读卡桥接: owns a :class:`ReaderService` and re-emits its callbacks as Qt signals."""

    recordRead = Signal(object)  # IdCardRecord
    cardRemoved = Signal()
    errorOccurred = Signal(str)  # the Chinese message for the clerk
    readerStatusChanged = Signal(str)  # ReaderStatus value
    stateChanged = Signal(str)  # ReaderState value

    # Posted from the worker thread; delivered on the bridge's thread.
    _posted = Signal(str, object)

    def __init__(self, service: ReaderService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self._posted.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        service.callbacks = ReaderCallbacks(
            on_record=lambda record: self._posted.emit("record", record),
            on_card_removed=lambda: self._posted.emit("removed", None),
            on_error=lambda error: self._posted.emit("error", error),
            on_reader_status=lambda status: self._posted.emit("status", status),
            on_state=lambda state: self._posted.emit("state", state),
        )
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    @Slot(str, object)
    def _dispatch(self, kind: str, payload: object) -> None:
        if kind == "record" and isinstance(payload, IdCardRecord):
            self.recordRead.emit(payload)
        elif kind == "removed":
            self.cardRemoved.emit()
        elif kind == "error" and isinstance(payload, IdCardError):
            self.errorOccurred.emit(payload.user_message)
        elif kind == "status" and isinstance(payload, ReaderStatus):
            self.readerStatusChanged.emit(payload.value)
        elif kind == "state" and isinstance(payload, ReaderState):
            self.stateChanged.emit(payload.value)

    @Slot()
    def start(self) -> None:
        self.service.start()

    @Slot()
    def stop(self) -> None:
        self.service.stop()

    @Slot()
    def forget_last_card(self) -> None:
        """Call when a new intake starts, so the same applicant's card fills in again."""
        self.service.forget_last_card()

    @property
    def running(self) -> bool:
        return self.service.running


def photo_image(record: IdCardRecord) -> QImage:
    """The decoded photo, or a 102×126 placeholder that says why there is none."""
    if record.photo_bmp:
        image = QImage.fromData(record.photo_bmp)
        if not image.isNull():
            return image
    status = record.photo_status
    if status is PhotoStatus.DECODED:
        status = PhotoStatus.DECODE_FAILED
    return placeholder_image(PLACEHOLDER_TEXT[status])


def placeholder_image(text: str) -> QImage:
    image = QImage(PHOTO_WIDTH, PHOTO_HEIGHT, QImage.Format.Format_RGB32)
    image.fill(QColor("#e8e8e8"))
    painter = QPainter(image)
    try:
        painter.setPen(QColor("#606060"))
        font = QFont()
        font.setPixelSize(12)
        painter.setFont(font)
        painter.drawText(image.rect(), int(Qt.AlignmentFlag.AlignCenter), text)
    finally:
        painter.end()
    return image
