"""Printing ports: rendering documents, and sending them to printers (the print queue part)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError

PDF = "application/pdf"
PNG = "image/png"


@dataclass(frozen=True)
class RenderedDocument:
    """已生成的文书: the exact bytes to print, archive and reprint (never re-rendered)."""

    content: bytes
    mime: str  # PDF or PNG
    template_id: str
    template_version: int
    sha256: str
    page_count: int

    @classmethod
    def of(
        cls, content: bytes, mime: str, template_id: str, template_version: int, page_count: int
    ) -> RenderedDocument:
        """Build one, computing the hash from ``content``."""
        digest = hashlib.sha256(content).hexdigest()
        return cls(content, mime, template_id, template_version, digest, page_count)


class DocumentRenderer(Protocol):
    """文书生成: template + field values -> printable bytes.

    Field values are plain JSON-like data: str, int, ISO dates (``2026-11-20``) and datetimes
    (``2026-11-20T09:32``), lists of str, and lists of dicts for tables. A missing or invalid
    value raises ``DomainError`` naming the field; nothing is rendered then.
    """

    def render_pdf(self, kind: DocumentKind, values: Mapping[str, Any]) -> RenderedDocument:
        """The document as PDF (A4 forms, or the ticket as an 80 mm wide page)."""
        ...

    def render_raster(self, kind: DocumentKind, values: Mapping[str, Any]) -> RenderedDocument:
        """A receipt-paper document as a 1-bit PNG, 576 dots wide (80 mm at 203 dpi)."""
        ...


# ------------------------------------------------------------ printers and the print queue (part B)


class PrinterState(StrEnum):
    """打印机状态类别."""

    READY = "ready"
    OFFLINE = "offline"  # switched off, unplugged, refusing connections
    PAPER_OUT = "paper_out"
    NOT_RESPONDING = "not_responding"  # connected but silent
    ERROR = "error"  # cover open, cutter jammed, spooler error
    UNKNOWN = "unknown"  # the link cannot report status (file device, spooler while idle)


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """打印机状态, with the reason in Chinese for the clerk."""

    state: PrinterState
    reason_zh: str

    @property
    def can_print(self) -> bool:
        """Worth sending a job: ready, or status simply unknown (not refused)."""
        return self.state in (PrinterState.READY, PrinterState.UNKNOWN)


class PrinterUnavailable(DomainError):
    """打印机暂不可用: nothing was sent, so the job can safely be tried again later."""

    def __init__(self, status: PrinterStatus, detail: str = "") -> None:
        super().__init__(f"printer unavailable: {status.state} {detail}".strip(), status.reason_zh)
        self.status = status


class PrintRejected(DomainError):
    """打印被拒绝: this printer will never print this document; trying again does not help."""


class PrintOutcomeUnknown(DomainError):
    """打印结果不明: bytes may have reached the printer; resending could print twice."""


class BackendJobState(StrEnum):
    """A submitted job as the printer or spooler sees it (后台作业状态)."""

    PENDING = "pending"  # held, queued or printing in the spooler
    COMPLETED = "completed"
    FAILED = "failed"  # canceled or aborted by the spooler
    UNKNOWN = "unknown"


class Printer(Protocol):
    """打印机: one configured device, whatever the transport."""

    @property
    def name(self) -> str:
        """The configured printer name, as the clerk sees it."""
        ...

    def submit(self, document: RenderedDocument, *, title: str, copies: int = 1) -> str:
        """Send ``document``; return the backend job id.

        Raises :class:`PrinterUnavailable` when nothing was sent, :class:`PrintRejected` when the
        document can never print here, :class:`PrintOutcomeUnknown` when sending broke midway.
        """
        ...

    def job_state(self, job_id: str) -> BackendJobState:
        """Where a submitted job is; COMPLETED at once for transports that print synchronously."""
        ...

    def status(self) -> PrinterStatus:
        """Online, paper, errors; never raises."""
        ...

    def cancel(self, job_id: str) -> None:
        """Cancel a submitted job if the backend still holds it."""
        ...


class PrintJobState(StrEnum):
    """打印任务状态 in the local print queue. Values are stored."""

    QUEUED = "queued"  # waiting for its printer (also while the printer is off or out of paper)
    SENDING = "sending"  # a worker is sending it right now
    SUBMITTED = "submitted"  # a spooler holds it (CUPS, Windows); polled until done
    PRINTED = "printed"
    UNCERTAIN = "uncertain"  # sending broke midway; the clerk decides (never resent on its own)
    FAILED = "failed"  # rejected for good; the reason is kept
    CANCELED = "canceled"


@dataclass(frozen=True, slots=True)
class PrintJobRequest:
    """A request to print one document (打印请求).

    ``request_id`` is made when the clerk's action started; the queue stores each request id
    once, so a double click or a retried call never prints twice.
    """

    request_id: UUID
    case_id: UUID
    kind: str  # a ``DocumentKind`` value
    printer: str
    document: RenderedDocument
    requested_by: str
    copies: int = 1


@dataclass(frozen=True, slots=True)
class PrintJobRecord:
    """One print or reprint as the queue records it (打印记录)."""

    job_id: UUID
    request_id: UUID
    case_id: UUID
    kind: str
    printer: str
    state: PrintJobState
    attempts: int
    is_reprint: bool
    reprint_of: UUID | None
    template_id: str
    template_version: int
    sha256: str  # of the document as rendered, before any 补打 stamp
    copies: int
    requested_by: str
    created_at: datetime
    updated_at: datetime
    printed_at: datetime | None
    backend_job_id: str | None
    last_error_zh: str | None


class PrintQueue(Protocol):
    """打印队列: persists every job before sending it; one worker per printer."""

    def enqueue(self, request: PrintJobRequest) -> PrintJobRecord:
        """Store the job (idempotent on ``request.request_id``) and wake its printer's worker."""
        ...

    def reprint(
        self, job_id: UUID, *, request_id: UUID, requested_by: str, printer: str | None = None
    ) -> PrintJobRecord:
        """Queue the stored bytes of ``job_id`` again, stamped 补打 (idempotent on request_id)."""
        ...

    def job(self, job_id: UUID) -> PrintJobRecord:
        """One job's current record."""
        ...

    def history_for_case(self, case_id: UUID) -> list[PrintJobRecord]:
        """Every print and reprint of a case, oldest first."""
        ...

    def printer_status(self, printer: str) -> PrinterStatus:
        """The printer's last known status (checked by its worker)."""
        ...

    def resolve_uncertain(self, job_id: UUID, *, printed: bool) -> PrintJobRecord:
        """The clerk looked at the printer: mark printed, or queue it again."""
        ...

    def cancel(self, job_id: UUID) -> PrintJobRecord:
        """Cancel a job that has not printed yet."""
        ...


class CommittedCases(Protocol):
    """Which cases are committed in the local store (the event store satisfies this)."""

    def case_state(self, case_id: UUID) -> object | None:
        """The case's projected state, or None when no event of it is stored."""
        ...
