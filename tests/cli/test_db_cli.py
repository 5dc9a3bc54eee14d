from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.adapters.storage.factories import received_draft
from zhanhe_counter.adapters.paths import DATA_DIR_ENV
from zhanhe_counter.adapters.storage.engine import head_revision, open_local_database
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.cli.app import main


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

    engine = open_local_database(data / "station.sqlite3")
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
    (tmp_path / "station.sqlite3").write_bytes(b"garbage" * 1000)
    assert main(["--data-dir", str(tmp_path), "db", "check", "--json"]) == 2
    captured = capsys.readouterr()
    assert "不是本系统的数据库" in captured.err
    assert "Traceback" not in captured.err


def test_check_reports_integrity_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "db", "upgrade"]) == 0
    engine = open_local_database(tmp_path / "station.sqlite3")
    store = SqliteEventStore(engine)
    for _ in range(5):
        store.append(received_draft())
    engine.dispose()
    con = sqlite3.connect(tmp_path / "station.sqlite3")
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
