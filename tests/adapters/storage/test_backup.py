"""Encrypted, consistent backups of the station database (issue 18, Deliver 5).

Real SQLCipher files throughout: backup while a writer keeps going, SIGKILL in the middle of a
backup (the earlier backups stay good, the broken one is never mistaken for a backup), the
``db backup / verify / restore`` commands with the recovery code, the backup before a
migration, and the schedule.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.adapters.storage.factories import received_draft
from zhanhe_counter.adapters.storage import engine as storage
from zhanhe_counter.adapters.storage.backup import (
    BACKUP_KEY_ENV,
    BackupError,
    BackupSchedule,
    latest_good,
    list_backups,
    make_backup,
    new_backup_key,
    parse_recovery_code,
    recovery_code,
    restore_backup,
    verify_backups,
)
from zhanhe_counter.adapters.storage.database_key import (
    DEMO_KEY_FILE,
    database_key,
    open_station_database,
)
from zhanhe_counter.adapters.storage.engine import PLAIN_SQLITE_HEADER, connect_encrypted
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.cli.app import main

ROOT = Path(__file__).resolve().parents[3]


def _events(path: Path, key: bytes) -> int:
    connection = connect_encrypted(path, key)
    try:
        return int(connection.execute("SELECT count(*) FROM case_event").fetchone()[0])
    finally:
        connection.close()


@pytest.fixture
def demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "demo-data", "--cases", "6", "--seed", "2"]) == 0
    capsys.readouterr()
    return data


def _fill(data: Path, events: int) -> bytes:
    key = database_key(data, demo=True)
    engine = open_station_database(data, demo=True)
    try:
        store = SqliteEventStore(engine)
        for start in range(0, events, 500):
            store.append_many(
                [
                    received_draft(number=f"N{start + i:07d}", note_size=400)
                    for i in range(min(500, events - start))
                ]
            )
    finally:
        engine.dispose()
    return key


def test_backup_is_encrypted_under_its_own_key_and_consistent_while_writing(
    demo: Path, tmp_path: Path
) -> None:
    key = _fill(demo, 2000)
    backup_key = new_backup_key()
    engine = open_station_database(demo, demo=True)
    store = SqliteEventStore(engine)
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            store.append(received_draft(number=f"W{n:07d}"))
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        infos = [
            make_backup(demo / "station.sqlite3", key, tmp_path / "b", backup_key) for _ in range(3)
        ]
    finally:
        stop.set()
        writer.join()
        engine.dispose()
    counts = [info.manifest["events"] for info in infos]
    assert counts == sorted(counts)  # later snapshots hold at least as much
    assert counts[-1] > counts[0] >= 2000  # the writer went on while the backups ran
    for info in infos:
        assert info.path.read_bytes()[:16] != PLAIN_SQLITE_HEADER
        assert _events(info.path, backup_key) == info.manifest["events"]
        with pytest.raises(Exception, match="not a database"):
            _events(info.path, key)  # the database key does not open a backup
    assert all(r.ok for r in verify_backups(tmp_path / "b", backup_key))


_BACKUP_LOOP = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from zhanhe_counter.adapters.storage.backup import make_backup
    source, folder, key, backup_key = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    print("READY", flush=True)
    while True:
        make_backup(source, bytes.fromhex(key), folder, bytes.fromhex(backup_key))
    """
)


def test_a_kill_in_the_middle_of_a_backup_never_leaves_a_bad_backup(
    demo: Path, tmp_path: Path
) -> None:
    key = _fill(demo, 6000)
    backup_key = new_backup_key()
    folder = tmp_path / "usb"
    first = make_backup(demo / "station.sqlite3", key, folder, backup_key)
    rng = random.Random(18)
    kills = 0
    interrupted = 0
    for _ in range(8):
        with subprocess.Popen(
            [
                sys.executable,
                "-c",
                _BACKUP_LOOP,
                str(demo / "station.sqlite3"),
                str(folder),
                key.hex(),
                backup_key.hex(),
            ],
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        ) as loop:
            assert loop.stdout is not None
            assert loop.stdout.readline().strip() == b"READY"
            time.sleep(rng.uniform(0.05, 0.6))
            loop.send_signal(signal.SIGKILL)
            loop.wait(timeout=30)
            kills += 1
        results = verify_backups(folder, backup_key)
        complete = list_backups(folder)
        assert complete  # at least the first one
        by_path = {r.path: r for r in results}
        for info in complete:  # everything that claims to be a backup is one
            assert by_path[info.path].ok, by_path[info.path].problem
        for r in results:
            if r.path not in {info.path for info in complete}:
                assert not r.ok
                assert "未完成" in (r.problem or "")
                interrupted += 1
    assert kills == 8
    assert interrupted >= 1  # some kills did land inside a backup
    good = latest_good(folder, backup_key)
    assert good.manifest["events"] == first.manifest["events"]
    target = tmp_path / "restored" / "station.sqlite3"
    target_key = new_backup_key()
    restore_backup(good, backup_key, target, target_key)
    assert _events(target, target_key) == first.manifest["events"]


def test_verify_finds_a_changed_or_wrong_key_backup(demo: Path, tmp_path: Path) -> None:
    key = database_key(demo, demo=True)
    backup_key = new_backup_key()
    info = make_backup(demo / "station.sqlite3", key, tmp_path / "b", backup_key)
    assert [r.ok for r in verify_backups(tmp_path / "b", new_backup_key())] == [False]
    with info.path.open("r+b") as handle:
        handle.seek(5000)
        handle.write(b"\x00\x01\x02")
    (result,) = verify_backups(tmp_path / "b", backup_key)
    assert not result.ok
    assert "校验和不符" in (result.problem or "")
    with pytest.raises(BackupError):
        latest_good(tmp_path / "b", backup_key)


def test_backup_verify_restore_commands_with_the_recovery_code(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _events(demo / "station.sqlite3", database_key(demo, demo=True))
    usb = tmp_path / "usb"
    assert (
        main(["--data-dir", str(demo), "db", "backup", "--to", str(usb), "--configure", "--json"])
        == 0
    )
    made = json.loads(capsys.readouterr().out)
    assert made["new_backup_key"] is True
    assert made["events"] == events
    code = made["recovery_code"]
    assert parse_recovery_code(code)
    # Configured: a plain "db backup" goes to the same place, and shows no code again.
    assert main(["--data-dir", str(demo), "db", "backup"]) == 0
    again = capsys.readouterr().out
    assert str(usb) in again
    assert "恢复码" not in again

    assert main(["--data-dir", str(demo), "db", "verify", "--from", str(usb)]) == 0
    assert "结论：有可用备份" in capsys.readouterr().out

    # Another PC: no keyring entry, only the recovery code the administrator wrote down.
    new_pc = tmp_path / "new-pc"
    assert main(["--data-dir", str(new_pc), "db", "restore", "--from", str(usb), "--demo"]) == 2
    assert "ZHANHE_BACKUP_KEY" in capsys.readouterr().err
    monkeypatch.setenv(BACKUP_KEY_ENV, code)
    assert (
        main(["--data-dir", str(new_pc), "db", "restore", "--from", str(usb), "--demo", "--json"])
        == 0
    )
    restored = json.loads(capsys.readouterr().out)
    assert restored["events"] == events
    assert _events(new_pc / "station.sqlite3", database_key(new_pc, demo=True)) == events
    assert (new_pc / DEMO_KEY_FILE).read_text() != (demo / DEMO_KEY_FILE).read_text()
    assert main(["--data-dir", str(new_pc), "db", "check"]) == 0
    capsys.readouterr()

    # Never over an existing database.
    assert main(["--data-dir", str(new_pc), "db", "restore", "--from", str(usb), "--demo"]) == 2
    assert "不是空的" in capsys.readouterr().err
    # A backup inside the data folder would die with the disk it protects against.
    assert main(["--data-dir", str(demo), "db", "backup", "--to", str(demo / "b")]) == 2
    assert "不能在数据目录之内" in capsys.readouterr().err


def test_a_migration_is_preceded_by_a_backup(demo: Path) -> None:
    engine = open_station_database(demo, demo=True)
    storage.downgrade(engine, "0006_signature_image")
    engine.dispose()
    open_station_database(demo, demo=True).dispose()
    (info,) = list_backups(demo / "backups")
    assert info.manifest["reason"] == "before " + storage.head_revision()
    assert info.manifest["revision"] == "0006_signature_image"


def test_the_schedule_backs_up_when_due_and_survives_a_missing_stick(
    demo: Path, tmp_path: Path
) -> None:
    key = database_key(demo, demo=True)
    backup_key = new_backup_key()
    clock = [datetime(2026, 12, 1, 8, tzinfo=UTC)]
    schedule = BackupSchedule(
        demo / "station.sqlite3",
        key,
        lambda: backup_key,
        tmp_path / "usb",
        24,
        now=lambda: clock[0],
    )
    assert schedule.run_due() is not None
    assert schedule.run_due() is None  # just made one
    clock[0] += timedelta(hours=25)
    assert schedule.run_due() is not None
    assert len(list_backups(tmp_path / "usb")) == 2

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the stick's folder should be")
    missing = BackupSchedule(demo / "station.sqlite3", key, lambda: backup_key, blocked, 1)
    assert missing.run_due() is None
    assert missing.last_error is not None
    assert "无法写入" in missing.last_error


def test_recovery_codes_round_trip() -> None:
    key = new_backup_key()
    code = recovery_code(key)
    assert len(code.split("-")) == 8
    assert parse_recovery_code(code.upper()) == key
    with pytest.raises(BackupError):
        parse_recovery_code("1234")


def test_db_upgrade_backs_up_before_migrating(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = open_station_database(demo, demo=True)
    storage.downgrade(engine, "0006_signature_image")
    engine.dispose()
    assert main(["--data-dir", str(demo), "db", "upgrade", "--json"]) == 0
    upgraded = json.loads(capsys.readouterr().out)
    assert upgraded["from_revision"] == "0006_signature_image"
    assert upgraded["revision"] == storage.head_revision()
    (info,) = list_backups(demo / "backups")
    assert info.manifest["revision"] == "0006_signature_image"
