"""Printing a case's documents (打印文书): queue after commit, reprint with 补打, history.

The case is committed before anything is queued: a printed 受理编号 must belong to a stored case.
Each clerk action carries a request id made when the action started; the per-document request
ids are derived from it, so a double click or a retried call queues each document once.

Every print and reprint is an audit event of the case (``document_printed``,
``document_reprinted``), appended before the job is queued: no record, no paper. Its id is derived
from the document's request id, so a retried action is recorded once too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid5

from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.ports.printing import (
    CommittedCases,
    PrintJobRecord,
    PrintJobRequest,
    PrintJobState,
    PrintQueue,
    RenderedDocument,
)
from zhanhe_counter.services.privacy import AuditTrail

STATE_ZH = {
    PrintJobState.QUEUED: "等待打印",
    PrintJobState.SENDING: "正在发送",
    PrintJobState.SUBMITTED: "已交给打印服务",
    PrintJobState.PRINTED: "已打印",
    PrintJobState.UNCERTAIN: "结果不明，请确认",
    PrintJobState.FAILED: "打印失败",
    PrintJobState.CANCELED: "已取消",
}


class CaseNotCommitted(DomainError):
    """办件尚未保存: documents of an unsaved case are never printed."""


@dataclass(frozen=True, slots=True)
class DocumentToPrint:
    """One document of the clerk's print action (待打印文书)."""

    kind: DocumentKind
    document: RenderedDocument
    printer: str
    copies: int = 1


@dataclass(frozen=True, slots=True)
class PrintHistoryEntry:
    """One line of a case's print history (打印记录), ready to show."""

    job_id: UUID
    kind: str
    title_zh: str
    is_reprint: bool
    state: PrintJobState
    state_zh: str
    attempts: int
    printer: str
    requested_by: str
    requested_at: datetime
    printed_at: datetime | None
    error_zh: str | None
    template: str  # "id@version"
    sha256: str

    @property
    def summary_zh(self) -> str:
        action = "补打" if self.is_reprint else "打印"
        return f"{action}《{self.title_zh}》：{self.state_zh}（{self.printer}）"


def document_title(kind: str) -> str:
    """The Chinese title of a queued document's kind (the kind itself when unknown)."""
    try:
        return DocumentKind(kind).label
    except ValueError:
        return kind


def document_request_id(action_request_id: UUID, index: int, kind: str) -> UUID:
    """The request id of one document of an action: the same action gives the same ids."""
    return uuid5(action_request_id, f"{index}:{kind}")


def public_document_id(kind: str, subject: str) -> UUID:
    """The id a public document's print jobs are filed under in place of a case id."""
    return uuid5(_PUBLIC_DOCUMENTS, f"{kind}:{subject}")


_PUBLIC_DOCUMENTS = UUID("5b0c3c9e-2f55-4e59-9d7e-6f7a1f3c2a10")


def audit_event_id(request_id: UUID) -> UUID:
    """The id of the audit event of one print request (the same request, the same event)."""
    return uuid5(request_id, "audit")


class PrintService:
    """打印服务."""

    def __init__(self, queue: PrintQueue, cases: CommittedCases, *, audit: AuditTrail) -> None:
        self.queue = queue
        self.cases = cases
        self.audit = audit

    def print_case_documents(
        self,
        case_id: UUID,
        documents: Sequence[DocumentToPrint],
        *,
        request_id: UUID,
        actor: str,
    ) -> list[PrintJobRecord]:
        """Queue ``documents`` of a committed case; calling again with ``request_id`` is a no-op."""
        if self.cases.case_state(case_id) is None:
            raise CaseNotCommitted(
                f"case {case_id} is not stored; refusing to print",
                "办件尚未保存，不能打印文书。请先保存办件。",
            )
        requests = [
            PrintJobRequest(
                request_id=document_request_id(request_id, index, item.kind.value),
                case_id=case_id,
                kind=item.kind.value,
                printer=item.printer,
                document=item.document,
                requested_by=actor,
                copies=item.copies,
            )
            for index, item in enumerate(documents)
        ]
        for printer in sorted({r.printer for r in requests}):
            # An unconfigured printer fails here, before the audit says "printed" under ids a
            # retry with the right printer could no longer use.
            self.queue.printer_status(printer)
        self.audit.record(
            [
                self.audit.draft(
                    case_id,
                    actor,
                    EventKind.DOCUMENT_PRINTED,
                    p.DocumentPrinted(r.kind, r.printer, r.copies).to_payload(),
                    event_id=audit_event_id(r.request_id),
                )
                for r in requests
            ]
        )
        return [self.queue.enqueue(r) for r in requests]

    def print_public_document(
        self, item: DocumentToPrint, *, subject: str, request_id: UUID, actor: str
    ) -> PrintJobRecord:
        """Queue a document of no case (办事指南 of the matter ``subject``).

        Its text is public and names no person, so no audit event is recorded; the queue files
        its jobs under a fixed id per document and subject (:func:`public_document_id`).
        """
        self.queue.printer_status(item.printer)
        return self.queue.enqueue(
            PrintJobRequest(
                request_id=document_request_id(request_id, 0, item.kind.value),
                case_id=public_document_id(item.kind.value, subject),
                kind=item.kind.value,
                printer=item.printer,
                document=item.document,
                requested_by=actor,
                copies=item.copies,
            )
        )

    def reprint(
        self, job_id: UUID, *, request_id: UUID, actor: str, printer: str | None = None
    ) -> PrintJobRecord:
        """补打: the stored bytes of ``job_id`` again, stamped; once per ``request_id``."""
        original = self.queue.job(job_id)
        self.audit.record(
            [
                self.audit.draft(
                    original.case_id,
                    actor,
                    EventKind.DOCUMENT_REPRINTED,
                    p.DocumentReprinted(
                        document=original.kind,
                        printer=printer or original.printer,
                        original_job_id=str(job_id),
                    ).to_payload(),
                    event_id=audit_event_id(request_id),
                )
            ]
        )
        return self.queue.reprint(
            job_id, request_id=request_id, requested_by=actor, printer=printer
        )

    def history_for_case(self, case_id: UUID) -> list[PrintHistoryEntry]:
        """Every print and reprint of the case, oldest first."""
        return [
            PrintHistoryEntry(
                job_id=job.job_id,
                kind=job.kind,
                title_zh=document_title(job.kind),
                is_reprint=job.is_reprint,
                state=job.state,
                state_zh=STATE_ZH[job.state],
                attempts=job.attempts,
                printer=job.printer,
                requested_by=job.requested_by,
                requested_at=job.created_at,
                printed_at=job.printed_at,
                error_zh=job.last_error_zh,
                template=f"{job.template_id}@{job.template_version}",
                sha256=job.sha256,
            )
            for job in self.queue.history_for_case(case_id)
        ]
