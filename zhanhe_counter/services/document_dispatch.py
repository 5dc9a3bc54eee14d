"""Render and queue (出具文书): the one path from document values to print jobs.

Every desk prints through ``DocumentPrinter``: the counter after a committed intake
(``DocumentDispatcher``), the back office after an action, the delivery window after a hand-out.
A4 documents go to the A4 printer, the ticket to the receipt printer (skipped when there is
none). The action carries one request id, so a double click or a retry queues each document once.
The case is stored before this runs; the values come from ``services.documents``.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.services.documents import DocumentRequest, DocumentService
from zhanhe_counter.services.intake import CommittedIntake
from zhanhe_counter.services.ports.printing import DocumentRenderer, PrintJobRecord
from zhanhe_counter.services.print_service import DocumentToPrint, PrintService
from zhanhe_counter.services.printer_roles import PrinterRoles


class DocumentPrinter:
    """文书打印: render each document and queue it; idempotent on the request id."""

    def __init__(
        self, *, renderer: DocumentRenderer, print_service: PrintService, printers: PrinterRoles
    ) -> None:
        self._renderer = renderer
        self._print_service = print_service
        self._printers = printers

    def print(
        self,
        case_id: UUID,
        documents: Sequence[DocumentRequest],
        *,
        request_id: UUID,
        actor: str,
    ) -> list[PrintJobRecord]:
        to_print: list[DocumentToPrint] = []
        for request in documents:
            if request.kind is DocumentKind.THERMAL_TICKET:
                if self._printers.ticket is None:
                    continue
                raster = self._renderer.render_raster(request.kind, request.values)
                to_print.append(DocumentToPrint(request.kind, raster, self._printers.ticket))
            else:
                pdf = self._renderer.render_pdf(request.kind, request.values)
                to_print.append(DocumentToPrint(request.kind, pdf, self._printers.a4))
        return self._print_service.print_case_documents(
            case_id, to_print, request_id=request_id, actor=actor
        )


class DocumentDispatcher:
    """出具文书 at the counter: the documents the domain decided for a committed intake."""

    def __init__(self, *, documents: DocumentService, printer: DocumentPrinter) -> None:
        self._documents = documents
        self._printer = printer

    def requests_for(self, committed: CommittedIntake, clerk_name: str) -> list[DocumentRequest]:
        """The documents and their values, without rendering (for preview and tests)."""
        return self._documents.for_intake(committed.case, committed.result.documents, clerk_name)

    def dispatch(
        self, committed: CommittedIntake, *, clerk_id: str, clerk_name: str, request_id: UUID
    ) -> list[PrintJobRecord]:
        """Render every document of the intake and queue it; idempotent on ``request_id``."""
        return self._printer.print(
            committed.case.case_id,
            self.requests_for(committed, clerk_name),
            request_id=request_id,
            actor=clerk_id,
        )
