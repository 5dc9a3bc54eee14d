"""Documents owed with their case (issue 18, Deliver 2): recorded in the intake's transaction,
fulfilled when queued, queued at the next open when a crash came first, never twice."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest
import sqlalchemy as sa

from tests.services.test_intake import CLERK, NOW, FixedClock, _request
from zhanhe_counter.adapters.storage.owed_documents import SqliteOwedDocuments
from zhanhe_counter.adapters.storage.owed_tables import owed_document
from zhanhe_counter.cli.db import _check_report, _print_report
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.services.document_dispatch import DocumentDispatcher, DocumentPrinter
from zhanhe_counter.services.intake import CommittedIntake
from zhanhe_counter.services.printer_roles import PrinterRoles


def _open(data: Path, *, start_queue: bool = False) -> Station:
    return build_station(data, demo=True, clock=FixedClock(NOW), start_queue=start_queue)


def _originals(station: Station, committed: CommittedIntake) -> list[str]:
    return sorted(
        job.kind
        for job in station.queue.history_for_case(committed.case.case_id)
        if not job.is_reprint
    )


def misconfigured_dispatcher(station: Station) -> DocumentDispatcher:
    """The station's dispatcher as on a PC whose A4 printer setting names no configured
    printer: queuing fails, and the owed documents wait with that reason."""
    return DocumentDispatcher(
        documents=station.documents,
        printer=DocumentPrinter(
            renderer=station.renderer,
            print_service=station.print_service,
            printers=PrinterRoles(a4="不存在的打印机", ticket=None),
        ),
        owed=SqliteOwedDocuments(station.engine, station.clock),
        cases=station.store,
    )


def _owed_rows(station: Station) -> list[sa.Row[tuple[object, ...]]]:
    with station.engine.connect() as connection:
        return list(connection.execute(sa.select(owed_document)))


def test_the_case_and_its_owed_documents_are_stored_together(tmp_path: Path) -> None:
    station = _open(tmp_path)
    try:
        committed = station.intake.commit(_request(station, "ZH-004"))
        rows = _owed_rows(station)
        kinds = sorted(kind.value for kind in committed.result.documents)
        assert kinds  # an accepted case always owes papers
        assert sorted(row.kind for row in rows) == kinds
        assert {row.case_id for row in rows} == {committed.case.case_id}
        assert all(row.fulfilled_at is None for row in rows)
    finally:
        station.close()


def test_a_crash_before_the_documents_is_queued_at_the_next_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    station = _open(tmp_path)
    committed = station.intake.commit(_request(station, "ZH-004"))
    # The program "dies" here: the case is stored, its documents are not queued.
    report = _check_report(station.engine, tmp_path / "station.sqlite3")
    number = committed.case.case_number
    assert [item["case_number"] for item in report["owed_documents"]] == [number] * len(
        committed.result.documents
    )
    _print_report(report)
    assert "待出具文书" in capsys.readouterr().out
    station.close()

    reopened = _open(tmp_path, start_queue=True)
    try:
        expected = sorted(
            k.value for k in committed.result.documents if k is not DocumentKind.THERMAL_TICKET
        )
        queued = _originals(reopened, committed)
        assert expected
        assert set(expected) <= set(queued)
        assert all(row.fulfilled_at is not None for row in _owed_rows(reopened))
        assert _check_report(reopened.engine, tmp_path / "station.sqlite3")["owed_documents"] == []
        # The clerk's retry of the interrupted action, after the recovery: nothing twice.
        reopened.dispatcher.dispatch(
            committed,
            clerk_id=CLERK.staff_id,
            clerk_name=CLERK.name,
            request_id=committed.case.case_id,
        )
        assert _originals(reopened, committed) == queued
    finally:
        reopened.close()


def test_dispatch_fulfils_and_a_reopen_queues_nothing_more(tmp_path: Path) -> None:
    station = _open(tmp_path)
    committed = station.intake.commit(_request(station, "ZH-005"))
    jobs = station.dispatcher.dispatch(
        committed,
        clerk_id=CLERK.staff_id,
        clerk_name=CLERK.name,
        request_id=committed.events[0].event_id,
    )
    assert jobs
    assert all(row.fulfilled_at is not None for row in _owed_rows(station))
    queued = _originals(station, committed)
    station.close()
    reopened = _open(tmp_path, start_queue=True)
    try:
        assert _originals(reopened, committed) == queued
    finally:
        reopened.close()


def test_a_crash_after_the_queue_but_before_the_mark_prints_once(tmp_path: Path) -> None:
    station = _open(tmp_path)
    committed = station.intake.commit(_request(station, "ZH-004"))
    assert committed.documents_request_id is not None
    # Queued, but the program dies before the owed rows are marked fulfilled: a printer that
    # marks nothing queues them.
    DocumentPrinter(
        renderer=station.renderer,
        print_service=station.print_service,
        printers=station.printer_roles,
    ).print(
        committed.case.case_id,
        station.dispatcher.requests_for(committed, CLERK.name),
        request_id=committed.documents_request_id,
        actor=CLERK.staff_id,
    )
    queued = _originals(station, committed)
    assert all(row.fulfilled_at is None for row in _owed_rows(station))
    station.close()
    reopened = _open(tmp_path, start_queue=True)
    try:
        assert _originals(reopened, committed) == queued
        assert all(row.fulfilled_at is not None for row in _owed_rows(reopened))
    finally:
        reopened.close()


def test_a_document_that_cannot_be_queued_waits_with_its_reason(tmp_path: Path) -> None:
    station = _open(tmp_path)
    try:
        committed = station.intake.commit(_request(station, "ZH-004"))
        assert misconfigured_dispatcher(station).recover_owed() == 0
        report = _check_report(station.engine, tmp_path / "station.sqlite3")
        reasons = {item["reason"] for item in report["owed_documents"]}
        assert reasons == {"未配置打印机“不存在的打印机”，请检查打印机设置。"}
        assert _originals(station, committed) == []
        # Once the setting is right, the same owed documents are queued.
        assert station.dispatcher.recover_owed() == 1
        assert _originals(station, committed)
        assert _check_report(station.engine, tmp_path / "station.sqlite3")["owed_documents"] == []
    finally:
        station.close()


def test_a_backoffice_action_owes_its_documents_and_a_crash_leaves_them_owed(
    tmp_path: Path,
) -> None:
    station = _open(tmp_path)
    committed = station.intake.commit(_request(station, "ZH-005"))  # 当场收件: for the back office
    station.dispatcher.dispatch(
        committed, clerk_id=CLERK.staff_id, clerk_name=CLERK.name, request_id=uuid4()
    )
    result = station.backoffice.accept(committed.case.case_id, "wangqiang")
    assert result.request_id is not None
    rows = [r for r in _owed_rows(station) if r.request_id == result.request_id]
    assert sorted((r.kind, r.at_window, r.fulfilled_at) for r in rows) == [
        ("acceptance_notice", False, None),
        ("service_record", False, None),
    ]
    # The program "dies" before the documents are queued.
    station.close()
    reopened = _open(tmp_path, start_queue=True)
    try:
        queued = _originals(reopened, committed)
        assert {"acceptance_notice", "service_record"} <= set(queued)
        assert all(row.fulfilled_at is not None for row in _owed_rows(reopened))
        # The reviewer's retry prints under the same id: nothing twice.
        reopened.document_printer.print(
            committed.case.case_id, result.documents, request_id=result.request_id, actor="w"
        )
        assert _originals(reopened, committed) == queued
    finally:
        reopened.close()
