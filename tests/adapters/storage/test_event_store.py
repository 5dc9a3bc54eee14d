from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from datetime import UTC, date
from pathlib import Path

import pytest
import sqlalchemy as sa
import uuid6

from tests.adapters.storage.factories import (
    ID_NUMBER,
    STATION,
    STATION_CODE,
    accepted_draft,
    case_number,
    delivered_draft,
    received_draft,
)
from tests.adapters.storage.number_sequences import last_number
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.event_store import (
    DuplicateCaseNumber,
    InvalidDraft,
    SqliteEventStore,
)
from zhanhe_counter.domain.case import CaseStatus, IllegalTransition
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.ports.storage import (
    CaseQuery,
    EventIdConflict,
    OwedDocument,
    SyncState,
)


def _rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(sql).fetchall()


def test_station_sequence_is_gap_free_across_cases(store: SqliteEventStore) -> None:
    first = received_draft(number=case_number(1))
    recorded = [
        store.append(first),
        store.append(received_draft(number=case_number(2))),
        store.append(accepted_draft(first.case_id)),
        store.append(received_draft(station="410411-02", number=case_number(3))),
    ]
    assert [e.station_seq for e in recorded] == [1, 2, 3, 1]


def test_retry_returns_the_recorded_event_and_writes_no_second_row(
    store: SqliteEventStore, db_path: Path
) -> None:
    draft = received_draft()
    first = store.append(draft)
    again = store.append(draft)
    assert again == first
    assert _rows(db_path, "SELECT count(*) FROM case_event") == [(1,)]
    assert _rows(db_path, "SELECT last_seq FROM station_counter") == [(1,)]


def test_same_event_id_with_different_content_is_refused(
    store: SqliteEventStore, db_path: Path
) -> None:
    draft = received_draft()
    store.append(draft)
    changed = replace(draft, actor="someone-else")
    with pytest.raises(EventIdConflict):
        store.append(changed)
    assert _rows(db_path, "SELECT actor FROM case_event") == [("clerk01",)]


def test_illegal_transition_writes_nothing_and_uses_no_sequence(
    store: SqliteEventStore, db_path: Path
) -> None:
    opened = store.append(received_draft())
    with pytest.raises(IllegalTransition):
        store.append(delivered_draft(opened.case_id))
    assert _rows(db_path, "SELECT count(*) FROM case_event") == [(1,)]
    status = store.case_state(opened.case_id)
    assert status is not None
    assert status.status is CaseStatus.RECEIVED
    assert store.append(accepted_draft(opened.case_id)).station_seq == 2


def test_batch_is_all_or_nothing(store: SqliteEventStore, db_path: Path) -> None:
    good = received_draft()
    with pytest.raises(IllegalTransition):
        store.append_many([good, accepted_draft(good.case_id), delivered_draft(good.case_id)])
    assert _rows(db_path, "SELECT count(*) FROM case_event") == [(0,)]
    assert _rows(db_path, "SELECT count(*) FROM case_status") == [(0,)]
    recorded = store.append_many([good, accepted_draft(good.case_id)])
    assert [e.station_seq for e in recorded] == [1, 2]


def test_events_come_back_in_order_with_aware_utc_times(store: SqliteEventStore) -> None:
    draft = received_draft()
    accepted = accepted_draft(draft.case_id)
    store.append(draft)
    store.append(accepted)
    events = store.events_for_case(draft.case_id)
    assert [e.kind for e in events] == [EventKind.RECEIVED, EventKind.ACCEPTED]
    assert events[0].occurred_at == draft.occurred_at
    assert events[0].occurred_at.tzinfo is UTC
    assert events[0].payload == dict(draft.payload)
    assert store.events_for_case(uuid6.uuid7()) == []
    assert store.case_state(uuid6.uuid7()) is None


def test_projection_follows_the_events_and_masks_the_id(
    store: SqliteEventStore, db_path: Path
) -> None:
    draft = received_draft(number=case_number(7), name="李四")
    store.append(draft)
    store.append(accepted_draft(draft.case_id, promised_due=date(2026, 12, 24)))
    [summary] = store.find_cases(CaseQuery(case_number=case_number(7)))
    assert summary.status == CaseStatus.ACCEPTED.value
    assert summary.first_handler == "clerk01"
    assert summary.applicant_name == "李四"
    assert summary.applicant_id_masked == "410411********1234"
    assert summary.promised_due == date(2026, 12, 24)
    assert summary.received_at == draft.occurred_at
    assert summary.event_count == 2
    projection = _rows(db_path, "SELECT * FROM case_status")
    assert ID_NUMBER not in repr(projection)


def test_find_cases_filters(store: SqliteEventStore) -> None:
    a = received_draft(number=case_number(1), name="王小明", matter_id="M-A")
    b = received_draft(
        number=case_number(2), name="王大明", matter_id="M-B", id_number="41041119850505888X"
    )
    c = received_draft(number=case_number(3), name="赵六_%", matter_id="M-A")
    for draft in (a, b, c):
        store.append(draft)
    store.append(accepted_draft(b.case_id))

    def numbers(query: CaseQuery) -> set[str | None]:
        return {s.case_number for s in store.find_cases(query)}

    assert numbers(CaseQuery(applicant_name="王")) == {case_number(1), case_number(2)}
    assert numbers(CaseQuery(applicant_name="_%")) == {case_number(3)}
    assert numbers(CaseQuery(applicant_id_masked="410411********888X")) == {case_number(2)}
    assert numbers(CaseQuery(matter_id="M-A")) == {case_number(1), case_number(3)}
    assert numbers(CaseQuery(status="accepted")) == {case_number(2)}
    assert numbers(CaseQuery(matter_id="M-A", applicant_name="王")) == {case_number(1)}
    assert len(store.find_cases(CaseQuery(limit=2))) == 2
    assert len(store.find_cases(CaseQuery(limit=None))) == 3
    assert numbers(CaseQuery(first_handler="clerk01", exclude_statuses=("accepted",))) == {
        case_number(1),
        case_number(3),
    }
    assert numbers(CaseQuery(first_handler="someone-else")) == set()
    station = store.find_cases(CaseQuery(limit=1))[0].station_id
    assert len(store.find_cases(CaseQuery(station_id=station))) == 3
    assert numbers(CaseQuery(station_id="other-station")) == set()


def test_unsynced_events_and_marking(store: SqliteEventStore) -> None:
    recorded = [store.append(received_draft()) for _ in range(4)]
    assert [e.station_seq for e in store.unsynced_events(10)] == [1, 2, 3, 4]
    assert store.mark_synced([recorded[0].event_id, recorded[1].event_id], SyncState.SENT) == 2
    assert store.mark_synced([recorded[2].event_id], SyncState.REJECTED, "bad matter") == 1
    assert [e.station_seq for e in store.unsynced_events(10)] == [4]
    assert store.unsynced_events(0) == []
    states = store.sync_states([e.event_id for e in recorded])
    assert states[recorded[0].event_id] is SyncState.SENT
    assert states[recorded[2].event_id] is SyncState.REJECTED
    assert states[recorded[3].event_id] is SyncState.LOCAL
    assert store.mark_synced([], SyncState.CONFIRMED) == 0


def test_naive_time_and_non_json_payload_are_refused(store: SqliteEventStore) -> None:
    draft = received_draft()
    with pytest.raises(InvalidDraft):
        store.append(replace(draft, occurred_at=draft.occurred_at.replace(tzinfo=None)))
    with pytest.raises(InvalidDraft):
        store.append(replace(draft, payload={**draft.payload, "blob": object()}))


def test_record_numbered_commits_number_and_event_together(
    store: SqliteEventStore, engine: sa.Engine
) -> None:
    day = date(2026, 11, 26)
    event_id = uuid6.uuid7()

    def build(seq: int) -> object:
        return received_draft(event_id=event_id, number=case_number(seq, day))

    first = store.record_numbered(event_id, STATION_CODE, "S", day, build)  # type: ignore[arg-type]
    assert first.payload["case_number"] == case_number(1, day)
    # A retry after a lost answer: the stored event, no second number.
    assert store.record_numbered(event_id, STATION_CODE, "S", day, build) == first  # type: ignore[arg-type]
    assert last_number(engine, STATION_CODE, "S", day) == 1

    # A receipt the state machine refuses leaves the number unused.
    bad_id = uuid6.uuid7()

    def build_bad(seq: int) -> object:
        draft = received_draft(event_id=bad_id, number=case_number(seq, day))
        return replace(draft, kind=EventKind.DELIVERED)

    with pytest.raises(IllegalTransition):
        store.record_numbered(bad_id, STATION_CODE, "S", day, build_bad)  # type: ignore[arg-type]
    assert last_number(engine, STATION_CODE, "S", day) == 1

    second_id = uuid6.uuid7()
    second = store.record_numbered(
        second_id,
        STATION_CODE,
        "S",
        day,
        lambda seq: received_draft(event_id=second_id, number=case_number(seq, day)),
    )
    assert second.payload["case_number"] == case_number(2, day)


def test_record_numbered_rejects_a_builder_with_another_event_id(store: SqliteEventStore) -> None:
    with pytest.raises(InvalidDraft):
        store.record_numbered(
            uuid6.uuid7(), STATION_CODE, "S", date(2026, 11, 26), lambda _seq: received_draft()
        )


def test_a_case_number_is_never_used_by_two_cases(store: SqliteEventStore, db_path: Path) -> None:
    store.append(received_draft(number=case_number(5)))
    with pytest.raises(DuplicateCaseNumber) as caught:
        store.append(received_draft(number=case_number(5)))
    assert "受理编号" in caught.value.user_message
    assert _rows(db_path, "SELECT count(*) FROM case_event") == [(1,)]
    assert _rows(db_path, "SELECT last_seq FROM station_counter") == [(1,)]


def test_two_writers_on_separate_connections_keep_the_sequence_gap_free(db_path: Path) -> None:
    engines = [open_local_database(db_path) for _ in range(2)]
    errors: list[BaseException] = []

    def write(engine: sa.Engine) -> None:
        writer = SqliteEventStore(engine)
        try:
            for _ in range(40):
                writer.append(received_draft())
        except BaseException as error:  # reported below; a thread cannot fail the test itself
            errors.append(error)

    threads = [threading.Thread(target=write, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()
    assert errors == []
    seqs = [
        row[0]
        for row in _rows(
            db_path, f"SELECT station_seq FROM case_event WHERE station_id = '{STATION}' ORDER BY 1"
        )
    ]
    assert seqs == list(range(1, 81))


def _owed_clerks(engine: sa.Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT kind, clerk_name FROM owed_document ORDER BY kind"
        )
        return [(str(kind), str(name)) for kind, name in rows]


def test_owed_documents_commit_with_the_events_and_a_retry_keeps_the_first(
    store: SqliteEventStore, engine: sa.Engine
) -> None:
    opened = received_draft()
    request = uuid6.uuid7()

    def owed(kind: str, clerk: str) -> OwedDocument:
        return OwedDocument(opened.case_id, kind, request, "clerk01", clerk)

    with pytest.raises(IllegalTransition):  # the batch is refused: its papers are not owed
        store.append_many([opened, delivered_draft(opened.case_id)], owed=[owed("receipt", "张")])
    assert _owed_clerks(engine) == []
    store.append(opened, owed=[owed("receipt", "张"), owed("checklist", "张")])
    store.append(opened, owed=[owed("receipt", "李")])  # a retry: the event and the row stay
    assert _owed_clerks(engine) == [("checklist", "张"), ("receipt", "张")]
    assert len(store.events_for_case(opened.case_id)) == 1
