"""The print queue (打印队列): nothing lost, nothing printed twice.

The ``PrintQueue`` port over two parts: the jobs in the station database (``job_store``: every
job committed with its bytes before anything is sent, request ids unique, reprints stamped
补打) and one sending thread per configured printer (``print_worker``). A job still SENDING
when the queue starts again was interrupted mid-send: it becomes UNCERTAIN, never resent on its
own, and the clerk calls :meth:`SqlitePrintQueue.resolve_uncertain`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from zhanhe_counter.adapters.printing.job_store import (
    PrintJobStore,
    PrintQueueError,
    RequestIdConflict,
    UnknownPrinter,
    UnknownPrintJob,
)
from zhanhe_counter.adapters.printing.print_worker import PrinterWorker
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.printing import (
    Printer,
    PrinterStatus,
    PrintJobRecord,
    PrintJobRequest,
    PrintJobState,
)

__all__ = [
    "PrintQueueError",
    "RequestIdConflict",
    "SqlitePrintQueue",
    "UnknownPrintJob",
    "UnknownPrinter",
]

log = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS_S = (1.0, 2.0, 5.0, 10.0, 30.0)
DEFAULT_POLL_INTERVAL_S = 2.0


class SqlitePrintQueue:
    """打印队列 (SQLite), implementing ``services.ports.printing.PrintQueue``."""

    def __init__(
        self,
        engine: sa.Engine,
        printers: Mapping[str, Printer],
        clock: Clock,
        *,
        retry_delays_s: Sequence[float] = DEFAULT_RETRY_DELAYS_S,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
    ) -> None:
        self.printers = dict(printers)
        self._store = PrintJobStore(engine, clock)
        self._workers = {
            name: PrinterWorker(
                name,
                printer,
                self._store,
                clock,
                retry_delays_s=retry_delays_s,
                poll_interval_s=poll_interval_s,
            )
            for name, printer in self.printers.items()
        }

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Recover from a crash, then start one worker per printer."""
        self._store.recover_interrupted()
        for worker in self._workers.values():
            worker.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Let each worker finish the job in hand, then stop."""
        for worker in self._workers.values():
            worker.stop()
        for worker in self._workers.values():
            worker.join(timeout_s)

    def wake(self, printer: str | None = None) -> None:
        """Try again now (the clerk loaded paper or switched the printer on)."""
        for name, worker in self._workers.items():
            if printer is None or name == printer:
                worker.wake()

    # ------------------------------------------------------------------ requests

    def enqueue(self, request: PrintJobRequest) -> PrintJobRecord:
        self._configured(request.printer)
        record = self._store.add(request)
        self.wake(request.printer)
        return record

    def reprint(
        self, job_id: UUID, *, request_id: UUID, requested_by: str, printer: str | None = None
    ) -> PrintJobRecord:
        existing = self._store.by_request(request_id)
        if existing is not None:
            return existing
        target = printer or self._store.job(job_id).printer
        self._configured(target)
        record = self._store.add_reprint(
            job_id, request_id=request_id, requested_by=requested_by, printer=target
        )
        self.wake(target)
        return record

    def job(self, job_id: UUID) -> PrintJobRecord:
        return self._store.job(job_id)

    def history_for_case(self, case_id: UUID) -> list[PrintJobRecord]:
        return self._store.history_for_case(case_id)

    def attempts(self, job_id: UUID) -> list[dict[str, Any]]:
        """Every attempt at ``job_id``: number, outcome, Chinese error, times."""
        return self._store.attempts(job_id)

    def pending_jobs(self, printer: str | None = None) -> list[PrintJobRecord]:
        """Jobs not yet printed, failed or canceled (what the clerk still waits for)."""
        return self._store.pending_jobs(printer)

    def printer_status(self, printer: str) -> PrinterStatus:
        worker = self._workers.get(printer)
        if worker is None:
            raise UnknownPrinter(
                f"printer {printer!r} not configured",
                f"未配置打印机“{printer}”，请检查打印机设置。",
            )
        return worker.status

    def resolve_uncertain(self, job_id: UUID, *, printed: bool) -> PrintJobRecord:
        record = self._store.resolve_uncertain(job_id, printed=printed)
        self.wake(record.printer)
        return record

    def cancel(self, job_id: UUID) -> PrintJobRecord:
        job = self._store.cancel(job_id)
        if job.state is PrintJobState.SUBMITTED and job.backend_job_id:
            try:
                self.printers[job.printer].cancel(job.backend_job_id)
            except Exception as error:  # the spooler may have finished it meanwhile
                log.warning("cancel of backend job %s failed: %s", job.backend_job_id, error)
        return self._store.job(job_id)

    def _configured(self, printer: str) -> None:
        if printer not in self.printers:
            raise UnknownPrinter(
                f"printer {printer!r} not configured",
                f"未配置打印机“{printer}”，请检查打印机设置。",
            )
