"""``central init``, ``station register`` and ``sync --once`` against a real PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import psycopg
import pytest
from keyring.backends import fail

from tests import pg
from tests.adapters.storage.factories import received_draft
from tests.adapters.sync import helpers
from zhanhe_counter.adapters.centre.schema import central_head
from zhanhe_counter.adapters.secrets import SERVICE
from zhanhe_counter.adapters.storage.database_key import KEY_ENTRY, open_station_database
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.cli import app

pg_cluster = pg.pg_cluster
empty_central_url = pg.empty_central_url
memory_keyring = helpers.memory_keyring


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = app.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_register_and_sync_once(
    empty_central_url: str,
    tmp_path: Path,
    memory_keyring: helpers.MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = str(tmp_path / "pc")
    code, out, _ = _run(capsys, "central", "init", "--url", empty_central_url, "--json")
    assert code == 0
    assert json.loads(out)["revision"] == central_head()
    code, out, _ = _run(capsys, "central", "init", "--url", empty_central_url)
    assert code == 0
    assert "已是最新" in out

    code, out, _ = _run(
        capsys,
        "--data-dir",
        data,
        "station",
        "register",
        "410411-07",
        "--url",
        empty_central_url,
        "--json",
    )
    assert code == 0
    registered = json.loads(out)
    assert registered["role"] == "zh_st_410411_07"
    # The password went to the keyring and nowhere else, beside the database's own key.
    logins = {k: v for k, v in memory_keyring.items.items() if k[1] != KEY_ENTRY}
    assert len(logins) == 1
    assert (SERVICE, KEY_ENTRY) in memory_keyring.items
    password = next(iter(logins.values()))
    assert password not in out
    assert password not in registered["central_url"]
    assert password.encode() not in (tmp_path / "pc" / "station.sqlite3").read_bytes()

    engine = open_station_database(tmp_path / "pc")
    SqliteEventStore(engine).append_many(
        [received_draft(station="410411-07", number=f"N{i}") for i in range(3)]
    )
    engine.dispose()

    code, out, _ = _run(capsys, "--data-dir", data, "sync", "--once", "--json")
    assert code == 0
    result = json.loads(out)
    assert (result["pushed"], result["pulled"], result["errors"]) == (3, 3, [])
    with psycopg.connect(empty_central_url) as conn:
        row = conn.execute("SELECT count(*) FROM case_event WHERE origin = '410411-07'").fetchone()
    assert row == (3,)

    code, out, _ = _run(capsys, "--data-dir", data, "sync", "--status", "--json")
    assert code == 0
    status = json.loads(out)
    assert status["pending"] == 0
    assert status["station_id"] == "410411-07"


def test_sync_without_registration_is_a_user_error(
    tmp_path: Path, memory_keyring: helpers.MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    open_station_database(tmp_path).dispose()
    code, _, err = _run(capsys, "--data-dir", str(tmp_path), "sync", "--once")
    assert code == 2
    assert "station register" in err
    assert "Traceback" not in err


def test_sync_reports_offline_with_exit_1(
    tmp_path: Path, memory_keyring: helpers.MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    from zhanhe_counter.adapters.sync.connection import parse_central_url
    from zhanhe_counter.adapters.sync.station_config import credential_name, save_config

    engine = open_station_database(tmp_path)
    address = parse_central_url("postgresql://zh_st_x@127.0.0.1:1/zhanhe")
    save_config(engine, "410411-08", address)
    engine.dispose()
    memory_keyring.set_password("zhanhe-counter", credential_name(address), "secret")

    code, out, _ = _run(capsys, "--data-dir", str(tmp_path), "sync", "--once", "--json")

    assert code == 1
    result = json.loads(out)
    assert result["problem"] == "offline"
    assert result["errors"]
    assert "本机" in result["errors"][0]


def test_register_refuses_an_unsafe_keyring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        code, _, err = _run(
            capsys,
            "--data-dir",
            str(tmp_path),
            "station",
            "register",
            "410411-01",
            "--url",
            "postgresql://owner@127.0.0.1:1/zhanhe",
        )
    finally:
        keyring.set_keyring(previous)
    assert code == 2
    assert "密钥库" in err


def test_init_refuses_weak_tls_to_a_remote_host(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(
        capsys,
        "central",
        "init",
        "--url",
        "postgresql://owner@center.example.gov.cn/z?sslmode=require",
    )
    assert code == 2
    assert "verify-full" in err


def test_register_with_roles_and_change_them_at_the_centre(
    empty_central_url: str,
    tmp_path: Path,
    memory_keyring: helpers.MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _run(capsys, "central", "init", "--url", empty_central_url)[0] == 0
    code, out, _ = _run(
        capsys,
        "--data-dir",
        str(tmp_path / "desk"),
        "station",
        "register",
        "QZX-BO-01",
        "--url",
        empty_central_url,
        "--role",
        "backoffice=湛河区市场监督管理局,湛河区民政局,supervisor=QZX",
        "--json",
    )
    assert code == 0
    registered = json.loads(out)
    assert registered["roles"] == [
        "backoffice=湛河区市场监督管理局",
        "backoffice=湛河区民政局",
        "supervisor=QZX",
    ]
    assert registered["hall"] == "QZX"  # the supervised hall, as no --hall was given
    assert registered["training"] is False

    code, out, _ = _run(
        capsys,
        "central",
        "station-roles",
        "QZX-BO-01",
        "--url",
        empty_central_url,
        "--role",
        "counter,delivery=QZX",
        "--hall",
        "QZX",
    )
    assert code == 0
    assert "counter,delivery=QZX" in out
    with psycopg.connect(empty_central_url) as conn:
        rows = conn.execute(
            "SELECT role, scope FROM station_role WHERE station_id = 'QZX-BO-01' ORDER BY role"
        ).fetchall()
    assert rows == [("counter", ""), ("delivery", "QZX")]

    code, _, err = _run(
        capsys,
        "central",
        "station-roles",
        "QZX-BO-01",
        "--url",
        empty_central_url,
        "--role",
        "cashier",
    )
    assert code == 2
    assert "不认识“cashier”" in err
    code, _, err = _run(
        capsys, "central", "station-roles", "NOPE", "--url", empty_central_url, "--role", "counter"
    )
    assert code == 2
    assert "没有编号为 NOPE 的站点" in err


def test_a_demo_folder_registers_as_a_training_station(
    empty_central_url: str,
    tmp_path: Path,
    memory_keyring: helpers.MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _run(capsys, "central", "init", "--url", empty_central_url)[0] == 0
    open_station_database(tmp_path / "demo", demo=True).dispose()  # keeps its demo key file
    code, out, err = _run(
        capsys,
        "--data-dir",
        str(tmp_path / "demo"),
        "station",
        "register",
        "TRAIN-01",
        "--url",
        empty_central_url,
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["training"] is True
    with psycopg.connect(empty_central_url) as conn:
        row = conn.execute("SELECT training FROM station WHERE station_id = 'TRAIN-01'").fetchone()
    assert row == (True,)
    # The folder still opens with its demo key, and syncs.
    engine = open_station_database(tmp_path / "demo")
    SqliteEventStore(engine).append(received_draft(station="TRAIN-01", number="D-1"))
    engine.dispose()
    code, out, _ = _run(capsys, "--data-dir", str(tmp_path / "demo"), "sync", "--once", "--json")
    assert code == 0
    assert json.loads(out)["pushed"] == 1
