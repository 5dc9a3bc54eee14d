"""The UI's storage runner (后台存储任务): database work off the GUI thread, one policy for all.

Services are synchronous; the UI decides what runs elsewhere. Every page of the main window gets
the window's one :class:`StorageRunner`, in the manner of Anki's task manager: one pool with one
thread (SQLite has one writer, so the counter never competes with itself for the file), and one
retry policy (:data:`~zhanhe_counter.services.storage_retry.LOCK_RETRY`) when the sync worker or a
print worker holds the file too long. A retry waits on a GUI-thread timer, not in the storage
thread, so other work goes on meanwhile. Results and errors arrive on the GUI thread (the
signals object lives there, so the connections are queued), where slots may touch widgets.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QEventLoop,
    QObject,
    QRunnable,
    QThreadPool,
    QTimer,
    Signal,
)
from shiboken6 import isValid

from zhanhe_counter.services.storage_retry import LOCK_RETRY, LockRetry

log = logging.getLogger(__name__)


class JobSignals(QObject):
    """The outcome of one attempt, delivered on the thread that created it (the UI thread)."""

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


@dataclass(eq=False)
class _Task:
    """One submitted piece of work across its attempts."""

    fn: Callable[[], Any]
    on_done: Callable[[Any], None] | None
    on_error: Callable[[Exception], None] | None
    failures: int = 0
    job: Job | None = field(default=None, repr=False)


class StorageRunner(QObject):
    """Runs database work on one storage thread, retrying a busy database, results on the UI.

    ``busy`` tells tests and the UI whether work is still out (a retry waiting on its timer
    counts); ``wait_idle`` is for shutdown.
    """

    def __init__(self, *, retry: LockRetry = LOCK_RETRY, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.retry = retry
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._pending: set[_Task] = set()

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run ``fn`` on the storage thread; ``on_done``/``on_error`` run on the UI thread."""
        task = _Task(fn, on_done, on_error)
        self._pending.add(task)
        self._start(task)

    def _start(self, task: _Task) -> None:
        job = Job(task.fn)
        task.job = job
        job.signals.succeeded.connect(lambda result: self._succeeded(task, result))
        job.signals.failed.connect(lambda error: self._failed(task, error))
        self.pool.start(job)

    def _succeeded(self, task: _Task, result: object) -> None:
        self._pending.discard(task)
        if task.on_done is not None and _alive(task.on_done):
            task.on_done(result)

    def _failed(self, task: _Task, error: Exception) -> None:
        task.failures += 1
        wait = self.retry.delay(task.failures, error)
        if wait is not None:
            log.info("station database busy; attempt %d in %.1f s", task.failures + 1, wait)
            QTimer.singleShot(int(wait * 1000), self, lambda: self._start(task))
            return
        self._pending.discard(task)
        if task.on_error is not None:
            if _alive(task.on_error):
                task.on_error(error)
        else:
            log.warning("storage job failed: %r", error)

    def wait_idle(self, msecs: int = 10_000) -> bool:
        """Deliver every outstanding result (and retry) within ``msecs``; False if still busy."""
        deadline = time.monotonic() + msecs / 1000
        while self._pending:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.pool.waitForDone(int(min(left, 0.05) * 1000))
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        return True


def _alive(callback: Callable[..., None]) -> bool:
    """False for a method of a widget Qt has already deleted (its page closed meanwhile).

    The runner outlives single pages, so a result may arrive after the page that asked for it
    is gone; it is dropped then, as it was when each page had its own pool.
    """
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or isValid(owner)
