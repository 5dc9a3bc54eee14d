"""Push, pull and handshake against a real PostgreSQL (docs/sync.md, Fault injection)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
import uuid6

from tests.adapters.storage.factories import accepted_draft
from tests.adapters.sync.helpers import (
    admin,
    backoffice_event,
    central_rows,
    make_station,
)
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.adapters.sync.central_client import PostgresSyncTarget
from zhanhe_counter.domain import payloads
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.ports.sync import (
    CaseSyncBadge,
    OutboundEvent,
    PullCursor,
    PushBatch,
    StationDatabaseMismatch,
    SyncProblem,
)


def test_one_session_pushes_everything_and_the_echo_confirms_it(
    central_url: str, tmp_path: Path
) -> None:
    station = make_station(central_url, tmp_path)
    ids = station.record_cases(25)

    report = station.run()

    assert report.errors == []
    assert report.pushed == 25
    rows = central_rows(central_url, station.station_id)
    assert [r[2] for r in rows] == list(range(1, 26))
    assert {r[0] for r in rows} == set(ids)
    assert set(station.states().values()) == {"confirmed"}
    assert report.confirmed == 25
    badges = station.outbox.case_badges(station.case_ids)
    assert set(badges.values()) == {CaseSyncBadge.CONFIRMED}
    station.dispose()


def test_same_batches_three_times_shuffled_land_once(central_url: str, tmp_path: Path) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(300)
    first = station.outbox.next_batch(300)
    assert first is not None
    batches = [
        PushBatch(first.cases, first.events[i : i + 30]) for i in range(0, len(first.events), 30)
    ]
    deliveries = batches * 3
    random.Random(7).shuffle(deliveries)
    session = PostgresSyncTarget(station.address).connect()
    try:
        inserted = sum(session.push(batch).inserted for batch in deliveries)
    finally:
        session.close()

    rows = central_rows(central_url, station.station_id)
    assert inserted == 300
    assert len(rows) == 300
    assert len({r[0] for r in rows}) == 300
    assert sorted(r[2] for r in rows) == list(range(1, 301))
    station.dispose()


def test_reused_station_number_with_a_new_event_id_is_a_loud_error(
    central_url: str, tmp_path: Path
) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(3)
    assert station.run().errors == []
    batch = station.outbox.next_batch(10)
    assert batch is None  # nothing waiting any more

    original = station.store.events_for_case(station.case_ids[1])[0]
    impostor = OutboundEvent(
        event_id=uuid6.uuid7(),
        case_id=original.case_id,
        origin=station.station_id,
        origin_seq=original.station_seq,
        kind="received",
        occurred_at=datetime.now(UTC),
        service_day=datetime.now(UTC).date(),
        hlc=1,
        actor="clerk01",
        schema_version=1,
        payload={"x": 1},
    )
    session = PostgresSyncTarget(station.address).connect()
    try:
        with pytest.raises(StationDatabaseMismatch) as raised:
            session.push(PushBatch((), (impostor,)))
    finally:
        session.close()
    assert "管理员" in raised.value.user_message
    assert len(central_rows(central_url, station.station_id)) == 3
    station.dispose()


def test_station_restored_from_an_old_backup_stops_loudly(central_url: str, tmp_path: Path) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(5)
    assert station.run().errors == []
    # Same station id, empty database: as if the PC were reinstalled from an old backup.
    clone = make_station(central_url, tmp_path / "clone", station.station_id)
    clone.record_cases(2)

    report = clone.run()

    assert report.problem is SyncProblem.STATION_MISMATCH
    assert not report.retryable
    assert len(central_rows(central_url, station.station_id)) == 5
    assert clone.outbox.summary().pending == 2  # nothing was marked sent
    station.dispose()
    clone.dispose()


def test_lost_acknowledgements_are_recovered_by_the_handshake(
    central_url: str, tmp_path: Path
) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(40)
    batch = station.outbox.next_batch(25)
    assert batch is not None
    session = PostgresSyncTarget(station.address).connect()
    try:
        session.push(batch)  # COMMIT landed; the answer "never arrived": no acknowledge()
    finally:
        session.close()
    assert station.outbox.push_mark() == 0

    report = station.run()

    assert report.errors == []
    assert report.acks_recovered == 25
    assert report.pushed == 15  # only the rest travelled again
    assert report.duplicates == 0
    rows = central_rows(central_url, station.station_id)
    assert sorted(r[2] for r in rows) == list(range(1, 41))
    assert set(station.states().values()) == {"confirmed"}
    station.dispose()


def test_central_restored_from_an_older_backup_gets_everything_again(
    central_url: str, tmp_path: Path
) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(30)
    assert station.run().errors == []
    with admin(central_url) as conn:
        # The newest ten rows never made it into the backup that was restored.
        conn.execute(
            "DELETE FROM case_event WHERE origin = %s AND origin_seq > 20", (station.station_id,)
        )

    report = station.run()

    assert report.resent == 10
    assert report.pushed == 10
    rows = central_rows(central_url, station.station_id)
    assert sorted(r[2] for r in rows) == list(range(1, 31))
    assert set(station.states().values()) == {"confirmed"}
    station.dispose()


def test_commit_order_gap_loses_nothing(central_url: str, tmp_path: Path) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(2)
    assert station.run().errors == []
    first_case, second_case = station.case_ids

    t1 = admin(central_url)
    t2 = admin(central_url)
    try:
        t1.execute("BEGIN")
        early = backoffice_event(t1, first_case)  # takes the lower server_seq, commits last
        with t2.transaction():
            late = backoffice_event(t2, second_case)
        naive_cursor = _naive_cursor(central_url)

        first_pull = station.run()
        states_between = station.store.case_state(second_case)
        t1.execute("COMMIT")
        second_pull = station.run()
    finally:
        t1.close()
        t2.close()

    assert first_pull.errors == second_pull.errors == []
    # While T1 was open the horizon held both rows back (delay, not loss).
    assert states_between is not None
    assert states_between.status == "received"
    assert first_pull.added == 0
    assert second_pull.added == 2
    for case_id in (first_case, second_case):
        state = station.store.case_state(case_id)
        assert state is not None
        assert state.status == "accepted"
    ids = {e.event_id for c in (first_case, second_case) for e in station.store.events_for_case(c)}
    assert {early, late} <= ids
    # Regression guard: the naive "server_seq > cursor" poll would have skipped T1's row.
    with psycopg.connect(central_url) as conn:
        after = conn.execute(
            "SELECT event_id FROM case_event WHERE server_seq > %s", (naive_cursor,)
        ).fetchall()
    assert early not in {r[0] for r in after}
    station.dispose()


def _naive_cursor(central_url: str) -> int:
    with psycopg.connect(central_url) as conn:
        row = conn.execute("SELECT max(server_seq) FROM case_event").fetchone()
    assert row is not None
    return int(row[0])


def test_backoffice_decision_reaches_the_counter(central_url: str, tmp_path: Path) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(1)
    assert station.run().errors == []
    case_id = station.case_ids[0]
    with admin(central_url) as conn:
        event_id = backoffice_event(conn, case_id, EventKind.ACCEPTED)

    report = station.run()

    assert report.added == 1
    state = station.store.case_state(case_id)
    assert state is not None
    assert state.status == "accepted"
    stored = [e for e in station.store.events_for_case(case_id) if e.event_id == event_id]
    assert stored
    assert stored[0].station_id == "central"
    assert station.outbox.case_badges([case_id])[case_id] is CaseSyncBadge.CONFIRMED
    # Pulling again is harmless: the cursor moved with the data.
    again = station.run()
    assert again.pulled == 0
    assert len(station.store.events_for_case(case_id)) == 2
    station.dispose()


def test_incompatible_backoffice_fact_is_kept_and_flagged(central_url: str, tmp_path: Path) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(1)
    assert station.run().errors == []
    case_id = station.case_ids[0]
    decided = payloads.decided_payload(approved=True, reasons=["材料齐全"])
    with admin(central_url) as conn:
        # A decision on a case this PC has not seen accepted: the state machine refuses it.
        event_id = backoffice_event(conn, case_id, EventKind.DECIDED, decided)

    report = station.run()

    assert report.conflicts == 1
    state = station.store.case_state(case_id)
    assert state is not None
    assert state.status == "received"
    assert station.outbox.case_badges([case_id])[case_id] is CaseSyncBadge.NEEDS_ATTENTION
    items = station.outbox.outbox_items()
    flagged = [i for i in items if i.event_id == event_id]
    assert flagged
    assert flagged[0].badge is CaseSyncBadge.NEEDS_ATTENTION
    assert flagged[0].message
    assert station.outbox.summary().conflicts == 1
    station.dispose()


def test_refused_event_is_recorded_shown_and_does_not_block_the_queue(
    central_url: str, tmp_path: Path
) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(2)
    refused_case = station.case_ids[0]
    accepted = accepted_draft(refused_case, station=station.station_id)
    station.store.append(accepted)
    station.record_cases(2)  # events after the refused one still travel
    with admin(central_url) as conn:
        conn.execute(
            "UPDATE event_kind_policy SET station_may_emit = false WHERE kind = 'accepted'"
        )

    report = station.run()

    assert report.errors == []
    assert report.pushed == 4
    assert report.rejected == 1
    states = station.states()
    assert states[accepted.event_id] == "rejected"
    assert list(states.values()).count("confirmed") == 4
    badges = station.outbox.case_badges(station.case_ids)
    assert badges[refused_case] is CaseSyncBadge.REJECTED
    rejected_items = [i for i in station.outbox.outbox_items() if i.badge is CaseSyncBadge.REJECTED]
    assert [i.event_id for i in rejected_items] == [accepted.event_id]
    assert rejected_items[0].message
    assert "accepted" in rejected_items[0].message
    # The refusal counts as "held" for the handshake: no endless re-sending.
    again = station.run()
    assert again.pushed == 0
    assert again.acks_recovered == 0
    assert again.resent == 0
    station.dispose()


def test_epoch_bump_after_restore_resets_the_pull_cursors(central_url: str, tmp_path: Path) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(3)
    assert station.run().errors == []
    assert station.outbox.events_cursor() != PullCursor()
    with admin(central_url) as conn:
        conn.execute("INSERT INTO sync_epoch (epoch) VALUES (2)")

    report = station.run()

    assert report.cursors_reset
    assert report.pulled == 3  # everything pulled again, idempotently
    assert set(station.states().values()) == {"confirmed"}
    station.dispose()


def test_too_old_client_keeps_recording_but_does_not_sync(central_url: str, tmp_path: Path) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(2)
    with admin(central_url) as conn:
        conn.execute("UPDATE central_setting SET value = '9.0' WHERE key = 'min_client_version'")

    report = station.run()

    assert report.problem is SyncProblem.CLIENT_TOO_OLD
    assert "升级" in report.errors[0]
    assert central_rows(central_url, station.station_id) == []
    assert station.outbox.summary().pending == 2
    station.dispose()


def test_sessions_are_kept_for_the_outbox_screen(central_url: str, tmp_path: Path) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(4)
    station.run()
    station.run()
    sessions = station.outbox.sessions()
    assert [s.pushed for s in sessions] == [0, 4]
    assert all(s.error is None for s in sessions)
    station.dispose()


def test_unknown_station_database_reads_as_fresh(tmp_path: Path) -> None:
    engine = open_local_database(tmp_path / "x.sqlite3")
    store = SqliteEventStore(engine)
    from zhanhe_counter.adapters.storage.sync_outbox import SqliteSyncOutbox

    outbox = SqliteSyncOutbox(engine, "410411-09")
    assert outbox.push_mark() == 0
    assert outbox.next_batch(10) is None
    assert outbox.events_cursor() == PullCursor()
    summary = outbox.summary()
    assert (summary.pending, summary.rejected, summary.last_push_ok_at) == (0, 0, None)
    assert store.find_cases.__name__ == "find_cases"
    engine.dispose()


def _uuid(value: object) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
