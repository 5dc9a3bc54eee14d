"""Blocking work off the UI thread (后台任务): one small QRunnable plus signals.

Services are synchronous; the UI decides what runs elsewhere. Storage work goes to its own pool
with one thread (one SQLite writer, never "database is locked"); the signals object lives on the
UI thread, so results arrive there through queued connections and slots may touch widgets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class JobSignals(QObject):
    """The outcome of one job, delivered on the thread that created it (the UI thread)."""

    succeeded = Signal(object)
    failed = Signal(Exception)


class Job(QRunnable):
    """One call of ``fn`` on a pool thread. Connect ``signals`` before starting it."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = JobSignals()
        self.setAutoDelete(False)  # the runner keeps it until its result has been delivered

    def run(self) -> None:  # pool thread: no widget access here
        try:
            result = self.fn()
        except Exception as error:  # delivered to the UI, which shows the Chinese message
            log.debug("job failed: %s", error)
            self.signals.failed.emit(error)
        else:
            self.signals.succeeded.emit(result)


class JobRunner(QObject):
    """Starts jobs on a pool and keeps them alive until their result has arrived.

    ``busy`` tells tests and the UI whether work is still out; ``wait_idle`` is for shutdown.
    """

    def __init__(self, *, max_threads: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._running: set[Job] = set()

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> Job:
        job = Job(fn)
        self._running.add(job)

        def finished(_: object = None) -> None:
            self._running.discard(job)

        if on_done is not None:
            job.signals.succeeded.connect(on_done)
        if on_error is not None:
            job.signals.failed.connect(on_error)
        job.signals.succeeded.connect(finished)
        job.signals.failed.connect(finished)
        self.pool.start(job)
        return job

    def wait_idle(self, msecs: int = 10_000) -> bool:
        return self.pool.waitForDone(msecs)
