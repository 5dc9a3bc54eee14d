"""The hall across PCs, measured against the real PostgreSQL (issue 16).

1. Answer latency between two stations through the centre: the back-office desk records an
   answer; how long until it is in the counter's own database, each PC running its real sync
   worker woken by the centre's NOTIFY — on loopback and through the in-test proxy adding ~50 ms
   round trips. Target: p95 within 3 s.
2. Rows read per row returned by a pull, with 50 stations' history at the centre: the station's
   pull (``pull_routed``, as deployed) against the predicate it replaced (every event after the
   cursor, each checked against the station's cases). Target: ≤ 2. Read from ``EXPLAIN ANALYZE``:
   every row a scan produced or filtered away, over the rows the query returned.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
import sqlalchemy as sa
import uuid6
from psycopg.types.json import Jsonb

from tests import pg
from tests.adapters.sync.chaos_proxy import ChaosProxy
from tests.adapters.sync.helpers import StationPC, SystemClock, admin, make_station
from zhanhe_counter.adapters.storage.tables import case_event
from zhanhe_counter.adapters.sync.connection import CentralAddress, parse_central_url
from zhanhe_counter.adapters.sync.wakeup import PostgresWakeups
from zhanhe_counter.domain import payloads
from zhanhe_counter.domain.events import EventDraft, EventKind
from zhanhe_counter.services.sync_worker import SyncWorker

pg_cluster = pg.pg_cluster
central_url = pg.central_url

ANSWERS = 20
DEPARTMENT = "湛河区民政局"
STATIONS = 50
CASES_PER_STATION = 200
HALF_RTT = 0.025


def _via(address: CentralAddress, proxy: ChaosProxy | None) -> CentralAddress:
    if proxy is None:
        return address
    return CentralAddress(
        host="127.0.0.1",
        port=proxy.port,
        dbname=address.dbname,
        user=address.user,
        password=address.password,
    )


def _worker(pc: StationPC, via: CentralAddress) -> tuple[SyncWorker, PostgresWakeups]:
    wakeups = PostgresWakeups(via, via.user or "")
    worker = SyncWorker(pc.sync, SystemClock(), wakeups=wakeups)
    pc.store.after_write.append(worker.notify_write)
    return worker, wakeups


def _holds(pc: StationPC, event_id: UUID) -> bool:
    with pc.engine.connect() as conn:
        return (
            conn.execute(
                sa.select(case_event.c.event_id).where(case_event.c.event_id == event_id)
            ).first()
            is not None
        )


def _answer_latencies(central_url: str, tmp_path: Path, proxy: ChaosProxy | None) -> list[float]:
    via = None if proxy is None else CentralAddress("127.0.0.1", proxy.port, "-")
    counter = make_station(
        central_url,
        tmp_path,
        "QZX-W01",
        via=via,
        roles="counter",
        hall="QZX",
        departments={"M-001": DEPARTMENT},
    )
    desk = make_station(
        central_url, tmp_path, "QZX-BO", via=via, roles=f"backoffice={DEPARTMENT}", hall="QZX"
    )
    counter.record_cases(ANSWERS)
    assert counter.run().errors == []
    assert desk.run().errors == []
    workers = [_worker(counter, counter.address), _worker(desk, desk.address)]
    for worker, _ in workers:
        worker.start()
    for _, wakeups in workers:
        assert wakeups.connected.wait(30)
    time.sleep(1.0)  # the start-up sessions are over
    latencies = []
    try:
        for case_id in counter.case_ids:
            answer = EventDraft(
                event_id=uuid6.uuid7(),
                case_id=case_id,
                kind=EventKind.ACCEPTED,
                station_id=desk.station_id,
                actor="reviewer",
                occurred_at=datetime.now(UTC),
                payload=payloads.Accepted().to_payload(),
            )
            started = time.monotonic()
            desk.store.append(answer)
            while not _holds(counter, answer.event_id):
                assert time.monotonic() - started < 30, "the answer never arrived"
                time.sleep(0.01)
            latencies.append(time.monotonic() - started)
    finally:
        for worker, _ in workers:
            worker.stop()
        counter.dispose()
        desk.dispose()
    return latencies


def _quantiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=20, method="inclusive")
    return statistics.median(values), cuts[18]


@pytest.mark.bench
def test_bench_answer_latency_between_two_stations(central_url: str, tmp_path: Path) -> None:
    loopback = _answer_latencies(central_url, tmp_path / "loopback", None)
    p50, p95 = _quantiles(loopback)
    print(f"\nanswer latency on loopback: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    assert p95 < 3.0


@pytest.mark.bench
def test_bench_answer_latency_through_50ms_round_trips(
    pg_cluster: pg.PgCluster, central_url: str, tmp_path: Path
) -> None:
    with ChaosProxy(pg_cluster.host, pg_cluster.port, latency=HALF_RTT) as proxy:
        # The proxy adds HALF_RTT each way to every chunk: one round trip is ~50 ms longer.
        started = time.monotonic()
        with psycopg.connect(_via(parse_central_url(central_url), proxy).conninfo("rtt")) as conn:
            connected = time.monotonic()
            for _ in range(5):
                conn.execute("SELECT 1")
            rtt = (time.monotonic() - connected) / 5
        print(f"\nproxy round trip {rtt * 1000:.0f} ms (connect {connected - started:.2f} s)")
        latencies = _answer_latencies(central_url, tmp_path / "wan", proxy)
    p50, p95 = _quantiles(latencies)
    print(f"answer latency at ~50 ms RTT: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    assert p95 < 3.0


# ----------------------------------------------------------------------- rows read by a pull

_SCANS = {"Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan"}


def _rows_read(plan: dict[str, Any]) -> int:
    """Rows every scan node produced or filtered away, over all its loops."""
    own = 0
    if plan["Node Type"] in _SCANS:
        own = (
            plan["Actual Rows"]
            + plan.get("Rows Removed by Filter", 0)
            + plan.get("Rows Removed by Index Recheck", 0)
        ) * plan["Actual Loops"]
    return own + sum(_rows_read(child) for child in plan.get("Plans", []))


def _explain(conn: psycopg.Connection[Any], query: str) -> tuple[int, int]:
    row = conn.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query).fetchone()
    assert row is not None
    plan = (row[0] if isinstance(row[0], list) else json.loads(row[0]))[0]["Plan"]
    return _rows_read(plan), int(plan["Actual Rows"])


def _deployed_pull(conn: psycopg.Connection[Any], station: str, cursor: tuple[str, int]) -> str:
    """The query ``pull_routed`` runs, read from the database, for ``station`` at ``cursor``."""
    row = conn.execute("SELECT prosrc FROM pg_proc WHERE proname = 'pull_routed'").fetchone()
    assert row is not None
    body = re.search(r"RETURN QUERY\s+(.*?);\s*END", row[0], re.S)
    assert body is not None
    return (
        body.group(1)
        .replace("r.station_id = me", f"r.station_id = '{station}'")
        .replace("p_xid::xid8", f"'{cursor[0]}'::xid8")
        .replace("p_seq", str(cursor[1]))
        .replace("p_limit", "1000")
    )


def _replaced_pull(station: str, cursor: tuple[str, int]) -> str:
    """The pull of c0001-c0004: every event after the cursor, filtered by the station's cases."""
    return (
        "SELECT e.event_id FROM case_event AS e "
        f"WHERE (e.xid, e.server_seq) > ('{cursor[0]}'::xid8, {cursor[1]}) "
        "AND e.xid < pg_snapshot_xmin(pg_current_snapshot()) "
        f"AND (e.origin = '{station}' OR EXISTS (SELECT 1 FROM case_file AS cf "
        f"WHERE cf.case_id = e.case_id AND cf.station_id = '{station}')) "
        "ORDER BY e.xid, e.server_seq LIMIT 1000"
    )


def _fill(conn: psycopg.Connection[Any], stations: list[str], cases: int, day: int) -> None:
    """``cases`` received cases per station, interleaved as a district's day would be."""
    at = datetime(2026, 11, 2, 1, 0, tzinfo=UTC) + timedelta(days=day)
    files, events = [], []
    for n in range(cases):
        for station in stations:
            case_id = uuid6.uuid7()
            files.append((case_id, station, "M-001", at.date(), at))
            events.append(
                (
                    uuid6.uuid7(),
                    case_id,
                    station,
                    day * 10_000 + n + 1,
                    "received",
                    at,
                    at.date(),
                    int(at.timestamp() * 1000) << 16,
                    "clerk",
                    1,
                    Jsonb({}),
                )
            )
    with conn.transaction(), conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO case_file (case_id, station_id, matter_id, service_day, created_at) "
            "VALUES (%s, %s, %s, %s, %s)",
            files,
        )
        cursor.executemany(
            "INSERT INTO case_event (event_id, case_id, origin, origin_seq, kind, occurred_at, "
            "service_day, hlc, actor, schema_version, payload) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            events,
        )


@pytest.mark.bench
def test_bench_rows_read_per_row_returned_with_50_stations(central_url: str) -> None:
    stations = [f"410411-{n:02d}" for n in range(STATIONS)]
    with admin(central_url) as conn:
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO station (station_id, role_name) VALUES (%s, %s)",
                [(s, f"zh_st_bench_{n}") for n, s in enumerate(stations)],
            )
            cursor.executemany(
                "INSERT INTO station_role (station_id, role) VALUES (%s, 'counter')",
                [(s,) for s in stations],
            )
        _fill(conn, stations, CASES_PER_STATION, 0)
        conn.execute("VACUUM ANALYZE")
        me = stations[7]
        start = ("0", 0)
        new_read, new_rows = _explain(conn, _deployed_pull(conn, me, start))
        old_read, old_rows = _explain(conn, _replaced_pull(me, start))
        assert new_rows == old_rows == CASES_PER_STATION
        # Steady state: every station adds 10 cases; the station pulls from where it stopped.
        last = conn.execute(
            "SELECT xid::text, server_seq FROM route_log WHERE station_id = %s "
            "ORDER BY xid DESC, server_seq DESC LIMIT 1",
            (me,),
        ).fetchone()
        old_last = conn.execute(
            "SELECT xid::text, server_seq FROM case_event "
            "ORDER BY xid DESC, server_seq DESC LIMIT 1"
        ).fetchone()
        assert last is not None
        assert old_last is not None
        _fill(conn, stations, 10, 1)
        conn.execute("ANALYZE")
        step_read, step_rows = _explain(conn, _deployed_pull(conn, me, (last[0], last[1])))
        old_step_read, old_step_rows = _explain(
            conn, _replaced_pull(me, (old_last[0], old_last[1]))
        )
        assert step_rows == old_step_rows == 10
    print(
        f"\n{STATIONS} stations × {CASES_PER_STATION} cases at the centre; rows read per row "
        f"returned: history pull {new_read / new_rows:.2f} (replaced predicate "
        f"{old_read / old_rows:.2f}), next pull {step_read / step_rows:.2f} (replaced "
        f"{old_step_read / old_step_rows:.2f})"
    )
    assert new_read / new_rows <= 2.0
    assert step_read / step_rows <= 2.0
