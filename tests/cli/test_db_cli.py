from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.adapters.storage.factories import received_draft
from tests.adapters.sync import helpers as sync_helpers
from zhanhe_counter.adapters.paths import DATA_DIR_ENV
from zhanhe_counter.adapters.secrets import SERVICE
from zhanhe_counter.adapters.storage.database_key import KEY_ENTRY, open_station_database
from zhanhe_counter.adapters.storage.engine import connect_encrypted, head_revision
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.cli.app import main

memory_keyring = sync_helpers.memory_keyring


@pytest.fixture(autouse=True)
def _counter_keyring(memory_keyring: sync_helpers.MemoryKeyring) -> sync_helpers.MemoryKeyring:
    """The commands open the database as on a counter: its key lives in the (test) keyring."""
    return memory_keyring


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def test_upgrade_creates_database_then_check_is_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "db", "upgrade", "--json"]) == 0
    upgraded = _json(capsys)
    assert upgraded["from_revision"] is None
    assert upgraded["revision"] == head_revision()
    assert (data / "station.sqlite3").is_file()

    engine = open_station_database(data)
    SqliteEventStore(engine).append(received_draft())
    engine.dispose()

    assert main(["--data-dir", str(data), "db", "check", "--json"]) == 0
    report = _json(capsys)
    assert report["ok"] is True
    assert report["integrity"] == "ok"
    assert report["pending_migrations"] == []
    assert report["counts"] == {
        "case_status": 1,
        "case_event": 1,
        "staff": 0,
        "window_config": 0,
        "catalogue_version": 0,
        "matter": 0,
    }
    assert report["unsynced_events"] == 1


def test_upgrade_twice_says_up_to_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path), "db", "upgrade"]) == 0
    assert "已升级" in capsys.readouterr().out
    assert main(["--data-dir", str(tmp_path), "db", "upgrade"]) == 0
    assert "已是最新" in capsys.readouterr().out


def test_data_dir_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "env"))
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "env" / "station.sqlite3").is_file()
    capsys.readouterr()


def test_check_reports_pending_migrations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sqlite3.connect(tmp_path / "station.sqlite3").close()  # an empty database file
    assert main(["--data-dir", str(tmp_path), "db", "check"]) == 1
    out = capsys.readouterr().out
    assert "待执行升级：0001_initial" in out
    assert "需要处理" in out


def test_check_without_database_is_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "db", "check"]) == 2
    assert "数据库文件不存在" in capsys.readouterr().err


def test_check_on_a_damaged_file_gives_chinese_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "db", "upgrade"]) == 0  # the key exists
    (tmp_path / "station.sqlite3").write_bytes(b"garbage" * 1000)
    assert main(["--data-dir", str(tmp_path), "db", "check", "--json"]) == 2
    captured = capsys.readouterr()
    assert "不是本系统的数据库" in captured.err
    assert "Traceback" not in captured.err


def test_check_reports_integrity_problems(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: sync_helpers.MemoryKeyring,
) -> None:
    assert main(["--data-dir", str(tmp_path), "db", "upgrade"]) == 0
    engine = open_station_database(tmp_path)
    store = SqliteEventStore(engine)
    for _ in range(5):
        store.append(received_draft())
    engine.dispose()
    key = bytes.fromhex(memory_keyring.items[(SERVICE, KEY_ENTRY)])
    con = connect_encrypted(tmp_path / "station.sqlite3", key)
    # Make an index disagree with its table behind SQLite's back: the stored index holds
    # ``status`` values, the schema now claims it indexes ``station_id``.
    con.execute("PRAGMA writable_schema=ON")
    con.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_case_status_status"
        " ON case_status (station_id)' WHERE name = 'ix_case_status_status'"
    )
    con.commit()
    con.close()
    capsys.readouterr()
    code = main(["--data-dir", str(tmp_path), "db", "check", "--json"])
    captured = capsys.readouterr()
    assert code == 1
    report = json.loads(captured.out)
    assert report["ok"] is False
    assert any("ix_case_status_status" in line for line in report["integrity"])


# ------------------------------------------------------------------------------ db prune


def _demo_station_with_an_old_case(data: Path) -> tuple[str, str]:
    """A demo data folder (its key is a file) with one old pruneable case and a newer one."""
    from datetime import UTC, datetime, timedelta

    from tests.adapters.storage.test_retention import _confirm, _open_case, _refused_case
    from zhanhe_counter.adapters.storage.database_key import open_station_database
    from zhanhe_counter.adapters.storage.tables import case_status

    engine = open_station_database(data, demo=True)
    try:
        old = _refused_case(engine, datetime.now(UTC) - timedelta(days=400))
        _confirm(engine, old)
        newer = _open_case(engine, datetime.now(UTC))
        with engine.connect() as connection:
            number = connection.execute(
                sa.select(case_status.c.case_number).where(case_status.c.case_id == old)
            ).scalar_one()
    finally:
        engine.dispose()
    return str(number), str(newer)


def _case_count(data: Path) -> int:
    from zhanhe_counter.adapters.storage.database_key import open_station_database

    engine = open_station_database(data)
    try:
        with engine.connect() as connection:
            return int(connection.exec_driver_sql("SELECT count(*) FROM case_status").scalar_one())
    finally:
        engine.dispose()


def test_prune_dry_run_lists_then_prune_deletes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    number, _ = _demo_station_with_an_old_case(data)

    assert main(["--data-dir", str(data), "db", "prune", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "保存期限：180 天" in out
    assert "将删除本机办件副本 1 件" in out
    assert number in out
    assert "试运行" in out
    assert _case_count(data) == 2

    assert main(["--data-dir", str(data), "db", "prune", "--json"]) == 0
    report = _json(capsys)
    assert report["retention_days"] == 180
    assert report["dry_run"] is False
    assert report["cases"] == 1
    assert report["case_numbers"] == [number]
    assert _case_count(data) == 1

    assert main(["--data-dir", str(data), "db", "prune"]) == 0
    assert "没有需要清理的办件" in capsys.readouterr().out


def test_prune_refuses_a_retention_below_the_minimum(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from zhanhe_counter.adapters.storage.database_key import open_station_database
    from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore

    data = tmp_path / "data"
    _demo_station_with_an_old_case(data)
    engine = open_station_database(data)
    SqliteReferenceStore(engine).set_setting("retention_days", 7)
    engine.dispose()

    assert main(["--data-dir", str(data), "db", "prune"]) == 2
    assert "保存期限不能少于 30 天" in capsys.readouterr().err
    assert _case_count(data) == 2


def test_prune_without_database_is_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "db", "prune"]) == 2
    assert "数据库文件不存在" in capsys.readouterr().err
