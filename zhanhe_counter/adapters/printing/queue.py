"""The print queue (打印队列) in the station database: nothing lost, nothing printed twice.

- Every job is committed with its rendered bytes before anything is sent.
- ``request_id`` is UNIQUE: the same request (double click, retried call) returns the stored job.
- One worker thread per printer sends its jobs oldest first. While the printer is off, silent or
  out of paper, jobs stay QUEUED and the worker retries with a growing pause; the clerk sees the
  Chinese reason in :meth:`printer_status` and on the job.
- A job is marked SENDING (committed) before its bytes go out. If sending breaks midway, or the
  program dies while SENDING, the job becomes UNCERTAIN and is never resent on its own: the
  clerk looks at the printer and calls :meth:`resolve_uncertain`.
- Spooler jobs (CUPS, Windows) become SUBMITTED with the backend job id and are polled until
  the spooler reports them completed or failed.
- A reprint stores the original document's bytes stamped 补打 as a new job that points at the
  job it repeats; every attempt is a row in ``print_attempt``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
import uuid6

from zhanhe_counter.adapters.printing import reprint_stamp
from zhanhe_counter.adapters.printing.printers import base
from zhanhe_counter.adapters.storage.engine import reading, storage_errors
from zhanhe_counter.adapters.storage.print_tables import print_attempt, print_document, print_job
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.printing import (
    BackendJobState,
    Printer,
    PrinterStatus,
    PrinterUnavailable,
    PrintJobRecord,
    PrintJobRequest,
    PrintJobState,
    PrintOutcomeUnknown,
    RenderedDocument,
)

log = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS_S = (1.0, 2.0, 5.0, 10.0, 30.0)
DEFAULT_POLL_INTERVAL_S = 2.0
_CANCELABLE = {PrintJobState.QUEUED, PrintJobState.UNCERTAIN, PrintJobState.SUBMITTED}


class PrintQueueError(DomainError):
    """打印队列操作错误."""


class UnknownPrinter(PrintQueueError):
    """未配置的打印机."""


class UnknownPrintJob(PrintQueueError):
    """不存在的打印任务."""


class RequestIdConflict(PrintQueueError):
    """A request id reused for a different document: a bug, never a double click."""


def _record(row: Any, doc: Any) -> PrintJobRecord:
    return PrintJobRecord(
        job_id=row["job_id"],
        request_id=row["request_id"],
        case_id=row["case_id"],
        kind=row["kind"],
        printer=row["printer"],
        state=PrintJobState(row["state"]),
        attempts=row["attempts"],
        is_reprint=row["reprint_of"] is not None,
        reprint_of=row["reprint_of"],
        template_id=doc["template_id"],
        template_version=doc["template_version"],
        sha256=doc["sha256"],
        copies=row["copies"],
        requested_by=row["requested_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        printed_at=row["printed_at"],
        backend_job_id=row["backend_job_id"],
        last_error_zh=row["last_error_zh"],
    )


_JOB_WITH_DOC = sa.select(
    print_job,
    print_document.c.template_id,
    print_document.c.template_version,
    print_document.c.sha256,
).join(print_document, print_document.c.document_id == print_job.c.document_id)


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
        self.engine = engine
        self.printers = dict(printers)
        self.clock = clock
        self.retry_delays_s = tuple(retry_delays_s) or (1.0,)
        self.poll_interval_s = poll_interval_s
        self._wakeups = {name: threading.Event() for name in self.printers}
        self._status: dict[str, PrinterStatus] = {
            name: base.unknown(name) for name in self.printers
        }
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Recover from a crash, then start one worker per printer."""
        now = self.clock.now()
        with storage_errors(), self.engine.begin() as conn:
            # Killed while sending: the bytes may have printed. Ask the clerk, never resend.
            conn.execute(
                print_job.update()
                .where(print_job.c.state == PrintJobState.SENDING.value)
                .values(
                    state=PrintJobState.UNCERTAIN.value,
                    last_error_zh="程序在发送时中断，请查看是否已打印。",
                    updated_at=now,
                )
            )
        self._stopping.clear()
        for name in self.printers:
            thread = threading.Thread(
                target=self._run_worker, args=(name,), name=f"print-{name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Let each worker finish the job in hand, then stop."""
        self._stopping.set()
        for event in self._wakeups.values():
            event.set()
        for thread in self._threads:
            thread.join(timeout_s)
        self._threads.clear()

    def wake(self, printer: str | None = None) -> None:
        """Try again now (the clerk loaded paper or switched the printer on)."""
        for name, event in self._wakeups.items():
            if printer is None or name == printer:
                event.set()

    # ------------------------------------------------------------------ requests

    def enqueue(self, request: PrintJobRequest) -> PrintJobRecord:
        if request.printer not in self.printers:
            raise UnknownPrinter(
                f"printer {request.printer!r} not configured",
                f"未配置打印机“{request.printer}”，请检查打印机设置。",
            )
        doc = request.document
        now = self.clock.now()
        with storage_errors(), self.engine.begin() as conn:
            existing = self._by_request(conn, request.request_id)
            if existing is not None:
                if existing.case_id != request.case_id or existing.sha256 != doc.sha256:
                    raise RequestIdConflict(
                        f"request {request.request_id} reused for another document",
                        "打印请求编号重复，请重新操作。",
                    )
                log.info("print request %s already queued", request.request_id)
                return existing
            document_id = uuid6.uuid7()
            conn.execute(
                print_document.insert().values(
                    document_id=document_id,
                    case_id=request.case_id,
                    kind=request.kind,
                    mime=doc.mime,
                    template_id=doc.template_id,
                    template_version=doc.template_version,
                    sha256=doc.sha256,
                    page_count=doc.page_count,
                    content=doc.content,
                    created_at=now,
                )
            )
            job_id = self._insert_job(
                conn, request, document_id=document_id, payload=None, reprint_of=None, now=now
            )
            record = self._get(conn, job_id)
        self.wake(request.printer)
        return record

    def reprint(
        self, job_id: UUID, *, request_id: UUID, requested_by: str, printer: str | None = None
    ) -> PrintJobRecord:
        with storage_errors(), reading(self.engine) as conn:
            existing = self._by_request(conn, request_id)
            if existing is not None:
                return existing
            original = self._get(conn, job_id)
            doc_row = (
                conn.execute(
                    sa.select(print_document)
                    .join(print_job, print_job.c.document_id == print_document.c.document_id)
                    .where(print_job.c.job_id == job_id)
                )
                .mappings()
                .one()
            )
        target = printer or original.printer
        if target not in self.printers:
            raise UnknownPrinter(
                f"printer {target!r} not configured", f"未配置打印机“{target}”，请检查打印机设置。"
            )
        # Stamped from the document's own bytes, so a reprint of a reprint is stamped once.
        payload = reprint_stamp.stamp_document(doc_row["content"], doc_row["mime"])
        request = PrintJobRequest(
            request_id=request_id,
            case_id=original.case_id,
            kind=original.kind,
            printer=target,
            document=_document_of(doc_row),
            requested_by=requested_by,
            copies=1,
        )
        now = self.clock.now()
        with storage_errors(), self.engine.begin() as conn:
            existing = self._by_request(conn, request_id)
            if existing is not None:  # the other click won the race
                return existing
            new_id = self._insert_job(
                conn,
                request,
                document_id=doc_row["document_id"],
                payload=payload,
                reprint_of=job_id,
                now=now,
            )
            record = self._get(conn, new_id)
        self.wake(target)
        return record

    def job(self, job_id: UUID) -> PrintJobRecord:
        with storage_errors(), reading(self.engine) as conn:
            return self._get(conn, job_id)

    def history_for_case(self, case_id: UUID) -> list[PrintJobRecord]:
        with storage_errors(), reading(self.engine) as conn:
            rows = conn.execute(
                _JOB_WITH_DOC.where(print_job.c.case_id == case_id).order_by(
                    print_job.c.created_at, print_job.c.job_id
                )
            ).mappings()
            return [_record(row, row) for row in rows]

    def attempts(self, job_id: UUID) -> list[dict[str, Any]]:
        """Every attempt at ``job_id``: number, outcome, Chinese error, times."""
        with storage_errors(), reading(self.engine) as conn:
            rows = conn.execute(
                sa.select(print_attempt)
                .where(print_attempt.c.job_id == job_id)
                .order_by(print_attempt.c.attempt_no)
            ).mappings()
            return [dict(row) for row in rows]

    def pending_jobs(self, printer: str | None = None) -> list[PrintJobRecord]:
        """Jobs not yet printed, failed or canceled (what the clerk still waits for)."""
        done = (PrintJobState.PRINTED.value, PrintJobState.FAILED.value)
        query = _JOB_WITH_DOC.where(print_job.c.state.not_in((*done, PrintJobState.CANCELED.value)))
        if printer is not None:
            query = query.where(print_job.c.printer == printer)
        with storage_errors(), reading(self.engine) as conn:
            rows = conn.execute(query.order_by(print_job.c.created_at)).mappings()
            return [_record(row, row) for row in rows]

    def printer_status(self, printer: str) -> PrinterStatus:
        if printer not in self._status:
            raise UnknownPrinter(
                f"printer {printer!r} not configured", f"未配置打印机“{printer}”。"
            )
        return self._status[printer]

    def resolve_uncertain(self, job_id: UUID, *, printed: bool) -> PrintJobRecord:
        now = self.clock.now()
        with storage_errors(), self.engine.begin() as conn:
            job = self._get(conn, job_id)
            if job.state is not PrintJobState.UNCERTAIN:
                raise PrintQueueError(
                    f"job {job_id} is {job.state}, not uncertain",
                    "该打印任务不是“结果不明”状态，无需确认。",
                )
            values: dict[str, Any] = {"updated_at": now}
            if printed:
                values |= {"state": PrintJobState.PRINTED.value, "printed_at": now}
            else:
                values |= {"state": PrintJobState.QUEUED.value}
            conn.execute(print_job.update().where(print_job.c.job_id == job_id).values(**values))
            record = self._get(conn, job_id)
        self.wake(record.printer)
        return record

    def cancel(self, job_id: UUID) -> PrintJobRecord:
        now = self.clock.now()
        with storage_errors(), self.engine.begin() as conn:
            job = self._get(conn, job_id)
            if job.state not in _CANCELABLE:
                raise PrintQueueError(
                    f"job {job_id} is {job.state}", "该打印任务已打印或正在发送，不能取消。"
                )
            conn.execute(
                print_job.update()
                .where(print_job.c.job_id == job_id)
                .values(state=PrintJobState.CANCELED.value, updated_at=now)
            )
        if job.state is PrintJobState.SUBMITTED and job.backend_job_id:
            try:
                self.printers[job.printer].cancel(job.backend_job_id)
            except Exception as error:  # the spooler may have finished it meanwhile
                log.warning("cancel of backend job %s failed: %s", job.backend_job_id, error)
        return self.job(job_id)

    # ------------------------------------------------------------------ storage helpers

    def _insert_job(
        self,
        conn: sa.Connection,
        request: PrintJobRequest,
        *,
        document_id: UUID,
        payload: bytes | None,
        reprint_of: UUID | None,
        now: Any,
    ) -> UUID:
        job_id = uuid6.uuid7()
        conn.execute(
            print_job.insert().values(
                job_id=job_id,
                request_id=request.request_id,
                document_id=document_id,
                case_id=request.case_id,
                kind=request.kind,
                printer=request.printer,
                state=PrintJobState.QUEUED.value,
                copies=max(1, request.copies),
                reprint_of=reprint_of,
                payload=payload,
                attempts=0,
                requested_by=request.requested_by,
                created_at=now,
                updated_at=now,
            )
        )
        return job_id

    @staticmethod
    def _by_request(conn: sa.Connection, request_id: UUID) -> PrintJobRecord | None:
        row = (
            conn.execute(_JOB_WITH_DOC.where(print_job.c.request_id == request_id))
            .mappings()
            .one_or_none()
        )
        return None if row is None else _record(row, row)

    @staticmethod
    def _get(conn: sa.Connection, job_id: UUID) -> PrintJobRecord:
        row = (
            conn.execute(_JOB_WITH_DOC.where(print_job.c.job_id == job_id)).mappings().one_or_none()
        )
        if row is None:
            raise UnknownPrintJob(f"no print job {job_id}", "找不到该打印任务。")
        return _record(row, row)

    def _finish_attempt(
        self,
        job: Mapping[str, Any],
        *,
        state: PrintJobState,
        outcome: str,
        started_at: Any,
        error_zh: str | None = None,
        backend_job_id: str | None = None,
    ) -> None:
        now = self.clock.now()
        values: dict[str, Any] = {"state": state.value, "updated_at": now}
        values["last_error_zh"] = error_zh
        if backend_job_id is not None:
            values["backend_job_id"] = backend_job_id
        if state is PrintJobState.PRINTED:
            values["printed_at"] = now
        with storage_errors(), self.engine.begin() as conn:
            conn.execute(
                print_job.update().where(print_job.c.job_id == job["job_id"]).values(**values)
            )
            conn.execute(
                print_attempt.insert().values(
                    job_id=job["job_id"],
                    attempt_no=job["attempts"] + 1,
                    outcome=outcome,
                    error_zh=error_zh,
                    backend_job_id=backend_job_id,
                    started_at=started_at,
                    finished_at=now,
                )
            )

    # ------------------------------------------------------------------ workers

    def _run_worker(self, name: str) -> None:
        failures = 0
        retry_at = 0.0
        wakeup = self._wakeups[name]
        while not self._stopping.is_set():
            try:
                spooler_busy = self._poll_submitted(name)
                outcome = self._send_next(name) if time.monotonic() >= retry_at else "waiting"
            except Exception:  # a database hiccup must not kill the worker
                log.exception("print worker %s: unexpected error", name)
                spooler_busy, outcome = False, "unavailable"
            if outcome == "sent":
                failures, retry_at = 0, 0.0
                continue  # more jobs may be waiting
            if outcome == "unavailable":
                delay = self.retry_delays_s[min(failures, len(self.retry_delays_s) - 1)]
                failures += 1
                retry_at = time.monotonic() + delay
            if outcome in ("unavailable", "waiting"):
                timeout = max(retry_at - time.monotonic(), 0.01)
                if spooler_busy:
                    timeout = min(timeout, self.poll_interval_s)
            else:  # idle: only spooler jobs to follow, or nothing until the next wake
                timeout = self.poll_interval_s if spooler_busy else 30.0
            if wakeup.wait(timeout):
                wakeup.clear()
                retry_at = 0.0  # a wake means: try now

    def _send_next(self, name: str) -> str:
        """Send the oldest queued job: 'sent', 'unavailable', or 'idle' when none waits."""
        printer = self.printers[name]
        started_at = self.clock.now()
        with storage_errors(), self.engine.begin() as conn:
            row = (
                conn.execute(
                    sa.select(print_job, print_document.c.mime, print_document.c.content)
                    .join(print_document, print_document.c.document_id == print_job.c.document_id)
                    .where(
                        print_job.c.printer == name,
                        print_job.c.state == PrintJobState.QUEUED.value,
                    )
                    .order_by(print_job.c.created_at, print_job.c.job_id)
                    .limit(1)
                )
                .mappings()
                .one_or_none()
            )
            if row is None:
                return "idle"
            job = dict(row)
            conn.execute(
                print_job.update()
                .where(print_job.c.job_id == job["job_id"])
                .values(
                    state=PrintJobState.SENDING.value,
                    attempts=job["attempts"] + 1,
                    updated_at=started_at,
                )
            )
        content = job["payload"] if job["payload"] is not None else job["content"]
        document = RenderedDocument.of(content, job["mime"], "", 0, 1)
        title = f"{job['kind']}-{str(job['job_id'])[-8:]}"
        try:
            backend_id = printer.submit(document, title=title, copies=job["copies"])
        except PrinterUnavailable as error:
            self._status[name] = error.status
            log.info("printer %s unavailable: %s", name, error)
            self._finish_attempt(
                job,
                state=PrintJobState.QUEUED,
                outcome="unavailable",
                started_at=started_at,
                error_zh=error.user_message,
            )
            return "unavailable"
        except PrintOutcomeUnknown as error:
            log.warning("printer %s: outcome unknown: %s", name, error)
            self._finish_attempt(
                job,
                state=PrintJobState.UNCERTAIN,
                outcome="uncertain",
                started_at=started_at,
                error_zh=error.user_message,
            )
            return "sent"
        except DomainError as error:  # rejected for good: wrong paper, unsupported text…
            log.warning("printer %s rejected job %s: %s", name, job["job_id"], error)
            self._finish_attempt(
                job,
                state=PrintJobState.FAILED,
                outcome="rejected",
                started_at=started_at,
                error_zh=error.user_message,
            )
            return "sent"
        except Exception:
            log.exception("printer %s: unexpected error while sending", name)
            self._finish_attempt(
                job,
                state=PrintJobState.UNCERTAIN,
                outcome="uncertain",
                started_at=started_at,
                error_zh="打印时发生意外错误，请查看是否已打印。",
            )
            return "sent"
        self._status[name] = base.ready()
        state = printer.job_state(backend_id)
        if state is BackendJobState.COMPLETED:
            self._finish_attempt(
                job,
                state=PrintJobState.PRINTED,
                outcome="printed",
                started_at=started_at,
                backend_job_id=backend_id,
            )
        else:
            self._finish_attempt(
                job,
                state=PrintJobState.SUBMITTED,
                outcome="submitted",
                started_at=started_at,
                backend_job_id=backend_id,
            )
        return "sent"

    def _poll_submitted(self, name: str) -> bool:
        """Follow spooler jobs; True while some are still pending."""
        with storage_errors(), reading(self.engine) as conn:
            rows = [
                dict(r)
                for r in conn.execute(
                    sa.select(print_job.c.job_id, print_job.c.backend_job_id).where(
                        print_job.c.printer == name,
                        print_job.c.state == PrintJobState.SUBMITTED.value,
                    )
                ).mappings()
            ]
        pending = False
        for row in rows:
            state = self.printers[name].job_state(row["backend_job_id"] or "")
            if state is BackendJobState.COMPLETED:
                new_state, error = PrintJobState.PRINTED, None
            elif state is BackendJobState.FAILED:
                new_state, error = (
                    PrintJobState.FAILED,
                    "打印服务取消了该任务，请检查打印机后补打。",
                )
            else:
                pending = True
                continue
            now = self.clock.now()
            values: dict[str, Any] = {
                "state": new_state.value,
                "updated_at": now,
                "last_error_zh": error,
            }
            if new_state is PrintJobState.PRINTED:
                values["printed_at"] = now
            with storage_errors(), self.engine.begin() as conn:
                conn.execute(
                    print_job.update()
                    .where(
                        print_job.c.job_id == row["job_id"],
                        print_job.c.state == PrintJobState.SUBMITTED.value,
                    )
                    .values(**values)
                )
        return pending


def _document_of(doc_row: Any) -> RenderedDocument:
    return RenderedDocument(
        content=doc_row["content"],
        mime=doc_row["mime"],
        template_id=doc_row["template_id"],
        template_version=doc_row["template_version"],
        sha256=doc_row["sha256"],
        page_count=doc_row["page_count"],
    )
