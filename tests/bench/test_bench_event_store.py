"""Events written per second through ``SqliteEventStore.append`` (one transaction each, WAL +
``synchronous=FULL``) against a bare ``sqlite3`` insert loop with the same pragmas into a
same-shaped table, measured in the same run; and the cost of one append to a case of 3 events
against one to a case of 400 (the case's state is kept, not replayed: issue 20).

Both are fsync-bound, and a shared virtual disk's fsync time drifts, so the loops run in
alternating chunks and the ratios compare like with like.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from uuid import UUID

import pytest

from tests.adapters.storage.factories import received_draft, viewed_draft
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


LONG_CASE = 400
SHORT_CASE = 3
APPENDS = 60  # per case length, alternating


def _grow(store: SqliteEventStore, events: int) -> UUID:
    opened = store.append(received_draft())
    store.append_many([viewed_draft(opened.case_id) for _ in range(events - 1)])
    return opened.case_id


@pytest.mark.bench
def test_bench_append_independent_of_case_length(tmp_path: Path) -> None:
    engine = open_local_database(tmp_path / "store.sqlite3")
    try:
        short_case = _grow(SqliteEventStore(engine), SHORT_CASE)
        long_case = _grow(SqliteEventStore(engine), LONG_CASE)
        # A fresh store, as after a restart: the first append to each case replays it once.
        store = SqliteEventStore(engine)
        store.append(viewed_draft(short_case))
        store.append(viewed_draft(long_case))
        short_s = long_s = 0.0
        for _ in range(APPENDS // 10):
            for case_id, length in ((short_case, "short"), (long_case, "long")):
                start = time.perf_counter()
                for _ in range(10):
                    store.append(viewed_draft(case_id))
                took = time.perf_counter() - start
                if length == "short":
                    short_s += took
                else:
                    long_s += took
        counts = [len(store.events_for_case(c)) for c in (short_case, long_case)]
    finally:
        engine.dispose()
    assert counts == [SHORT_CASE + 1 + APPENDS, LONG_CASE + 1 + APPENDS]
    short_ms, long_ms = short_s / APPENDS * 1000, long_s / APPENDS * 1000
    print(
        f"\nBENCH append_ms at_{SHORT_CASE}_events={short_ms:.2f} at_{LONG_CASE}_events="
        f"{long_ms:.2f} ratio={long_ms / short_ms:.2f} (long case / short case, one transaction"
        " per event)"
    )
