"""The document camera (高拍仪) through Qt Multimedia: QCamera, QMediaCaptureSession, QImageCapture.

Most 高拍仪 are USB video-class cameras, which Qt lists as video inputs; the one whose name
matches the setting (or the first) takes one still per capture. Qt's camera objects live on the
GUI thread, so :meth:`QtDocumentCamera.capture` waits in a local event loop (a few hundred ms)
rather than on a worker thread. No camera, or one another program holds, is a Chinese message.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QEventLoop, QIODevice, QLoggingCategory, QTimer
from PySide6.QtGui import QImage

from zhanhe_counter.services.ports.capture import (
    CAMERA_ABSENT_ZH,
    CAMERA_BUSY_ZH,
    CaptureFailed,
    DeviceInfo,
)

log = logging.getLogger(__name__)

CAPTURE_TIMEOUT_MS = 8000


def _multimedia() -> ModuleType:
    """QtMultimedia, loaded at the first capture: a counter that never captures never pays for
    it. Its FFmpeg and PipeWire probes report missing optional libraries (VA-API, PipeWire) as it
    loads: irrelevant to a still from a document camera, and noise in the log."""
    QLoggingCategory.setFilterRules("qt.multimedia.symbolsresolver=false")
    try:
        return importlib.import_module("PySide6.QtMultimedia")  # in PySide6-Addons
    except ImportError as error:
        raise CaptureFailed(
            f"QtMultimedia unavailable: {error}",
            "本机未安装高拍仪组件（Qt Multimedia），请联系管理员",
        ) from error


def list_cameras() -> list[DeviceInfo]:
    return [
        DeviceInfo("camera", bytes(d.id().data()).decode(errors="replace"), d.description())
        for d in _multimedia().QMediaDevices.videoInputs()
    ]


def _pick(name: str | None) -> Any:
    devices = _multimedia().QMediaDevices.videoInputs()
    for device in devices:
        if not name or name in device.description():
            return device
    raise CaptureFailed(f"no video input matching {name!r} among {len(devices)}", CAMERA_ABSENT_ZH)


def _png(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # stub lacks QIODevice
    buffer.close()
    return bytes(data.data())


class QtDocumentCamera:
    """``PageSource`` on a USB document camera; ``name`` picks it by its description."""

    kind = "camera"

    def __init__(self, name: str | None = None, timeout_ms: int = CAPTURE_TIMEOUT_MS) -> None:
        self.name = name
        self.timeout_ms = timeout_ms

    def capture(self) -> list[bytes]:
        device = _pick(self.name)
        multimedia = _multimedia()
        camera = multimedia.QCamera(device)
        session = multimedia.QMediaCaptureSession()
        still = multimedia.QImageCapture()
        session.setCamera(camera)
        session.setImageCapture(still)
        loop = QEventLoop()
        shots: list[QImage] = []
        errors: list[str] = []

        def ready(is_ready: bool) -> None:
            if is_ready and not shots:
                still.capture()

        def taken(_id: int, image: QImage) -> None:
            shots.append(image)
            loop.quit()

        def failed(*args: object) -> None:
            errors.append(" ".join(str(a) for a in args))
            loop.quit()

        still.readyForCaptureChanged.connect(ready)
        still.imageCaptured.connect(taken)
        still.errorOccurred.connect(failed)
        camera.errorOccurred.connect(failed)
        QTimer.singleShot(self.timeout_ms, loop.quit)
        camera.start()
        if still.isReadyForCapture():
            still.capture()
        loop.exec()
        camera.stop()
        if shots:
            return [_png(shots[0])]
        log.warning("document camera gave no image: %s", errors or "timeout")
        raise CaptureFailed(f"camera: {errors or 'timeout'}", CAMERA_BUSY_ZH)
