"""Garbage collection on the GUI thread only (主线程垃圾回收).

Python's cyclic collector runs in whichever thread happens to allocate when a threshold is
crossed. When that is a storage worker, it may finalise Qt wrappers whose C++ objects belong to
the GUI thread — deleting a widget from another thread crashes the process (seen in the UI
tests as a segmentation fault inside a worker's SQL compile, "Garbage-collecting"). So automatic
collection is switched off and a timer on the GUI thread collects instead, using the same
thresholds.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class MainThreadGarbageCollector(QObject):
    """Collects cycles from a GUI-thread timer; automatic collection stays off while it lives."""

    def __init__(self, parent: QObject, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()


def install(app: QObject) -> MainThreadGarbageCollector:
    """Install once per application; later calls return the one already installed."""
    existing = app.findChild(MainThreadGarbageCollector)
    if isinstance(existing, MainThreadGarbageCollector):
        return existing
    return MainThreadGarbageCollector(app)
