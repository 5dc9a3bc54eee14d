"""The print jobs in the station database (打印任务库): every job, its document and its attempts.

- Every job is committed with its rendered bytes before anything is sent.
- ``request_id`` is UNIQUE: the same request (double click, retried call) returns the stored job.
- A job is marked SENDING (committed) before its bytes go out; a job still SENDING when the
  program starts again becomes UNCERTAIN (:meth:`PrintJobStore.recover_interrupted`) and is
  never resent on its own.
- A reprint stores the original document's bytes stamped 补打 as a new job that points at the
  job it repeats; every attempt is a row in ``print_attempt``.

The threads that send the jobs are ``print_worker``'s; this module only reads and writes rows.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
import uuid6

from zhanhe_counter.adapters.printing import reprint_stamp
from zhanhe_counter.adapters.storage.engine import reading, storage_errors
from zhanhe_counter.adapters.storage.print_tables import print_attempt, print_document, print_job
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.printing import (
    PrintJobRecord,
    PrintJobRequest,
    PrintJobState,
    RenderedDocument,
)

log = logging.getLogger(__name__)

_CANCELABLE = {PrintJobState.QUEUED, PrintJobState.UNCERTAIN, PrintJobState.SUBMITTED}


class PrintQueueError(DomainError):
    """打印队列操作错误."""


class UnknownPrinter(PrintQueueError):
    """未配置的打印机."""


class UnknownPrintJob(PrintQueueError):
    """不存在的打印任务."""


class RequestIdConflict(PrintQueueError):
    """A request id reused for a different document: a bug, never a double click."""


def _record(row: Any) -> PrintJobRecord:
    """A job row joined with its document's template and hash (``_JOB_WITH_DOC``)."""
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
        template_id=row["template_id"],
        template_version=row["template_version"],
        sha256=row["sha256"],
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


class PrintJobStore:
    """Print jobs, documents and attempts in SQLite (打印任务库)."""

    def __init__(self, engine: sa.Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def recover_interrupted(self) -> None:
        """Jobs left SENDING by a killed program become UNCERTAIN: they may have printed."""
        now = self.clock.now()
        with storage_errors(), self.engine.begin() as conn:
            conn.execute(
                print_job.update()
                .where(print_job.c.state == PrintJobState.SENDING.value)
                .values(
                    state=PrintJobState.UNCERTAIN.value,
                    last_error_zh="程序在发送时中断，请查看是否已打印。",
                    updated_at=now,
                )
            )

    # ------------------------------------------------------------------ requests

    def add(self, request: PrintJobRequest) -> PrintJobRecord:
        """Store the job and its document; the stored job if ``request_id`` is known."""
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
            return self._get(conn, job_id)

    def by_request(self, request_id: UUID) -> PrintJobRecord | None:
        with storage_errors(), reading(self.engine) as conn:
            return self._by_request(conn, request_id)

    def add_reprint(
        self, job_id: UUID, *, request_id: UUID, requested_by: str, printer: str
    ) -> PrintJobRecord:
        """A new job for ``printer`` with ``job_id``'s document stamped 补打."""
        with storage_errors(), reading(self.engine) as conn:
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
        # Stamped from the document's own bytes, so a reprint of a reprint is stamped once.
        payload = reprint_stamp.stamp_document(doc_row["content"], doc_row["mime"])
        request = PrintJobRequest(
            request_id=request_id,
            case_id=original.case_id,
            kind=original.kind,
            printer=printer,
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
            return self._get(conn, new_id)

    def job(self, job_id: UUID) -> PrintJobRecord:
        with storage_errors(), reading(self.engine) as conn:
            return self._get(conn, job_id)

    def documents_for_case(self, case_id: UUID) -> list[tuple[str, str, bytes]]:
        """(kind, mime, bytes) of every document the case queued, as stored, oldest first."""
        with storage_errors(), reading(self.engine) as conn:
            rows = conn.execute(
                sa.select(print_document.c.kind, print_document.c.mime, print_document.c.content)
                .where(print_document.c.case_id == case_id)
                .order_by(print_document.c.created_at, print_document.c.document_id)
            )
            return [(row.kind, row.mime, bytes(row.content)) for row in rows]

    def history_for_case(self, case_id: UUID) -> list[PrintJobRecord]:
        with storage_errors(), reading(self.engine) as conn:
            rows = conn.execute(
                _JOB_WITH_DOC.where(print_job.c.case_id == case_id).order_by(
                    print_job.c.created_at, print_job.c.job_id
                )
            ).mappings()
            return [_record(row) for row in rows]

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
            return [_record(row) for row in rows]

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
            return self._get(conn, job_id)

    def cancel(self, job_id: UUID) -> PrintJobRecord:
        """Mark the job CANCELED; returns it as it was before (a spooler job is canceled there
        by the caller)."""
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
        return job

    # ------------------------------------------------------------------ what a worker does

    def claim_next(self, printer: str, started_at: datetime) -> dict[str, Any] | None:
        """The oldest QUEUED job of ``printer``, now SENDING (committed), with its bytes."""
        with storage_errors(), self.engine.begin() as conn:
            row = (
                conn.execute(
                    sa.select(print_job, print_document.c.mime, print_document.c.content)
                    .join(print_document, print_document.c.document_id == print_job.c.document_id)
                    .where(
                        print_job.c.printer == printer,
                        print_job.c.state == PrintJobState.QUEUED.value,
                    )
                    .order_by(print_job.c.created_at, print_job.c.job_id)
                    .limit(1)
                )
                .mappings()
                .one_or_none()
            )
            if row is None:
                return None
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
        return job

    def finish_attempt(
        self,
        job: Mapping[str, Any],
        *,
        state: PrintJobState,
        outcome: str,
        started_at: datetime,
        error_zh: str | None = None,
        backend_job_id: str | None = None,
    ) -> None:
        """Record how one attempt ended and move the job to ``state``, in one transaction."""
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

    def submitted(self, printer: str) -> list[tuple[UUID, str]]:
        """(job id, spooler job id) of ``printer``'s jobs the spooler still has."""
        with storage_errors(), reading(self.engine) as conn:
            return [
                (row.job_id, row.backend_job_id or "")
                for row in conn.execute(
                    sa.select(print_job.c.job_id, print_job.c.backend_job_id).where(
                        print_job.c.printer == printer,
                        print_job.c.state == PrintJobState.SUBMITTED.value,
                    )
                )
            ]

    def settle_submitted(self, job_id: UUID, state: PrintJobState, error_zh: str | None) -> None:
        """The spooler finished a SUBMITTED job: PRINTED or FAILED (unless canceled meanwhile)."""
        now = self.clock.now()
        values: dict[str, Any] = {
            "state": state.value,
            "updated_at": now,
            "last_error_zh": error_zh,
        }
        if state is PrintJobState.PRINTED:
            values["printed_at"] = now
        with storage_errors(), self.engine.begin() as conn:
            conn.execute(
                print_job.update()
                .where(
                    print_job.c.job_id == job_id,
                    print_job.c.state == PrintJobState.SUBMITTED.value,
                )
                .values(**values)
            )

    # ------------------------------------------------------------------ helpers

    def _insert_job(
        self,
        conn: sa.Connection,
        request: PrintJobRequest,
        *,
        document_id: UUID,
        payload: bytes | None,
        reprint_of: UUID | None,
        now: datetime,
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
        return None if row is None else _record(row)

    @staticmethod
    def _get(conn: sa.Connection, job_id: UUID) -> PrintJobRecord:
        row = (
            conn.execute(_JOB_WITH_DOC.where(print_job.c.job_id == job_id)).mappings().one_or_none()
        )
        if row is None:
            raise UnknownPrintJob(f"no print job {job_id}", "找不到该打印任务。")
        return _record(row)


def _document_of(doc_row: Any) -> RenderedDocument:
    return RenderedDocument(
        content=doc_row["content"],
        mime=doc_row["mime"],
        template_id=doc_row["template_id"],
        template_version=doc_row["template_version"],
        sha256=doc_row["sha256"],
        page_count=doc_row["page_count"],
    )
