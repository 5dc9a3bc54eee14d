"""The thread that sends one printer's jobs (打印线程), oldest first, from the job store.

While the printer is off, silent or out of paper, jobs stay QUEUED and the worker retries with a
growing pause; the clerk sees the Chinese reason in :attr:`PrinterWorker.status` and on the job.
If sending breaks midway the job becomes UNCERTAIN and is never resent on its own: the clerk
looks at the printer and resolves it. Spooler jobs (CUPS, Windows) become SUBMITTED with the
backend job id and are polled until the spooler reports them completed or failed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from zhanhe_counter.adapters.printing.job_store import PrintJobStore
from zhanhe_counter.adapters.printing.printers import base
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.printing import (
    BackendJobState,
    Printer,
    PrinterStatus,
    PrinterUnavailable,
    PrintJobState,
    PrintOutcomeUnknown,
    RenderedDocument,
)

log = logging.getLogger(__name__)

#: How long the worker sleeps with nothing queued and no spooler job to follow; a wake ends it.
_IDLE_S = 30.0


class PrinterWorker:
    """Sends the jobs of one printer on its own thread (打印线程)."""

    def __init__(
        self,
        name: str,
        printer: Printer,
        store: PrintJobStore,
        clock: Clock,
        *,
        retry_delays_s: Sequence[float],
        poll_interval_s: float,
    ) -> None:
        self.name = name
        self.printer = printer
        self.status: PrinterStatus = base.unknown(name)
        self._store = store
        self._clock = clock
        self._retry_delays_s = tuple(retry_delays_s) or (1.0,)
        self._poll_interval_s = poll_interval_s
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"print-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to stop after the job in hand (``join`` waits for it)."""
        self._stopping.set()
        self._wakeup.set()

    def join(self, timeout_s: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def wake(self) -> None:
        """Try again now (the clerk loaded paper or switched the printer on)."""
        self._wakeup.set()

    def _run(self) -> None:
        failures = 0
        retry_at = 0.0
        while not self._stopping.is_set():
            try:
                spooler_busy = self._poll_submitted()
                outcome = self._send_next() if time.monotonic() >= retry_at else "waiting"
            except Exception:  # a database hiccup must not kill the worker
                log.exception("print worker %s: unexpected error", self.name)
                spooler_busy, outcome = False, "unavailable"
            if outcome == "sent":
                failures, retry_at = 0, 0.0
                continue  # more jobs may be waiting
            if outcome == "unavailable":
                delay = self._retry_delays_s[min(failures, len(self._retry_delays_s) - 1)]
                failures += 1
                retry_at = time.monotonic() + delay
            if outcome in ("unavailable", "waiting"):
                timeout = max(retry_at - time.monotonic(), 0.01)
                if spooler_busy:
                    timeout = min(timeout, self._poll_interval_s)
            else:  # idle: only spooler jobs to follow, or nothing until the next wake
                timeout = self._poll_interval_s if spooler_busy else _IDLE_S
            if self._wakeup.wait(timeout):
                self._wakeup.clear()
                retry_at = 0.0  # a wake means: try now

    def _send_next(self) -> str:
        """Send the oldest queued job: 'sent', 'unavailable', or 'idle' when none waits."""
        started_at = self._clock.now()
        job = self._store.claim_next(self.name, started_at)
        if job is None:
            return "idle"
        content = job["payload"] if job["payload"] is not None else job["content"]
        document = RenderedDocument.of(content, job["mime"], "", 0, 1)
        title = f"{job['kind']}-{str(job['job_id'])[-8:]}"

        def finish(state: PrintJobState, outcome: str, **details: str | None) -> None:
            self._store.finish_attempt(
                job, state=state, outcome=outcome, started_at=started_at, **details
            )

        try:
            backend_id = self.printer.submit(document, title=title, copies=job["copies"])
        except PrinterUnavailable as error:
            self.status = error.status
            log.info("printer %s unavailable: %s", self.name, error)
            finish(PrintJobState.QUEUED, "unavailable", error_zh=error.user_message)
            return "unavailable"
        except PrintOutcomeUnknown as error:
            log.warning("printer %s: outcome unknown: %s", self.name, error)
            finish(PrintJobState.UNCERTAIN, "uncertain", error_zh=error.user_message)
            return "sent"
        except DomainError as error:  # rejected for good: wrong paper, unsupported text…
            log.warning("printer %s rejected job %s: %s", self.name, job["job_id"], error)
            finish(PrintJobState.FAILED, "rejected", error_zh=error.user_message)
            return "sent"
        except Exception:
            log.exception("printer %s: unexpected error while sending", self.name)
            finish(
                PrintJobState.UNCERTAIN,
                "uncertain",
                error_zh="打印时发生意外错误，请查看是否已打印。",
            )
            return "sent"
        self.status = base.ready()
        if self.printer.job_state(backend_id) is BackendJobState.COMPLETED:
            finish(PrintJobState.PRINTED, "printed", backend_job_id=backend_id)
        else:
            finish(PrintJobState.SUBMITTED, "submitted", backend_job_id=backend_id)
        return "sent"

    def _poll_submitted(self) -> bool:
        """Follow spooler jobs; True while some are still pending."""
        pending = False
        for job_id, backend_id in self._store.submitted(self.name):
            state = self.printer.job_state(backend_id)
            if state is BackendJobState.COMPLETED:
                self._store.settle_submitted(job_id, PrintJobState.PRINTED, None)
            elif state is BackendJobState.FAILED:
                self._store.settle_submitted(
                    job_id, PrintJobState.FAILED, "打印服务取消了该任务，请检查打印机后补打。"
                )
            else:
                pending = True
        return pending
