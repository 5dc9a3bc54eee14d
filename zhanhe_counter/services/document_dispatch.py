"""From a committed intake to queued print jobs (出具文书).

The case is already stored when this runs (``IntakeService.commit``); here its documents are
filled in (``paperwork``), rendered and queued, A4 documents to the A4 printer and the ticket to
the receipt printer. The clerk's confirm action carries one request id, so a double click or a
retry queues each document once.
"""

from __future__ import annotations

from uuid import UUID

from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.domain.workdays import WorkCalendar
from zhanhe_counter.services.intake import CommittedIntake
from zhanhe_counter.services.paperwork import DocumentRequest, OfficeProfile, documents_for
from zhanhe_counter.services.ports.printing import DocumentRenderer, PrintJobRecord
from zhanhe_counter.services.print_service import DocumentToPrint, PrintService
from zhanhe_counter.services.printer_roles import PrinterRoles


class DocumentDispatcher:
    """出具文书: render and queue the documents of a committed intake."""

    def __init__(
        self,
        *,
        renderer: DocumentRenderer,
        print_service: PrintService,
        catalogue: Catalogue,
        office: OfficeProfile,
        calendar: WorkCalendar,
        printers: PrinterRoles,
    ) -> None:
        self._renderer = renderer
        self._print = print_service
        self._catalogue = catalogue
        self._office = office
        self._calendar = calendar
        self._printers = printers

    def requests_for(self, committed: CommittedIntake, clerk_name: str) -> list[DocumentRequest]:
        """The documents and their values, without rendering (for preview and tests)."""
        return documents_for(
            case=committed.case,
            matter=committed.matter,
            result=committed.result,
            department=self._catalogue.department_of(committed.matter),
            office=self._office,
            calendar=self._calendar,
            clerk_name=clerk_name,
        )

    def dispatch(
        self, committed: CommittedIntake, *, clerk_id: str, clerk_name: str, request_id: UUID
    ) -> list[PrintJobRecord]:
        """Render every document of the intake and queue it; idempotent on ``request_id``."""
        to_print: list[DocumentToPrint] = []
        for request in self.requests_for(committed, clerk_name):
            if request.kind is DocumentKind.THERMAL_TICKET:
                if self._printers.ticket is None:
                    continue
                document = self._renderer.render_raster(request.kind, request.values)
                to_print.append(DocumentToPrint(request.kind, document, self._printers.ticket))
            else:
                document = self._renderer.render_pdf(request.kind, request.values)
                to_print.append(DocumentToPrint(request.kind, document, self._printers.a4))
        return self._print.print_case_documents(
            committed.case.case_id, to_print, request_id=request_id, actor=clerk_id
        )
