"""A backup restored after a disk failure loses nothing it holds (issue 18, Deliver 5), on a
real PostgreSQL: what the PC recorded offline and backed up reaches the centre from the
restored copy; a copy older than what the centre already holds is refused loudly, never
silently renumbered over."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import sqlalchemy as sa

from tests.adapters.storage.factories import received_draft
from tests.adapters.sync.helpers import APP_VERSION, StationPC, SystemClock
from zhanhe_counter.adapters.centre.schema import register_station
from zhanhe_counter.adapters.storage.backup import (
    latest_good,
    make_backup,
    new_backup_key,
    restore_backup,
)
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.adapters.storage.sync_outbox import SqliteSyncOutbox
from zhanhe_counter.adapters.sync.central_client import PostgresSyncTarget
from zhanhe_counter.services.sync_engine import SyncEngine

STATION = "410411-05"


def _pc(path: Path, key: bytes, address: object) -> StationPC:
    engine = open_local_database(path, key=key)
    outbox = SqliteSyncOutbox(engine, STATION)
    sync = SyncEngine(
        PostgresSyncTarget(address, application_name=STATION),  # type: ignore[arg-type]
        outbox,
        SystemClock(),
        APP_VERSION,
    )
    return StationPC(STATION, engine, SqliteEventStore(engine), outbox, address, sync)  # type: ignore[arg-type]


def _record(pc: StationPC, start: int, count: int) -> None:
    pc.store.append_many(
        [received_draft(station=STATION, number=f"R{start + i:06d}") for i in range(count)]
    )


def _central_count(central_url: str) -> int:
    with psycopg.connect(central_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM case_event WHERE origin = %s", (STATION,)
        ).fetchone()
    return int(row[0]) if row else 0


def test_what_was_backed_up_offline_reaches_the_centre_after_a_restore(
    central_url: str, tmp_path: Path
) -> None:
    address = register_station(central_url, STATION).address
    key, backup_key = new_backup_key(), new_backup_key()
    pc = _pc(tmp_path / "pc" / "station.sqlite3", key, address)
    _record(pc, 0, 5)
    assert pc.run().errors == []
    _record(pc, 5, 7)  # offline: never pushed
    make_backup(tmp_path / "pc" / "station.sqlite3", key, tmp_path / "usb", backup_key)
    pc.dispose()
    shutil.rmtree(tmp_path / "pc")  # the disk fails
    assert _central_count(central_url) == 5

    new_key = new_backup_key()
    restored_path = tmp_path / "new-pc" / "station.sqlite3"
    restore_backup(latest_good(tmp_path / "usb", backup_key), backup_key, restored_path, new_key)
    restored = _pc(restored_path, new_key, address)
    report = restored.run()
    assert report.errors == []
    assert _central_count(central_url) == 12
    with restored.engine.connect() as conn:
        states = conn.execute(
            sa.text("SELECT sync_state, count(*) FROM case_event GROUP BY 1")
        ).all()
    assert dict(states) == {"confirmed": 12}
    restored.dispose()


def test_a_backup_older_than_the_centre_is_refused_loudly(central_url: str, tmp_path: Path) -> None:
    address = register_station(central_url, STATION).address
    key, backup_key = new_backup_key(), new_backup_key()
    pc = _pc(tmp_path / "pc" / "station.sqlite3", key, address)
    _record(pc, 0, 3)
    make_backup(tmp_path / "pc" / "station.sqlite3", key, tmp_path / "usb", backup_key)
    _record(pc, 3, 4)
    assert pc.run().errors == []  # 7 at the centre, 3 in the backup
    pc.dispose()

    new_key = new_backup_key()
    restored_path = tmp_path / "new-pc" / "station.sqlite3"
    restore_backup(latest_good(tmp_path / "usb", backup_key), backup_key, restored_path, new_key)
    restored = _pc(restored_path, new_key, address)
    report = restored.run()
    assert report.problem is not None
    assert any("旧备份恢复" in error for error in report.errors)
    assert _central_count(central_url) == 7  # nothing renumbered over the centre's events
    restored.dispose()
