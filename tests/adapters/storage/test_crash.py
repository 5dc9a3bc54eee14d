"""Crash test (sync.md §3.2): a writer killed with SIGKILL at random moments loses nothing.

After every kill the database must pass ``PRAGMA integrity_check``, hold every acknowledged
event exactly once with the station sequence it was acknowledged with, number the station's
events 1..N without a gap, and have a projection and counters that agree with the log. Two
writers on two separate database files run side by side so the default run stays short.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from uuid import UUID

import pytest

from tests.adapters.storage.factories import STATION

WRITER = Path(__file__).with_name("crash_writer.py")


def _kill_at_random_moment(db_path: Path, rng: random.Random, seed: int) -> dict[str, int]:
    """One round; returns the acknowledged ``event_id hex -> station_seq`` of this round."""
    process = subprocess.Popen(
        [sys.executable, str(WRITER), str(db_path), str(seed)],
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    acked: dict[str, int] = {}
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            parts = line.split()
            if parts == ["READY"]:
                ready.set()
            # A line cut by the kill has no newline; skipping it only under-claims acks.
            elif len(parts) == 3 and parts[0] == "ACK" and line.endswith("\n"):
                acked[UUID(parts[1]).hex] = int(parts[2])

    reader = threading.Thread(target=read)
    reader.start()
    if rng.random() < 0.2:
        time.sleep(rng.uniform(0.0, 0.4))  # sometimes while starting up or migrating
    else:
        ready.wait(timeout=30)
        time.sleep(rng.uniform(0.0, 0.25))
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    reader.join()
    assert process.returncode == -signal.SIGKILL, "writer died before the kill"
    return acked


def _check_after_crash(db_path: Path, all_acked: dict[str, int]) -> int:
    if not db_path.exists():
        assert not all_acked
        return 0
    with sqlite3.connect(db_path) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "case_event" not in tables:  # killed during the very first migration
            assert not all_acked
            return 0
        stored = dict(con.execute("SELECT event_id, station_seq FROM case_event"))
        total = con.execute("SELECT count(*) FROM case_event").fetchone()[0]
        assert total == len(stored)
        for event_id, seq in all_acked.items():
            assert stored.get(event_id) == seq, f"acknowledged event {event_id} lost or renumbered"
        count, low, high = con.execute(
            "SELECT count(*), min(station_seq), max(station_seq) FROM case_event"
            " WHERE station_id = ?",
            (STATION,),
        ).fetchone()
        if count:
            assert (low, high) == (1, count), "station sequence has a gap"
            assert con.execute("SELECT last_seq FROM station_counter").fetchall() == [(count,)]
        cases, positions = con.execute(
            "SELECT count(*), coalesce(sum(event_count), 0) FROM case_status"
        ).fetchone()
        assert cases == con.execute("SELECT count(DISTINCT case_id) FROM case_event").fetchone()[0]
        assert positions == total
        received = con.execute("SELECT count(*) FROM case_event WHERE kind = 'received'").fetchone()
        numbers = con.execute("SELECT coalesce(sum(last_seq), 0) FROM number_sequence").fetchone()
        assert numbers == received, "a case number was used without its receipt, or twice"
        return int(total)


def _lane(db_path: Path, rounds: int, seed: int) -> tuple[int, int]:
    rng = random.Random(seed)
    all_acked: dict[str, int] = {}
    stored = 0
    for round_number in range(rounds):
        all_acked.update(_kill_at_random_moment(db_path, rng, seed * 10_000 + round_number))
        stored = _check_after_crash(db_path, all_acked)
    return len(all_acked), stored


def _run(tmp_path: Path, rounds_per_lane: int, lanes: int = 2) -> None:
    seed = random.SystemRandom().randrange(1_000_000)
    with ThreadPoolExecutor(max_workers=lanes) as pool:
        results = list(
            pool.map(
                lambda lane: _lane(tmp_path / f"lane{lane}.sqlite3", rounds_per_lane, seed + lane),
                range(lanes),
            )
        )
    acked = sum(r[0] for r in results)
    stored = sum(r[1] for r in results)
    print(
        f"CRASH seed={seed} kills={lanes * rounds_per_lane} acknowledged={acked}"
        f" stored={stored} committed_not_acknowledged={stored - acked}"
    )
    assert acked > 0, "the writer never got to acknowledge anything"


def test_sigkill_loses_no_acknowledged_event(tmp_path: Path) -> None:
    _run(tmp_path, rounds_per_lane=26)  # 52 kills


@pytest.mark.slow
def test_sigkill_soak(tmp_path: Path) -> None:
    _run(tmp_path, rounds_per_lane=250)  # 500 kills
