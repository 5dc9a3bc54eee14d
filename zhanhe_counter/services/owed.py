"""The documents an action owes (待出具文书): its print request id and the owed rows.

Shared by every desk that records an action with documents (back office, delivery window; the
intake has its own id per case), and by ``document_dispatch``, which queues them and marks them
fulfilled.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID, uuid5

from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.services.ports.storage import OwedDocument


def documents_request_id(event_id: UUID) -> UUID:
    """The print action of the documents an event needs: one per event, so a retry of the
    action (same event id) and the recovery after a crash queue them under one id."""
    return uuid5(event_id, "documents")


def owed_for(
    case_id: UUID, kinds: Sequence[DocumentKind], request_id: UUID, clerk: tuple[str, str]
) -> list[OwedDocument]:
    """The owed-document rows of one action issued away from the window (back office,
    delivery); ``clerk`` is (staff id, name) of who acted."""
    return [
        OwedDocument(case_id, kind.value, request_id, clerk[0], clerk[1], at_window=False)
        for kind in kinds
    ]
