"""The audit trail (查阅记录) on a real station: who opened, printed, reprinted, revealed or
exported a case — exactly one audit event each, with the right actor — and who may open what."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.adapters.storage.factories import received_draft
from tests.services.test_intake import APPLICANT, NOW, FixedClock, _request
from tests.services.test_print_service import ticket
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.domain.events import CaseEvent, EventKind
from zhanhe_counter.services.my_cases import MyCasesService
from zhanhe_counter.services.ports.tally import Figure, Grouping, Period
from zhanhe_counter.services.print_service import DocumentToPrint
from zhanhe_counter.services.privacy import AccessLogRefused, CaseAccessRefused, RevealRefused

K = EventKind
CLERK = ("window",)
BACKOFFICE = ("backoffice",)
SUPERVISOR = ("supervisor",)


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    built = build_station(tmp_path, demo=True, clock=FixedClock(NOW), start_queue=False)
    yield built
    built.close()


def _case(station: Station) -> uuid.UUID:
    return station.intake.commit(_request(station, "ZH-004")).case.case_id


def _audit(station: Station, case_id: uuid.UUID) -> list[CaseEvent]:
    return [e for e in station.store.events_for_case(case_id) if e.kind.is_audit]


def _other_stations_case(station: Station) -> uuid.UUID:
    draft = received_draft(station="ZH-OTHER-02", actor="clerk99")
    station.store.append(draft)
    return draft.case_id


def test_opening_a_case_records_one_view_and_the_clerk_sees_steps_only(
    station: Station,
) -> None:
    case_id = _case(station)
    before = station.store.case_state(case_id)
    detail = station.case_history.open(case_id, "zhangmin", CLERK)
    [viewed] = _audit(station, case_id)
    assert (viewed.kind, viewed.actor) == (K.CASE_VIEWED, "zhangmin")
    assert viewed.station_id == station.identity.station_id
    assert viewed.payload == {"screen": "case_detail"}
    # Clerks' timelines leave access records out, and they get no access log.
    assert not any(entry.kind.is_audit for entry in detail.timeline)
    assert detail.access_log is None
    assert "查阅办件" not in detail.next_steps
    after = station.store.case_state(case_id)
    assert before is not None
    assert after is not None
    assert (after.status, after.promised_due, after.timeline) == (
        before.status,
        before.promised_due,
        before.timeline,
    )
    # Refreshing the open detail (after a reprint) is not another opening.
    station.case_history.detail(case_id, "zhangmin", CLERK)
    assert len(_audit(station, case_id)) == 1


def test_a_supervisor_sees_the_access_log_with_every_kind_of_access(station: Station) -> None:
    case_id = _case(station)
    station.case_history.open(case_id, "zhangmin", CLERK)
    station.privacy.reveal_id_number(case_id, "wangqiang", BACKOFFICE)
    station.print_service.audit.exported([case_id], "zhaoli", export="drill", file_format="csv")
    detail = station.case_history.open(case_id, "zhaoli", SUPERVISOR)
    assert detail.access_log is not None
    assert [(a.label, a.actor) for a in detail.access_log] == [
        ("查阅办件", "zhangmin"),
        ("查看完整证件号码", "wangqiang"),
        ("导出办件", "zhaoli"),
        ("查阅办件", "zhaoli"),
    ]
    assert detail.access_log[2].detail == "drill（csv）"
    assert all(a.sync_label == "已保存在本机" for a in detail.access_log)
    assert station.case_history.access_log(case_id, SUPERVISOR) == detail.access_log
    with pytest.raises(AccessLogRefused) as refused:
        station.case_history.access_log(case_id, BACKOFFICE)
    assert "督查" in refused.value.user_message


def test_prints_and_reprints_leave_one_audit_event_each(station: Station) -> None:
    case_id = _case(station)
    doc = ticket()
    printer = station.printer_roles.a4
    to_print = [
        DocumentToPrint(doc.kind, doc.document, printer),
        DocumentToPrint(doc.kind, doc.document, printer, copies=2),
    ]
    queued = station.print_service.print_case_documents(
        case_id, to_print, request_id=uuid.uuid4(), actor="zhangmin"
    )
    station.print_service.reprint(queued[0].job_id, request_id=uuid.uuid4(), actor="lina")
    audit = _audit(station, case_id)
    assert [(e.kind, e.actor) for e in audit] == [
        (K.DOCUMENT_PRINTED, "zhangmin"),
        (K.DOCUMENT_PRINTED, "zhangmin"),
        (K.DOCUMENT_REPRINTED, "lina"),
    ]
    assert audit[1].payload == {"document": doc.kind.value, "printer": printer, "copies": 2}
    detail = station.case_history.open(case_id, "zhaoli", SUPERVISOR)
    assert detail.access_log is not None
    assert detail.access_log[0].detail == f"《{doc.kind.label}》 {printer}"


def test_each_reveal_is_one_event_without_the_number_written_before_it_is_shown(
    station: Station,
) -> None:
    case_id = _case(station)
    with pytest.raises(RevealRefused):
        station.privacy.reveal_id_number(case_id, "zhangmin", CLERK)
    assert _audit(station, case_id) == []
    number = station.privacy.reveal_id_number(case_id, "zhaoli", SUPERVISOR)
    assert number == APPLICANT.person.id_number
    [revealed] = _audit(station, case_id)
    assert (revealed.kind, revealed.actor) == (K.ID_REVEALED, "zhaoli")
    assert revealed.payload == {"field": "id_number"}
    with station.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT payload, actor FROM case_event WHERE kind = 'id_revealed'")
        ).all()
    assert rows
    assert all(number not in str(row) for row in rows)
    assert APPLICANT.person.name not in str(rows)


def test_older_reveals_from_the_audit_table_are_still_listed(station: Station) -> None:
    case_id = _case(station)
    earlier = NOW - timedelta(days=3)
    with station.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO id_reveal (reveal_id, case_id, staff_id, station_id, at) "
                "VALUES (:r, :c, 'wangqiang', :s, :at)"
            ),
            {
                "r": uuid.uuid4().hex,
                "c": case_id.hex,
                "s": station.identity.station_id,
                "at": earlier.astimezone(tz=None).strftime("%Y-%m-%d %H:%M:%S.%f"),
            },
        )
    station.privacy.reveal_id_number(case_id, "zhaoli", SUPERVISOR)
    reveals = station.privacy.reveals_for_case(case_id)
    assert [r.staff_id for r in reveals] == ["wangqiang", "zhaoli"]
    log = station.case_history.access_log(case_id, SUPERVISOR)
    assert [(a.actor, a.sync_label) for a in log] == [
        ("wangqiang", "旧记录（仅本机）"),
        ("zhaoli", "已保存在本机"),
    ]


def test_a_window_clerk_cannot_open_another_stations_case(station: Station) -> None:
    case_id = _other_stations_case(station)
    for roles in (CLERK, ("delivery",), ("clerk",), ()):
        with pytest.raises(CaseAccessRefused) as refused:
            station.case_history.open(case_id, "zhangmin", roles)
        assert "其他站点" in refused.value.user_message
        assert "ZH-OTHER-02" in refused.value.user_message
        with pytest.raises(CaseAccessRefused):
            station.case_history.detail(case_id, "zhangmin", roles)
    assert _audit(station, case_id) == []  # a refused opening shows and records nothing
    # The back office and supervisors may open any case the station holds.
    station.case_history.open(case_id, "wangqiang", BACKOFFICE)
    station.case_history.open(case_id, "zhaoli", SUPERVISOR)
    assert [e.actor for e in _audit(station, case_id)] == ["wangqiang", "zhaoli"]


def test_my_cases_lists_only_this_stations_cases(station: Station) -> None:
    own = _case(station)
    station.store.append(received_draft(station="ZH-OTHER-02", actor="zhangmin"))
    mine = MyCasesService(
        station.store,
        station.calendar,
        station.clock,
        station.catalogue,
        station_id=station.identity.station_id,
    )
    assert [r.case_id for r in mine.list("zhangmin")] == [own]
    everywhere = MyCasesService(station.store, station.calendar, station.clock, station.catalogue)
    assert len(everywhere.list("zhangmin")) == 2


def test_an_export_leaves_one_event_per_case(station: Station) -> None:
    first, second = _case(station), _case(station)
    station.print_service.audit.exported(
        [first, second], "zhaoli", export="tally_drill", file_format="xlsx"
    )
    for case_id in (first, second):
        [exported] = _audit(station, case_id)
        assert (exported.kind, exported.actor) == (K.CASE_EXPORTED, "zhaoli")


def test_the_local_tally_does_not_count_audit_events(station: Station) -> None:
    case_id = _case(station)
    period = Period(NOW.date(), NOW.date())
    before = station.tally.tally(period, Grouping.CLERK)
    station.case_history.open(case_id, "zhangmin", CLERK)
    station.privacy.reveal_id_number(case_id, "zhaoli", SUPERVISOR)
    station.print_service.audit.exported([case_id], "zhaoli", export="x", file_format="csv")
    after = station.tally.tally(period, Grouping.CLERK)
    assert before.total[Figure.RECEIVED] == 1
    assert (after.rows, after.total) == (before.rows, before.total)
    assert station.tally.drill(after, None, Figure.RECEIVED)[0].case_id == case_id
