"""Render and queue (出具文书): the one path from document values to print jobs.

Every desk prints through ``DocumentPrinter``: the counter after a committed intake
(``DocumentDispatcher``), the back office after an action, the delivery window after a hand-out.
A4 documents go to the A4 printer, the ticket to the receipt printer (skipped when there is
none). The action carries one request id, so a double click or a retry queues each document once.
The case is stored before this runs; the values come from ``services.documents``.

The documents of every action — an intake, a back-office action, a hand-out, the 20-minute
answer printed at the counter (``services.counter_answer``) — are recorded as owed in the
transaction that stores its events (``OwedDocument``, under the action's print
request id); ``DocumentPrinter`` marks them fulfilled once queued, or records why they still
wait, and whatever a crash left owed is rendered and queued again when the station opens
(:meth:`DocumentDispatcher.recover_owed`), under the same request id, so nothing vanishes and
nothing prints twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from uuid import UUID

from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.documents import DocumentRequest, DocumentService
from zhanhe_counter.services.intake import CommittedIntake
from zhanhe_counter.services.ports.printing import DocumentRenderer, PrintJobRecord
from zhanhe_counter.services.ports.storage import EventStore, OwedDocument, OwedDocuments
from zhanhe_counter.services.print_service import DocumentToPrint, PrintService
from zhanhe_counter.services.printer_roles import PrinterRoles

log = logging.getLogger(__name__)


class DocumentPrinter:
    """文书打印: render each document and queue it; idempotent on the request id.

    With ``owed``, the documents owed under the request id are marked fulfilled once queued, or
    keep the reason they still wait (a rendering or queuing error) for the status line and
    ``db check``; a request with nothing owed changes nothing there.
    """

    def __init__(
        self,
        *,
        renderer: DocumentRenderer,
        print_service: PrintService,
        printers: PrinterRoles,
        owed: OwedDocuments | None = None,
    ) -> None:
        self._renderer = renderer
        self._print_service = print_service
        self._printers = printers
        self._owed = owed

    def print(
        self,
        case_id: UUID,
        documents: Sequence[DocumentRequest],
        *,
        request_id: UUID,
        actor: str,
    ) -> list[PrintJobRecord]:
        try:
            jobs = self._queue(case_id, documents, request_id=request_id, actor=actor)
        except DomainError as error:
            if self._owed is not None:
                self._owed.waiting(request_id, error.user_message)
            raise
        if self._owed is not None:
            self._owed.fulfilled(request_id)
        return jobs

    def waiting(self, request_id: UUID, error: DomainError) -> None:
        """The documents of ``request_id`` could not even be built: they wait with the reason."""
        if self._owed is not None:
            self._owed.waiting(request_id, error.user_message)

    def _queue(
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

    def print_guide(
        self, matter_id: str, request: DocumentRequest, *, request_id: UUID, actor: str
    ) -> PrintJobRecord:
        """The 办事指南 of ``matter_id`` to the A4 printer (filed under no case)."""
        pdf = self._renderer.render_pdf(request.kind, request.values)
        return self._print_service.print_public_document(
            DocumentToPrint(request.kind, pdf, self._printers.a4),
            subject=matter_id,
            request_id=request_id,
            actor=actor,
        )

    def queued_kinds(self, case_id: UUID) -> set[str]:
        """The kinds of document the case already has an original print job for."""
        return {e.kind for e in self._print_service.history_for_case(case_id) if not e.is_reprint}


class DocumentDispatcher:
    """出具文书 at the counter: the documents the domain decided for a committed intake."""

    def __init__(
        self,
        *,
        documents: DocumentService,
        printer: DocumentPrinter,
        owed: OwedDocuments | None = None,
        cases: EventStore | None = None,
    ) -> None:
        self._documents = documents
        self._printer = printer
        self._owed = owed
        self._cases = cases

    def requests_for(self, committed: CommittedIntake, clerk_name: str) -> list[DocumentRequest]:
        """The documents and their values, without rendering (for preview and tests)."""
        return self._documents.for_intake(committed.case, committed.result.documents, clerk_name)

    def dispatch(
        self, committed: CommittedIntake, *, clerk_id: str, clerk_name: str, request_id: UUID
    ) -> list[PrintJobRecord]:
        """Render every document of the intake and queue it; idempotent on the request id.

        The request id is the one recorded with the owed documents when there is one (so the
        recovery after a crash queues under the same id); ``request_id`` otherwise.
        """
        action = committed.documents_request_id or request_id
        try:
            requests = self.requests_for(committed, clerk_name)
        except DomainError as error:  # e.g. a setting missing: the papers wait with the reason
            self._printer.waiting(action, error)
            raise
        return self._printer.print(
            committed.case.case_id, requests, request_id=action, actor=clerk_id
        )

    def waiting(self) -> list[OwedDocument]:
        """Every document still owed (not queued), oldest first, with why it waits."""
        return self._owed.pending() if self._owed is not None else []

    def recover_owed(self) -> int:
        """Queue every owed document a crash left without a job; the number of actions queued.

        Kinds that already have a job for the case are left out (the crash came after the queue
        and before the mark), so a document is never queued twice; a failure is recorded as the
        reason it still waits and the next one is tried.
        """
        if self._owed is None:
            return 0
        actions: dict[UUID, list[OwedDocument]] = {}
        for item in self._owed.pending():
            actions.setdefault(item.request_id, []).append(item)
        recovered = 0
        for request_id, items in actions.items():
            first = items[0]
            try:
                self._recover(request_id, items)
            except DomainError as error:
                log.warning("owed documents of case %s still waiting: %s", first.case_id, error)
                self._owed.waiting(request_id, error.user_message)
                continue
            self._owed.fulfilled(request_id)  # also when every kind had its job already
            recovered += 1
        return recovered

    def _recover(self, request_id: UUID, items: Sequence[OwedDocument]) -> None:
        first = items[0]
        state = self._cases.case_state(first.case_id) if self._cases is not None else None
        if state is None:  # pruned meanwhile (or never synced back after a restore)
            return
        queued = self._printer.queued_kinds(first.case_id)
        missing = [i for i in items if i.kind not in queued]
        if missing:
            log.info("queuing %d owed documents of case %s", len(missing), first.case_id)
            # Built as the first print would have: the window's own (intake) or the back
            # office's / delivery window's, by the clerk who acted.
            requests = [
                self._documents.build(
                    DocumentKind(i.kind), state, clerk_name=i.clerk_name, at_window=i.at_window
                )
                for i in missing
            ]
            self._printer.print(
                first.case_id, requests, request_id=request_id, actor=first.clerk_id
            )


def waiting_text(owed: Sequence[OwedDocument]) -> str:
    """The status line's words for documents still owed: "2 份文书待打印：<the first reason>"
    (the reason the last attempt gave, or that the program stopped before queuing them)."""
    if not owed:
        return ""
    reasons = [o.reason_zh for o in owed if o.reason_zh]
    reason = reasons[0] if reasons else NOT_YET_QUEUED_ZH
    return f"{len(owed)} 份文书待打印：{reason}"


#: Shown while an owed document has no recorded error: the program stopped before queuing it.
NOT_YET_QUEUED_ZH = "尚未加入打印队列（程序在出具文书前中断），下次启动时自动补出。"
