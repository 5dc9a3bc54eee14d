"""``zhanhe-admin documents``: a case's printed documents, byte for byte, and the export audited."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
import uuid6

from tests.adapters.storage.factories import STATION, received_draft
from tests.adapters.sync import helpers as sync_helpers
from zhanhe_counter.adapters.clock import SystemClock
from zhanhe_counter.adapters.printing.job_store import PrintJobStore
from zhanhe_counter.adapters.storage.database_key import open_station_database
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
from zhanhe_counter.cli.app import main
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.ports.printing import PrintJobRequest, RenderedDocument

memory_keyring = sync_helpers.memory_keyring

NUMBER = "41041101S202611260001"


@pytest.fixture(autouse=True)
def _counter_keyring(memory_keyring: sync_helpers.MemoryKeyring) -> sync_helpers.MemoryKeyring:
    return memory_keyring


def _station_with_a_printed_case(data: Path) -> tuple[UUID, bytes]:
    engine = open_station_database(data)
    SqliteReferenceStore(engine).set_setting("station_id", STATION)
    draft = received_draft(number=NUMBER)
    SqliteEventStore(engine).append(draft)
    pdf = b"%PDF-1.4 receipt " + datetime.now(UTC).isoformat().encode()
    PrintJobStore(engine, SystemClock()).add(
        PrintJobRequest(
            request_id=uuid6.uuid7(),
            case_id=draft.case_id,
            kind="receipt",
            printer="a4",
            document=RenderedDocument.of(pdf, "application/pdf", "receipt", 1, 1),
            requested_by="clerk01",
        )
    )
    engine.dispose()
    return draft.case_id, pdf


def test_documents_writes_the_stored_bytes_and_audits_the_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    case_id, pdf = _station_with_a_printed_case(data)
    out = tmp_path / "out"
    args = ["--data-dir", str(data), "documents", "--case", NUMBER, "--out", str(out)]
    assert main([*args, "--staff", "admin07"]) == 0
    assert "已导出" in capsys.readouterr().out
    written = sorted(out.iterdir())
    assert [p.name for p in written] == [f"{NUMBER}-01-receipt.pdf"]
    assert written[0].read_bytes() == pdf
    engine = open_station_database(data)
    try:
        events = SqliteEventStore(engine).events_for_case(case_id)
    finally:
        engine.dispose()
    exported = [e for e in events if e.kind is EventKind.CASE_EXPORTED]
    assert len(exported) == 1
    assert exported[0].actor == "admin07"


def test_documents_of_an_unknown_case_is_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    _station_with_a_printed_case(data)
    args = ["--data-dir", str(data), "documents", "--case", "NOPE", "--out", str(tmp_path / "o")]
    assert main(args) != 0
    assert "没有编号为 NOPE 的办件" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
