"""What keeping the station database safe costs: the integrity checks at start and when idle,
and one encrypted backup, each against a floor measured in the same run on the same file.

Floors: a full read of the events table (what any check must at least touch) for the checks, a
plain copy of the file's bytes for the backup (which also decrypts, re-encrypts, re-checks and
hashes the copy).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.adapters.storage.factories import received_draft
from zhanhe_counter.adapters.storage.backup import make_backup, new_backup_key
from zhanhe_counter.adapters.storage.engine import open_local_database, reading
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.adapters.storage.integrity import SqliteIntegrityProbe

EVENTS = 5_000  # a township centre's events of about two weeks


def _timed(work) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


@pytest.mark.bench
def test_bench_integrity_checks_and_backup(tmp_path: Path) -> None:
    key = new_backup_key()
    path = tmp_path / "station.sqlite3"
    engine = open_local_database(path, key=key)
    store = SqliteEventStore(engine)
    for start in range(0, EVENTS, 1000):
        store.append_many(
            [received_draft(number=f"N{start + i:07d}", note_size=300) for i in range(1000)]
        )
    probe = SqliteIntegrityProbe(engine)

    def scan() -> None:
        with reading(engine) as connection:
            connection.exec_driver_sql("SELECT sum(length(payload)) FROM case_event").scalar()

    scan_s = min(_timed(scan) for _ in range(3))
    quick_s = min(_timed(lambda: probe.problems(full=False)) for _ in range(3))
    full_s = min(_timed(lambda: probe.problems(full=True)) for _ in range(3))
    copy_s = min(_timed(lambda: shutil.copyfile(path, tmp_path / "copy")) for _ in range(3))
    backup_key = new_backup_key()
    backup_s = min(
        _timed(lambda: make_backup(path, key, tmp_path / "usb", backup_key)) for _ in range(3)
    )
    megabytes = path.stat().st_size / 1e6
    engine.dispose()
    print(
        f"\nBENCH integrity {EVENTS} events {megabytes:.0f} MB: quick_check {quick_s:.2f} s "
        f"(ratio {quick_s / scan_s:.1f} vs table scan {scan_s:.2f} s), full {full_s:.2f} s "
        f"(ratio {full_s / scan_s:.1f})"
    )
    print(
        f"BENCH backup {megabytes:.0f} MB in {backup_s:.2f} s (ratio {backup_s / copy_s:.0f} vs "
        f"plain file copy {copy_s:.3f} s)"
    )
    assert probe.problems(full=True) == ()
