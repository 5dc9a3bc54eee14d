"""Tally benchmarks (docs/sync.md, Measurements): a day's tally over many events, on the station
SQLite and on the central PostgreSQL, as a ratio to a hand-written ``GROUP BY`` of the same day's
events by station and kind over the same table in the same run; and exporting a day to XLSX as
a ratio to writing the same table as CSV.

The default run uses 100,000 events (a few seconds); ``-m slow`` runs the 1,000,000 events of the
issue. Rows are written straight into the tables, shaped exactly as the store and the sync write
them (recording a million events through the services would take an hour).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
import uuid6

from tests import pg
from tests.adapters.tally.helpers import FixedClock
from zhanhe_counter.adapters.export import ExportFormat, write_export
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.tally import central_source, sqlite_source
from zhanhe_counter.services.ports.tally import Figure, Grouping, Period
from zhanhe_counter.services.tally import TallyService

pg_cluster = pg.pg_cluster
central_url = pg.central_url

FIRST_DAY = date(2026, 1, 1)
DAYS = 90
STATIONS = 40
DAY = FIRST_DAY + timedelta(days=45)
CST_OFFSET = timedelta(hours=8)
# One case's life: (kind, minutes after receipt, payload).
LIFE: list[tuple[str, int, dict[str, Any]]] = [
    ("backoffice_requested", 0, {"answer_due": None, "department": "市场监管局"}),
    ("accepted", 15, {"promised_due": None, "deemed": False}),
    ("decided", 60 * 24, {"approved": True, "reasons": [], "basis": None, "relief": None}),
    ("delivered", 60 * 26, {"mode": "pickup", "signer": "王芳", "carrier": None, "waybill": None}),
]


def _cases(n_events: int) -> Iterator[dict[str, Any]]:
    """Synthetic cases of 5 events (received + LIFE), spread over DAYS days and STATIONS."""
    per_case = 1 + len(LIFE)
    cases = n_events // per_case
    for i in range(cases):
        day = FIRST_DAY + timedelta(days=i % DAYS)
        received = datetime(day.year, day.month, day.day, 1, tzinfo=UTC) + timedelta(
            seconds=(i // DAYS) % 28_000
        )
        yield {
            "i": i,
            "case_id": uuid6.uuid7(),
            "station": f"410411-{(i // DAYS) % STATIONS:02d}",
            "clerk": f"clerk{i % 97:02d}",
            "matter": f"M-{i % 60:03d}",
            "received": received,
            "promised": (day + timedelta(days=7)).isoformat(),
        }


def _events(case: dict[str, Any]) -> Iterator[tuple[int, str, datetime, dict[str, Any]]]:
    received = case["received"]
    yield (
        1,
        "received",
        received,
        {
            "case_number": f"N{case['i']:09d}",
            "matter_id": case["matter"],
            "applicant": {"name": "王芳", "id_type": "resident", "id_number": "410411199001011234"},
            "materials": [{"material_id": "1", "name": "申请书", "note": None}],
            "flow": "accept_on_spot",
            "promised_due": case["promised"],
        },
    )
    for pos, (kind, minutes, payload) in enumerate(LIFE, start=2):
        at = received + timedelta(minutes=minutes)
        body = dict(payload)
        if kind == "backoffice_requested":
            body["answer_due"] = (received + timedelta(minutes=20) + CST_OFFSET).isoformat()
        if kind == "accepted":
            body["promised_due"] = case["promised"]
        yield pos, kind, at, body


def _sqlite_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def fill_sqlite(engine: sa.Engine, n_events: int) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        seqs: dict[str, int] = {}
        statuses, events = [], []
        now = _sqlite_text(datetime(2026, 6, 1, tzinfo=UTC))
        for case in _cases(n_events):
            statuses.append(
                (
                    case["case_id"].hex,
                    f"N{case['i']:09d}",
                    case["matter"],
                    "delivered",
                    case["clerk"],
                    case["station"],
                    "王芳",
                    "410411********1234",
                    _sqlite_text(case["received"]),
                    case["promised"],
                    now,
                    5,
                    5,
                )
            )
            for pos, kind, at, payload in _events(case):
                seq = seqs[case["station"]] = seqs.get(case["station"], 0) + 1
                events.append(
                    (
                        uuid6.uuid7().hex,
                        case["case_id"].hex,
                        pos,
                        kind,
                        case["station"],
                        seq,
                        case["clerk"],
                        _sqlite_text(at),
                        json.dumps(payload, ensure_ascii=False),
                        now,
                        1,
                        "confirmed",
                    )
                )
        cur.executemany(
            "INSERT INTO case_status (case_id, case_number, matter_id, status, first_handler,"
            " station_id, applicant_name, applicant_id_masked, received_at, promised_due,"
            " updated_at, last_station_seq, event_count, needs_attention)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,0)",
            statuses,
        )
        cur.executemany(
            "INSERT INTO case_event (event_id, case_id, case_pos, kind, station_id, station_seq,"
            " actor, occurred_at, payload, recorded_at, schema_version, sync_state)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            events,
        )
        raw.commit()
        cur.execute("ANALYZE")
    finally:
        raw.close()


def fill_postgres(url: str, n_events: int) -> None:
    with psycopg.connect(url) as conn:
        stations = sorted({f"410411-{i:02d}" for i in range(STATIONS)})
        for s in stations:
            conn.execute(
                "INSERT INTO station (station_id, role_name) VALUES (%s, %s)", (s, f"r_{s}")
            )
        seqs: dict[str, int] = {}
        with conn.cursor().copy(
            "COPY case_file (case_id, station_id, matter_id, service_day, created_at) FROM STDIN"
        ) as copy:
            cases = list(_cases(n_events))
            for c in cases:
                copy.write_row(
                    (
                        c["case_id"],
                        c["station"],
                        c["matter"],
                        (c["received"] + CST_OFFSET).date(),
                        c["received"],
                    )
                )
        with conn.cursor().copy(
            "COPY case_event (event_id, case_id, origin, origin_seq, kind, occurred_at,"
            " service_day, hlc, actor, schema_version, payload) FROM STDIN"
        ) as copy:
            for c in cases:
                for _pos, kind, at, payload in _events(c):
                    seq = seqs[c["station"]] = seqs.get(c["station"], 0) + 1
                    copy.write_row(
                        (
                            uuid6.uuid7(),
                            c["case_id"],
                            c["station"],
                            seq,
                            kind,
                            at,
                            (at + CST_OFFSET).date(),
                            int(at.timestamp() * 1000) << 16,
                            c["clerk"],
                            1,
                            json.dumps(payload, ensure_ascii=False),
                        )
                    )
        conn.execute("ANALYZE case_event")
        conn.commit()


def median_seconds(run: Callable[[], object], repeat: int = 3) -> float:
    run()  # warm the cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _report(label: str, n: int, tally_s: float, floor_s: float) -> None:
    print(
        f"BENCH tally_day_{label} events={n:,} tally={tally_s * 1000:.1f} ms "
        f"floor_group_by={floor_s * 1000:.1f} ms ratio={tally_s / floor_s:.2f} "
        "vs hand-written GROUP BY"
    )


def _sqlite_bench(tmp_path: Path, n: int) -> None:
    engine = open_local_database(tmp_path / "station.sqlite3")
    try:
        fill_sqlite(engine, n)
        service = TallyService(sqlite_source(engine), FixedClock())
        report = service.tally(Period.day(DAY), Grouping.WINDOW)
        assert report.total[Figure.RECEIVED] == n // 5 // DAYS + (1 if (n // 5) % DAYS > 45 else 0)
        start = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC) - CST_OFFSET
        floor_sql = sa.text(
            "SELECT station_id, kind, count(*) FROM case_event"
            " WHERE occurred_at >= :s AND occurred_at < :e GROUP BY station_id, kind"
        )
        bounds = {"s": _sqlite_text(start), "e": _sqlite_text(start + timedelta(days=1))}

        def floor() -> object:
            with engine.connect() as c:
                return c.execute(floor_sql, bounds).all()

        _report(
            "sqlite",
            n,
            median_seconds(lambda: service.tally(Period.day(DAY), Grouping.WINDOW)),
            median_seconds(floor),
        )
        xlsx_s = median_seconds(
            lambda: write_export(report, ExportFormat.XLSX, tmp_path / "d.xlsx")
        )
        csv_s = median_seconds(lambda: write_export(report, ExportFormat.CSV, tmp_path / "d.csv"))
        print(
            f"BENCH export_day_xlsx rows={len(report.rows)} xlsx={xlsx_s * 1000:.1f} ms "
            f"csv={csv_s * 1000:.1f} ms ratio={xlsx_s / csv_s:.2f} vs CSV of the same table"
        )
    finally:
        engine.dispose()


def _postgres_bench(central_url: str, n: int) -> None:
    fill_postgres(central_url, n)
    engine = sa.create_engine(central_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        service = TallyService(central_source(engine), FixedClock())
        report = service.tally(Period.day(DAY), Grouping.WINDOW)
        assert report.total[Figure.RECEIVED] > 0
        floor_sql = sa.text(
            "SELECT origin, kind, count(*) FROM case_event"
            " WHERE service_day = :d GROUP BY origin, kind"
        )

        def floor() -> object:
            with engine.connect() as c:
                return c.execute(floor_sql, {"d": DAY}).all()

        _report(
            "postgres",
            n,
            median_seconds(lambda: service.tally(Period.day(DAY), Grouping.WINDOW)),
            median_seconds(floor),
        )
    finally:
        engine.dispose()


@pytest.mark.bench
def test_bench_day_tally_sqlite(tmp_path: Path) -> None:
    _sqlite_bench(tmp_path, 20_000)


@pytest.mark.bench
def test_bench_day_tally_postgres(central_url: str) -> None:
    _postgres_bench(central_url, 20_000)


@pytest.mark.bench
@pytest.mark.slow
def test_bench_day_tally_sqlite_1m(tmp_path: Path) -> None:
    _sqlite_bench(tmp_path, 1_000_000)


@pytest.mark.bench
@pytest.mark.slow
def test_bench_day_tally_postgres_1m(central_url: str) -> None:
    _postgres_bench(central_url, 1_000_000)
