"""Sync throughput against the real PostgreSQL (docs/sync.md, Measurements).

1. Pushing 10,000 station events through the whole sync session (read the SQLite outbox, batches
   of ``PUSH_BATCH`` in one central transaction each, move the mark, pull the echoes back and
   confirm them) as a ratio to a bare ``COPY`` of the same rows into a table of the same shape,
   in this run.
2. 10,000 events per second through the in-test proxy adding ~50 ms round trips, as a ratio to
   one transaction per event through the same proxy (the floor batching exists to beat).

The test cluster runs with ``fsync=off``; the ratios, not the absolute numbers, carry over.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
import uuid6
from psycopg.types.json import Jsonb

from tests import pg
from tests.adapters.sync.chaos_proxy import ChaosProxy
from tests.adapters.sync.helpers import StationPC, make_station
from zhanhe_counter.adapters.storage.tables import case_event, case_status, station_counter
from zhanhe_counter.adapters.sync.central_client import PostgresSyncTarget
from zhanhe_counter.adapters.sync.connection import CentralAddress
from zhanhe_counter.services.ports.sync import PushBatch
from zhanhe_counter.services.sync_engine import PULL_PAGE, PUSH_BATCH, SyncEngine

pg_cluster = pg.pg_cluster
central_url = pg.central_url

EVENTS = 10_000
WAN_EVENTS = 10_000
WAN_FLOOR_EVENTS = 20
HALF_RTT = 0.025


def bulk_fill(station: StationPC, n: int) -> None:
    """``n`` received cases written straight into the station tables, as the store writes them.

    Recording through the store costs about a millisecond per case (replay and projection) and
    is not what this benchmark measures; the rows are the same shape.
    """
    start = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    statuses, events = [], []
    for seq in range(1, n + 1):
        case_id, at = uuid6.uuid7(), start + timedelta(seconds=seq)
        statuses.append(
            {
                "case_id": case_id,
                "case_number": f"B{seq:07d}",
                "matter_id": "M-001",
                "status": "received",
                "first_handler": "clerk01",
                "station_id": station.station_id,
                "applicant_name": "张三",
                "applicant_id_masked": "410411********1234",
                "received_at": at,
                "promised_due": None,
                "rongque_due": None,
                "updated_at": at,
                "last_station_seq": seq,
                "event_count": 1,
                "needs_attention": False,
            }
        )
        events.append(
            {
                "event_id": uuid6.uuid7(),
                "case_id": case_id,
                "case_pos": 1,
                "kind": "received",
                "station_id": station.station_id,
                "station_seq": seq,
                "actor": "clerk01",
                "occurred_at": at,
                "recorded_at": at,
                "payload": {
                    "case_number": f"B{seq:07d}",
                    "matter_id": "M-001",
                    "applicant": {"name": "张三"},
                    "materials": [],
                    "flow": "receive_only",
                    "promised_due": None,
                },
                "sync_state": "local",
            }
        )
    with station.engine.begin() as conn:
        conn.execute(sa.insert(case_status), statuses)
        conn.execute(sa.insert(case_event), events)
        conn.execute(
            sa.insert(station_counter), [{"station_id": station.station_id, "last_seq": n}]
        )


def _copy_floor(central_url: str, batch: PushBatch) -> float:
    columns = (
        "event_id, case_id, origin, origin_seq, kind, occurred_at, service_day, hlc, actor, "
        "schema_version, payload"
    )
    with psycopg.connect(central_url) as conn:
        conn.execute("CREATE TABLE copy_floor (LIKE case_event INCLUDING ALL)")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(f"COPY copy_floor ({columns}) FROM STDIN") as cp:
            for e in batch.events:
                cp.write_row(
                    (
                        e.event_id,
                        e.case_id,
                        e.origin,
                        e.origin_seq,
                        e.kind,
                        e.occurred_at,
                        e.service_day,
                        e.hlc,
                        e.actor,
                        e.schema_version,
                        Jsonb(dict(e.payload)),
                    )
                )
        conn.commit()
        return time.perf_counter() - started


@pytest.mark.bench
def test_bench_push_10k_vs_copy(central_url: str, tmp_path: Path) -> None:
    station = make_station(central_url, tmp_path, batch_size=PUSH_BATCH, pull_page=PULL_PAGE)
    bulk_fill(station, EVENTS)
    everything = station.outbox.next_batch(EVENTS)
    assert everything is not None
    floor = _copy_floor(central_url, everything)

    started = time.perf_counter()
    report = station.run()
    elapsed = time.perf_counter() - started

    assert report.errors == []
    assert report.pushed == EVENTS
    assert report.confirmed == EVENTS
    rate = EVENTS / elapsed
    floor_rate = EVENTS / floor
    print(
        f"\nBENCH sync_push_10k events_per_s={rate:,.0f} (push+echo+confirm, batches of "
        f"{PUSH_BATCH}, pull pages of {PULL_PAGE}) "
        f"copy_rows_per_s={floor_rate:,.0f} ratio={rate / floor_rate:.2f} vs bare COPY"
    )
    station.dispose()


@pytest.mark.bench
def test_bench_push_through_50ms_round_trips(
    central_url: str, pg_cluster: pg.PgCluster, tmp_path: Path
) -> None:
    station = make_station(central_url, tmp_path)
    bulk_fill(station, WAN_EVENTS + WAN_FLOOR_EVENTS)
    with ChaosProxy("127.0.0.1", pg_cluster.port, latency=HALF_RTT) as proxy:
        via = CentralAddress(
            "127.0.0.1",
            proxy.port,
            station.address.dbname,
            station.address.user,
            station.address.password,
        )
        # Floor: one central transaction per event, the way batching is meant to avoid.
        first = station.outbox.next_batch(WAN_FLOOR_EVENTS)
        assert first is not None
        session = PostgresSyncTarget(via).connect()
        try:
            started = time.perf_counter()
            for event in first.events:
                cases = tuple(c for c in first.cases if c.case_id == event.case_id)
                session.push(PushBatch(cases, (event,)))
            floor = time.perf_counter() - started
            started = time.perf_counter()
            session.rejections([first.events[0].event_id])  # one small transaction
            rtt_probe = time.perf_counter() - started
        finally:
            session.close()

        engine = SyncEngine(PostgresSyncTarget(via), station.outbox, station.sync._clock, "0.1.0")
        started = time.perf_counter()
        report = engine.run_once()
        elapsed = time.perf_counter() - started

    assert report.errors == []
    assert report.pushed == WAN_EVENTS  # the floor's events were acknowledged by the handshake
    rate = WAN_EVENTS / elapsed
    floor_rate = WAN_FLOOR_EVENTS / floor
    print(
        f"\nBENCH sync_push_wan_50ms events_per_s={rate:,.0f} ({WAN_EVENTS:,} events, session"
        f" incl. handshake and pull, batches of {PUSH_BATCH}) "
        f"one_txn_per_event_per_s={floor_rate:,.1f} ratio={rate / floor_rate:.1f} "
        f"(one small transaction {rtt_probe * 1000:.0f} ms)"
    )
    station.dispose()
