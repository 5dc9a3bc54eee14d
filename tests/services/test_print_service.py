"""PrintService over the real SQLite event store and print queue (simulated printer)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.adapters.printing.printers.lab import SystemClock, ticket_image, wait_for
from zhanhe_counter.adapters.printing.printers.simulated import SimulatedPrinter
from zhanhe_counter.adapters.printing.queue import SqlitePrintQueue
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventDraft, EventKind
from zhanhe_counter.services.ports.printing import PrintJobState, RenderedDocument
from zhanhe_counter.services.print_service import (
    CaseNotCommitted,
    DocumentToPrint,
    PrintService,
)
from zhanhe_counter.services.privacy import AuditTrail


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = open_local_database(tmp_path / "station.sqlite3")
    yield engine
    engine.dispose()


@pytest.fixture
def service(engine: sa.Engine, tmp_path: Path) -> Iterator[PrintService]:
    queue = SqlitePrintQueue(
        engine,
        {"小票": SimulatedPrinter("小票", tmp_path / "out")},
        SystemClock(),
        poll_interval_s=0.1,
    )
    queue.start()
    store = SqliteEventStore(engine)
    yield PrintService(queue, store, audit=AuditTrail(store, SystemClock(), "ZH01"))
    queue.stop()


def audit_events(engine: sa.Engine, case_id: uuid.UUID) -> list[tuple[EventKind, str, str]]:
    """(kind, actor, document) of the case's audit events, in order."""
    return [
        (e.kind, e.actor, str(e.payload["document"]))
        for e in SqliteEventStore(engine).events_for_case(case_id)
        if e.kind.is_audit
    ]


def committed_case(engine: sa.Engine) -> uuid.UUID:
    case_id = uuid.uuid4()
    SqliteEventStore(engine).append(
        EventDraft(
            event_id=uuid.uuid4(),
            case_id=case_id,
            kind=EventKind.CONSULTED,
            station_id="ZH01",
            actor="clerk01",
            occurred_at=datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
            payload={},
        )
    )
    return case_id


def ticket() -> DocumentToPrint:
    out = io.BytesIO()
    ticket_image(2).save(out, format="PNG")
    document = RenderedDocument.of(out.getvalue(), "image/png", "thermal_ticket", 1, 1)
    return DocumentToPrint(DocumentKind.THERMAL_TICKET, document, "小票")


def test_unsaved_case_is_never_printed(service: PrintService, tmp_path: Path) -> None:
    with pytest.raises(CaseNotCommitted) as caught:
        service.print_case_documents(
            uuid.uuid4(), [ticket()], request_id=uuid.uuid4(), actor="clerk01"
        )
    assert "保存" in caught.value.user_message
    assert not (tmp_path / "out").exists()


def test_same_action_twice_queues_each_document_once(
    service: PrintService, engine: sa.Engine, tmp_path: Path
) -> None:
    case_id = committed_case(engine)
    action = uuid.uuid4()
    docs = [ticket(), ticket()]  # 一式两份: two documents in one action are two jobs
    first = service.print_case_documents(case_id, docs, request_id=action, actor="clerk01")
    second = service.print_case_documents(case_id, docs, request_id=action, actor="clerk01")
    assert [j.job_id for j in first] == [j.job_id for j in second]
    assert len({j.job_id for j in first}) == 2
    wait_for(lambda: len(list((tmp_path / "out").glob("*.png"))) == 2)
    reprint = service.reprint(first[0].job_id, request_id=uuid.uuid4(), actor="clerk02")
    wait_for(lambda: service.queue.job(reprint.job_id).state is PrintJobState.PRINTED)
    history = service.history_for_case(case_id)
    assert [h.is_reprint for h in history] == [False, False, True]
    assert history[2].summary_zh == "补打《办件小票》：已打印（小票）"
    assert history[0].template == "thermal_ticket@1"
    assert len(list((tmp_path / "out").glob("*.png"))) == 3
    # One audit event per document queued (the repeated action is recorded once), one per reprint.
    assert audit_events(engine, case_id) == [
        (EventKind.DOCUMENT_PRINTED, "clerk01", "thermal_ticket"),
        (EventKind.DOCUMENT_PRINTED, "clerk01", "thermal_ticket"),
        (EventKind.DOCUMENT_REPRINTED, "clerk02", "thermal_ticket"),
    ]


def test_a_retried_reprint_is_recorded_once_with_its_original(
    service: PrintService, engine: sa.Engine
) -> None:
    case_id = committed_case(engine)
    [job] = service.print_case_documents(
        case_id, [ticket()], request_id=uuid.uuid4(), actor="clerk01"
    )
    click = uuid.uuid4()
    first = service.reprint(job.job_id, request_id=click, actor="clerk02")
    again = service.reprint(job.job_id, request_id=click, actor="clerk02")
    assert first.job_id == again.job_id
    reprints = [
        e
        for e in SqliteEventStore(engine).events_for_case(case_id)
        if e.kind is EventKind.DOCUMENT_REPRINTED
    ]
    assert len(reprints) == 1
    assert reprints[0].payload == {
        "document": "thermal_ticket",
        "printer": "小票",
        "original_job_id": str(job.job_id),
    }


def test_nothing_is_queued_when_the_print_cannot_be_recorded(
    service: PrintService, engine: sa.Engine, tmp_path: Path
) -> None:
    # A printer named with an ID number would put the number into the audit record: refused,
    # and because the record comes first, nothing reaches the queue.
    case_id = committed_case(engine)
    doc = ticket()
    leaky = DocumentToPrint(doc.kind, doc.document, "410402199001011234")
    with pytest.raises(DomainError):
        service.print_case_documents(case_id, [leaky], request_id=uuid.uuid4(), actor="clerk01")
    assert service.history_for_case(case_id) == []
    assert audit_events(engine, case_id) == []
