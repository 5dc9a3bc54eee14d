"""Crash test (docs/sync.md, Crash test): a writer killed with SIGKILL at random moments loses
nothing.

After every kill the database must pass ``PRAGMA integrity_check``, hold every acknowledged
event exactly once with the station sequence it was acknowledged with, number the station's
events 1..N without a gap, and have a projection and counters that agree with the log. Two
lanes on two separate database files run side by side so the default run stays short.
"""

from __future__ import annotations

import os
import queue
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


class _Writers:
    """One ``crash_writer.py --serve`` process that forks a writer per round."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, str(WRITER), "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._lines.put(line)
        self._lines.put("EOF\n")

    def _next(self) -> list[str]:
        line = self._lines.get(timeout=60)
        assert line != "EOF\n", "crash_writer --serve ended unexpectedly"
        return line.split()

    def kill_at_random_moment(self, db_path: Path, rng: random.Random, seed: int) -> dict[str, int]:
        """One round; returns the acknowledged ``event_id hex -> station_seq`` of this round."""
        assert self._process.stdin is not None
        self._process.stdin.write(f"RUN {db_path} {seed}\n")
        self._process.stdin.flush()
        acked: dict[str, int] = {}
        pid: int | None = None
        ready = False
        early = rng.random() < 0.2  # sometimes while opening or migrating the database

        def take(parts: list[str]) -> None:
            nonlocal pid, ready
            if parts[0] == "PID":
                pid = int(parts[1])
            elif parts[0] == "READY":
                ready = True
            elif parts[0] == "ACK":
                acked[UUID(parts[1]).hex] = int(parts[2])
            else:
                raise AssertionError(f"unexpected line {parts}")

        while pid is None or not (ready or early):
            take(self._next())
        time.sleep(rng.uniform(0.0, 0.03 if early else 0.2))
        os.kill(pid, signal.SIGKILL)
        while True:
            parts = self._next()
            if parts[0] == "EXIT":
                assert parts[1] == str(pid)
                assert os.WIFSIGNALED(int(parts[2])), "writer died before the kill"
                assert os.WTERMSIG(int(parts[2])) == signal.SIGKILL
                return acked
            take(parts)

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=30)
        self._reader.join(timeout=30)
        assert self._process.stdout is not None
        self._process.stdout.close()


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
    writers = _Writers()
    try:
        for round_number in range(rounds):
            round_seed = seed * 10_000 + round_number
            all_acked.update(writers.kill_at_random_moment(db_path, rng, round_seed))
            stored = _check_after_crash(db_path, all_acked)
    finally:
        writers.close()
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
    _run(tmp_path, rounds_per_lane=30)  # 60 kills


@pytest.mark.slow
def test_sigkill_soak(tmp_path: Path) -> None:
    _run(tmp_path, rounds_per_lane=250)  # 500 kills
