"""Which device captures at this counter (采集设备), from the station setting ``capture_device``.

``sane:<device>`` scans with that SANE scanner (``sane:test:0`` is SANE's test driver);
``camera`` or ``camera:<name>`` photographs with the document camera; the demo, and a value of
``simulated``, use the simulated camera. Unset means the document camera.
"""

from __future__ import annotations

from typing import Any

from zhanhe_counter.adapters.capture.sane_scanner import SaneScanner
from zhanhe_counter.adapters.capture.simulated_camera import SimulatedCamera
from zhanhe_counter.services.ports.capture import PageSource
from zhanhe_counter.ui.capture.qt_camera import QtDocumentCamera

SETTING = "capture_device"


def capture_source(setting: Any, *, demo: bool) -> PageSource:
    value = str(setting or "").strip()
    if value.startswith("sane:"):
        return SaneScanner(value.removeprefix("sane:"), adf=True)
    if value == "simulated" or (demo and not value):
        return SimulatedCamera()
    return QtDocumentCamera(value.removeprefix("camera").removeprefix(":") or None)


def runs_on_gui_thread(source: PageSource) -> bool:
    """Qt's camera objects must stay on the GUI thread; a scan may take seconds elsewhere."""
    return isinstance(source, QtDocumentCamera)
