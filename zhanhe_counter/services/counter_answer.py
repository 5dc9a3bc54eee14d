"""The 20-minute answer printed at the counter (后台答复当场出具): the applicant waits there.

When the back office answers a 当场受理 request, the counter prints the answer's notice
(受理通知书 or 不予受理通知书) and records that it was handed over. The notice is recorded as owed
first, with its 直接送达 in the same transaction (``BackofficeService.owe_answer_at_counter``);
the print marks it fulfilled, and a crash in between leaves it owed, queued at the next start
under the same request id (``DocumentDispatcher.recover_owed``), so it is neither lost nor
printed twice.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from zhanhe_counter.services.backoffice import BackofficeAnswer, BackofficeService
from zhanhe_counter.services.document_dispatch import DocumentPrinter
from zhanhe_counter.services.ports.printing import PrintJobRecord


def answer_print_request(case_id: UUID) -> UUID:
    """The print request of the notice that answers a 20-minute request (受理/不予受理通知书).

    The counter prints it where the applicant waits, and the back office prints it when it
    answers; one id for both makes the print queue keep it once on a PC that does both.
    """
    return uuid5(case_id, "backoffice-answer")


def print_and_serve(
    backoffice: BackofficeService, printer: DocumentPrinter, answer: BackofficeAnswer, actor: str
) -> list[PrintJobRecord]:
    """Record ``answer``'s notice as owed (with its service), then print it: idempotent, so a
    second poll of the same answer records and prints nothing new."""
    request_id = answer_print_request(answer.case_id)
    backoffice.owe_answer_at_counter(answer, request_id=request_id, actor=actor)
    return printer.print(answer.case_id, answer.documents, request_id=request_id, actor=actor)
