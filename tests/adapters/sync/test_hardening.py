"""Follow-up of issue 7: set-wise push, pull under a backlog, dead peers, hlc, tally index."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
import sqlalchemy as sa
import uuid6

from tests.adapters.storage.factories import accepted_draft, received_draft
from tests.adapters.sync.chaos_proxy import ChaosProxy
from tests.adapters.sync.helpers import admin, backoffice_event, central_rows, make_station
from tests.pg import PgCluster
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.adapters.storage.sync_outbox import SqliteSyncOutbox
from zhanhe_counter.adapters.storage.tables import case_event
from zhanhe_counter.adapters.sync.central_client import PostgresSyncSession, PostgresSyncTarget
from zhanhe_counter.adapters.sync.connection import CentralAddress
from zhanhe_counter.adapters.tally.facts_sql import POSTGRES
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.ports.sync import (
    CentralUnreachable,
    OutboundEvent,
    PushBatch,
    PushResult,
    StationDatabaseMismatch,
    SyncError,
)
from zhanhe_counter.services.sync_engine import SyncEngine

# ------------------------------------------------------------------------ set-wise push


def test_a_failed_batch_does_not_poison_the_next_one_on_the_same_session(
    central_url: str, tmp_path: Path
) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(2)
    assert station.run().errors == []
    original = station.store.events_for_case(station.case_ids[0])[0]
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
        payload={},
    )
    station.record_cases(3)
    batch = station.outbox.next_batch(10)
    assert batch is not None
    session = PostgresSyncTarget(station.address).connect()
    try:
        with pytest.raises(StationDatabaseMismatch):
            session.push(PushBatch((), (impostor,)))
        result = session.push(batch)
        again = session.push(batch)
    finally:
        session.close()

    assert (result.inserted, result.duplicates, result.rejected) == (3, 0, ())
    assert (again.inserted, again.duplicates, again.rejected) == (0, 3, ())
    # Both answers name every event of the batch as stored: each confirms it without the echo.
    batch_ids = {e.event_id for e in batch.events}
    assert {c.event_id for c in result.stored} == batch_ids
    assert again.stored == result.stored
    rows = central_rows(central_url, station.station_id)
    assert [r[2] for r in rows] == [1, 2, 3, 4, 5]
    assert impostor.event_id not in {r[0] for r in rows}
    station.dispose()


def test_a_pushed_batch_cannot_carry_another_stations_rows(
    central_url: str, tmp_path: Path
) -> None:
    a = make_station(central_url, tmp_path, "410411-01")
    b = make_station(central_url, tmp_path, "410411-02")
    a.record_cases(2)
    b.record_cases(2)
    assert a.run().errors == []
    a.record_cases(1)
    a_batch = a.outbox.next_batch(10)
    b_batch = b.outbox.next_batch(10)
    assert a_batch is not None
    assert b_batch is not None
    session = PostgresSyncTarget(b.address).connect()
    try:
        # A's events and case rows sent with B's login.
        with pytest.raises(SyncError):
            session.push(a_batch)
        # B's own origin, but on a case A owns and the centre did not route to B: refused
        # and reported (B's queue goes on), never stored.
        on_a_case = OutboundEvent(
            **{**_fields(b_batch.events[0]), "event_id": uuid6.uuid7(), "case_id": a.case_ids[0]}
        )
        refused = session.push(PushBatch((), (on_a_case,)))
        assert refused.inserted == 0
        assert [r.code for r in refused.rejected] == ["not_routed"]
        landed = session.push(b_batch)  # and the session still works for its own rows
    finally:
        session.close()

    assert landed.inserted == 2
    assert len(central_rows(central_url, a.station_id)) == 2
    assert len(central_rows(central_url, b.station_id)) == 2
    a.dispose()
    b.dispose()


def _fields(event: OutboundEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in OutboundEvent.__dataclass_fields__}


# ------------------------------------------------------------------- pull under a backlog


class _CutAfterPushes:
    """A real target whose network path is cut (chaos proxy) before the n-th push."""

    def __init__(self, target: PostgresSyncTarget, proxy: ChaosProxy, pushes: int) -> None:
        self._target = target
        self._proxy = proxy
        self._left = pushes

    def connect(self) -> _CuttingSession:
        return _CuttingSession(self._target.connect(), self)

    def before_push(self) -> None:
        self._left -= 1
        if self._left < 0:
            self._proxy.cut()


class _CuttingSession:
    def __init__(self, inner: PostgresSyncSession, owner: _CutAfterPushes) -> None:
        self._inner = inner
        self._owner = owner
        self.hello = inner.hello
        self.pull_events = inner.pull_events
        self.pull_reference = inner.pull_reference
        self.check_key = inner.check_key
        self.rejections = inner.rejections
        self.close = inner.close

    def push(self, batch: PushBatch) -> PushResult:
        self._owner.before_push()
        return self._inner.push(batch)


def test_backoffice_answers_arrive_while_a_backlog_is_cut_short(
    central_url: str, pg_cluster: PgCluster, tmp_path: Path
) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(1)
    assert station.run().errors == []
    decided_case = station.case_ids[0]
    with admin(central_url) as conn:
        backoffice_event(conn, decided_case, EventKind.ACCEPTED)
    station.record_cases(300)  # a backlog the link will not carry in one session

    with ChaosProxy("127.0.0.1", pg_cluster.port) as proxy:
        via = CentralAddress(
            "127.0.0.1",
            proxy.port,
            station.address.dbname,
            station.address.user,
            station.address.password,
        )
        engine = SyncEngine(
            _CutAfterPushes(PostgresSyncTarget(via), proxy, pushes=2),
            station.outbox,
            station.sync._clock,
            "0.1.0",
            batch_size=100,
            pull_page=1000,
        )
        report = engine.run_once()

    assert report.errors  # the cut ended the session mid-backlog
    assert report.pushed == 200
    assert station.outbox.summary().pending == 100
    assert report.added == 1  # ...but the back office's answer had already come down
    state = station.store.case_state(decided_case)
    assert state is not None
    assert state.status == "accepted"
    station.dispose()


# ----------------------------------------------------------------------------- dead peers


def test_a_path_that_swallows_traffic_fails_instead_of_hanging(
    central_url: str, pg_cluster: PgCluster, tmp_path: Path
) -> None:
    station = make_station(central_url, tmp_path)
    outcome: list[BaseException | None] = []
    with ChaosProxy("127.0.0.1", pg_cluster.port) as proxy:
        via = CentralAddress(
            "127.0.0.1",
            proxy.port,
            station.address.dbname,
            station.address.user,
            station.address.password,
        )
        session = PostgresSyncTarget(via, operation_timeout=1.0).connect()
        proxy.mode = "blackhole"  # the kernel still ACKs; nothing reaches the server

        def hello() -> None:
            try:
                session.hello("0.1.0", datetime.now(UTC))
                outcome.append(None)
            except BaseException as error:  # handed to the test thread
                outcome.append(error)

        worker = threading.Thread(target=hello, daemon=True)
        worker.start()
        worker.join(timeout=60)  # liveness bound only: without the watchdog this never ends
        proxy.mode = "pass"
        session.close()

    assert not worker.is_alive()
    assert len(outcome) == 1
    assert isinstance(outcome[0], CentralUnreachable)
    assert "中心" in outcome[0].user_message
    station.dispose()


def test_the_server_watches_station_sessions_for_dead_peers(
    central_url: str, tmp_path: Path
) -> None:
    station = make_station(central_url, tmp_path)
    with psycopg.connect(station.address.conninfo("test")) as conn:
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()
            for name in (
                "tcp_keepalives_idle",
                "tcp_keepalives_interval",
                "tcp_keepalives_count",
                "tcp_user_timeout",
            )
        }
    assert settings == {
        "tcp_keepalives_idle": ("10",),
        "tcp_keepalives_interval": ("3",),
        "tcp_keepalives_count": ("3",),
        "tcp_user_timeout": ("10000",),
    }
    station.dispose()


# -------------------------------------------------------------------------------------- hlc


class _SettableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _hlcs(engine: sa.Engine) -> dict[UUID, int]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(case_event.c.event_id, case_event.c.hlc)).all()
    return {r[0]: int(r[1]) for r in rows}


def test_hlc_is_written_and_never_runs_backwards(tmp_path: Path) -> None:
    engine = open_local_database(tmp_path / "s.sqlite3")
    clock = _SettableClock(datetime(2026, 11, 26, 2, 0, tzinfo=UTC))
    store = SqliteEventStore(engine, clock)
    try:
        first = store.append_many([received_draft(number=f"N{i}") for i in range(3)])
        clock.now -= timedelta(hours=1)  # someone set the PC's clock back
        later = store.append_many([received_draft(number=f"M{i}") for i in range(3)])
        hlcs = _hlcs(engine)
        ordered = [hlcs[e.event_id] for e in sorted(first + later, key=lambda e: e.station_seq)]

        assert ordered == sorted(set(ordered))  # strictly increasing with the station number
        wall_ms = int(datetime(2026, 11, 26, 2, 0, tzinfo=UTC).timestamp() * 1000)
        assert ordered[0] >> 16 == wall_ms
        batch = SqliteSyncOutbox(engine, first[0].station_id).next_batch(10)
        assert batch is not None
        assert [e.hlc for e in batch.events] == ordered  # pushed as stored, no fallback
    finally:
        engine.dispose()


def test_hlc_of_a_case_moves_past_a_later_clock_already_in_the_case(tmp_path: Path) -> None:
    engine = open_local_database(tmp_path / "s.sqlite3")
    store = SqliteEventStore(engine, _SettableClock(datetime(2026, 11, 26, 2, 0, tzinfo=UTC)))
    try:
        received = store.append(received_draft())
        ahead = (int(datetime(2026, 11, 27, tzinfo=UTC).timestamp() * 1000) << 16) + 5
        with engine.begin() as conn:  # as if the back office's clock had stamped the case
            conn.execute(
                sa.update(case_event)
                .where(case_event.c.event_id == received.event_id)
                .values(hlc=ahead)
            )
        accepted = store.append(accepted_draft(received.case_id))
        assert _hlcs(engine)[accepted.event_id] == ahead + 1
    finally:
        engine.dispose()


# ---------------------------------------------------------------------- central tally index


def test_the_promised_date_figure_finds_its_cases_by_index(central_url: str) -> None:
    candidates = POSTGRES.promised_candidates()
    query = "EXPLAIN " + candidates.replace(":first_text", "%(first_text)s").replace(
        ":after_text", "%(after_text)s"
    )
    with psycopg.connect(central_url) as conn:
        # A projection with some history, analysed, so the planner picks by real costs among
        # the table's indexes.
        conn.execute(
            "INSERT INTO tally_event (event_id, case_id, kind, origin, occurred_at, service_day,"
            " station, clerk, matter, variant, due)"
            " SELECT gen_random_uuid(), gen_random_uuid(), (ARRAY['received', 'accepted',"
            " 'decided', 'delivered'])[1 + i % 4], 's', now(), current_date, 's', 'c', 'm', NULL,"
            " to_char(date '2026-01-01' + i % 400, 'YYYY-MM-DD') FROM generate_series(1, 20000) i"
        )
        conn.execute("ANALYZE tally_event")
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                query, {"first_text": "2026-12-01", "after_text": "2027-01-01"}
            ).fetchall()
        )
    assert "ix_tally_event_promised_due" in plan, plan
