"""Events written per second through ``SqliteEventStore.append`` (one transaction each, WAL +
``synchronous=FULL``) against a bare ``sqlite3`` insert loop with the same pragmas into a
same-shaped table, measured in the same run.

Both are fsync-bound, and a shared virtual disk's fsync time drifts, so the two loops run in
alternating chunks and the ratio compares like with like.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from tests.adapters.storage.factories import received_draft
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.domain.events import EventDraft

N = 300  # per side; a few seconds even where one fsync takes ~5 ms
CHUNK = 50

_BARE_TABLE = (
    "CREATE TABLE case_event (event_id CHAR(32) PRIMARY KEY, case_id CHAR(32) NOT NULL,"
    " case_pos INTEGER NOT NULL, kind VARCHAR(32) NOT NULL, station_id VARCHAR(32) NOT NULL,"
    " station_seq BIGINT NOT NULL, actor VARCHAR(64) NOT NULL, occurred_at DATETIME NOT NULL,"
    " payload JSON NOT NULL, recorded_at DATETIME NOT NULL, schema_version SMALLINT NOT NULL"
    " DEFAULT 1, hlc BIGINT, server_seq BIGINT, sync_state VARCHAR(16) NOT NULL DEFAULT"
    " 'local', sync_error TEXT, UNIQUE (station_id, station_seq), UNIQUE (case_id, case_pos))"
)
_BARE_INSERT = (
    "INSERT INTO case_event (event_id, case_id, case_pos, kind, station_id, station_seq,"
    " actor, occurred_at, payload, recorded_at) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?)"
)


def _bare_chunk(con: sqlite3.Connection, drafts: list[EventDraft], first_seq: int) -> float:
    start = time.perf_counter()
    for seq, draft in enumerate(drafts, start=first_seq):
        con.execute("BEGIN IMMEDIATE")
        con.execute(
            _BARE_INSERT,
            (
                draft.event_id.hex,
                draft.case_id.hex,
                draft.kind.value,
                draft.station_id,
                seq,
                draft.actor,
                draft.occurred_at.isoformat(),
                json.dumps(dict(draft.payload)),
                draft.occurred_at.isoformat(),
            ),
        )
        con.execute("COMMIT")
    return time.perf_counter() - start


def _store_chunk(store: SqliteEventStore, drafts: list[EventDraft]) -> float:
    start = time.perf_counter()
    for draft in drafts:
        store.append(draft)
    return time.perf_counter() - start


@pytest.mark.bench
def test_bench_event_append(tmp_path: Path) -> None:
    drafts = [received_draft(number=f"B{i:08d}", note_size=800) for i in range(N)]
    bare = sqlite3.connect(tmp_path / "bare.sqlite3", isolation_level=None)
    bare.execute("PRAGMA journal_mode=WAL")
    bare.execute("PRAGMA synchronous=FULL")
    bare.execute(_BARE_TABLE)
    engine = open_local_database(tmp_path / "store.sqlite3")
    store = SqliteEventStore(engine)
    bare_s = ours_s = 0.0
    try:
        for first in range(0, N, CHUNK):
            chunk = drafts[first : first + CHUNK]
            bare_s += _bare_chunk(bare, chunk, first + 1)
            ours_s += _store_chunk(store, chunk)
    finally:
        bare.close()
        engine.dispose()
    with sqlite3.connect(tmp_path / "store.sqlite3") as con:
        assert con.execute("SELECT count(*), max(station_seq) FROM case_event").fetchone() == (N, N)
    bare_rate, our_rate = N / bare_s, N / ours_s
    print(
        f"BENCH events_per_s store={our_rate:.0f} bare_sqlite3={bare_rate:.0f}"
        f" ratio={our_rate / bare_rate:.2f} vs bare sqlite3 (N={N}, WAL, synchronous=FULL,"
        " one transaction per event)"
    )
