"""Encryption at rest: what a copied disk shows of a case, and who can open the database."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from uuid import uuid4

import keyring
import pytest
import sqlalchemy as sa

from tests.adapters.sync import helpers
from tests.adapters.sync.helpers import MemoryKeyring
from tests.services.test_intake import APPLICANT, CLERK, NOW, FixedClock, _request
from zhanhe_counter.adapters.paths import local_db_path
from zhanhe_counter.adapters.secrets import KeyringSecretStore, KeyringUnavailable
from zhanhe_counter.adapters.storage.database_key import (
    DEMO_KEY_FILE,
    KEY_ENTRY,
    DatabaseKeyMissing,
    demo_database_key,
    open_station_database,
)
from zhanhe_counter.adapters.storage.engine import (
    PLAIN_SQLITE_HEADER,
    DatabaseKeyMismatch,
    is_plain_sqlite,
    open_local_database,
)
from zhanhe_counter.adapters.storage.signature_tables import SqliteSignatureArchive
from zhanhe_counter.composition import build_station

ID_NUMBER = APPLICANT.person.id_number
NAME = APPLICANT.person.name
PHONE = APPLICANT.person.phone or ""


memory_keyring = helpers.memory_keyring


def _leaks(blob: bytes) -> list[str]:
    """The personal values found in ``blob``, in the encodings a careless writer would use."""
    needles = {
        "id number": ID_NUMBER.encode("ascii"),
        "phone": PHONE.encode("ascii"),
        "name utf-8": NAME.encode("utf-8"),
        "name utf-16": NAME.encode("utf-16-le"),
        "name gb18030": NAME.encode("gb18030"),
    }
    return [label for label, needle in needles.items() if needle in blob]


def test_a_copied_station_folder_shows_no_id_number_or_name(tmp_path: Path) -> None:
    data_dir = tmp_path / "station"
    station = build_station(data_dir, demo=True, clock=FixedClock(NOW), start_queue=False)
    try:
        committed = station.intake.commit(_request(station, "ZH-005"))
        jobs = station.dispatcher.dispatch(
            committed, clerk_id=CLERK.staff_id, clerk_name=CLERK.name, request_id=uuid4()
        )
        assert jobs, "the intake queued its documents (their bytes are in the database)"
        SqliteSignatureArchive(station.engine).save(
            committed.case.case_id, uuid4(), b"\x89PNG" + NAME.encode() + b"signature"
        )
        # Read while the engine is open: the newest pages are still in the WAL, not the file.
        wal = data_dir / (local_db_path(data_dir).name + "-wal")
        assert wal.exists()
        assert wal.stat().st_size > 0
        files = [
            path
            for path in data_dir.rglob("*")
            if path.is_file() and "printed" not in path.relative_to(data_dir).parts
        ]
        assert {local_db_path(data_dir), wal} <= set(files)
        for path in files:
            assert _leaks(path.read_bytes()) == [], path
        assert not is_plain_sqlite(local_db_path(data_dir))
    finally:
        station.close()
    # After closing the WAL is folded into the file: still nothing to read there.
    assert _leaks(local_db_path(data_dir).read_bytes()) == []


def test_the_database_does_not_open_without_its_key(tmp_path: Path) -> None:
    station = build_station(tmp_path, demo=True, clock=FixedClock(NOW), start_queue=False)
    station.intake.commit(_request(station, "ZH-005"))
    station.close()
    path = local_db_path(tmp_path)

    with pytest.raises(DatabaseKeyMismatch) as without_key:
        open_local_database(path)
    assert "已加密" in without_key.value.user_message
    with pytest.raises(DatabaseKeyMismatch) as wrong_key:
        open_local_database(path, key=bytes(32))
    assert "无法用本机密钥解密" in wrong_key.value.user_message
    plain = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        plain.execute("SELECT count(*) FROM sqlite_master").fetchone()
    plain.close()

    # With its own key it opens, and the case is there.
    reopened = build_station(tmp_path, demo=True, clock=FixedClock(NOW), start_queue=False)
    try:
        with reopened.engine.connect() as connection:
            names = connection.exec_driver_sql("SELECT applicant_name FROM case_status").all()
        assert names == [(NAME,)]
    finally:
        reopened.close()


def test_a_plain_database_from_an_earlier_version_is_encrypted_in_place(tmp_path: Path) -> None:
    path = tmp_path / "station.sqlite3"
    plain = open_local_database(path)
    with plain.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE note (text TEXT)")
        connection.exec_driver_sql("INSERT INTO note VALUES (?)", (f"{NAME} {ID_NUMBER}",))
    plain.dispose()
    assert path.read_bytes().startswith(PLAIN_SQLITE_HEADER)

    key = bytes(range(32))
    engine = open_local_database(path, key=key)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT text FROM note").all()
            revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            assert revision.scalar_one()
        assert rows == [(f"{NAME} {ID_NUMBER}",)]
    finally:
        engine.dispose()
    assert not is_plain_sqlite(path)
    assert _leaks(path.read_bytes()) == []
    assert not path.with_name(path.name + ".encrypting").exists()


def test_the_keyring_key_is_made_once_and_reused(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    engine = open_station_database(tmp_path, demo=False)
    engine.dispose()
    (stored,) = memory_keyring.items.items()
    assert stored[0] == ("zhanhe-counter", KEY_ENTRY)
    assert len(bytes.fromhex(stored[1])) == 32
    # Nothing on disk holds the key.
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert stored[1].encode() not in path.read_bytes()
    assert not (tmp_path / DEMO_KEY_FILE).exists()

    again = open_station_database(tmp_path, demo=False)
    again.dispose()
    assert len(memory_keyring.items) == 1


def test_a_lost_keyring_key_is_a_clear_error_not_a_new_empty_database(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    open_station_database(tmp_path, demo=False).dispose()
    memory_keyring.items.clear()
    with pytest.raises(DatabaseKeyMissing) as caught:
        open_station_database(tmp_path, demo=False)
    assert "系统密钥库中没有它的密钥" in caught.value.user_message
    # The encrypted file is untouched, and no new key was made over it.
    assert memory_keyring.items == {}
    assert not is_plain_sqlite(local_db_path(tmp_path))


def test_demo_mode_refuses_a_real_counters_folder(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    open_station_database(tmp_path, demo=False).dispose()
    with pytest.raises(DatabaseKeyMissing) as caught:
        open_station_database(tmp_path, demo=True)
    assert "不能用演示模式打开" in caught.value.user_message
    assert not (tmp_path / DEMO_KEY_FILE).exists()


def test_a_plaintext_keyring_is_refused_before_any_key_is_made(tmp_path: Path) -> None:
    class PlaintextKeyring(MemoryKeyring):
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    previous = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())
    try:
        with pytest.raises(KeyringUnavailable) as caught:
            open_station_database(tmp_path, demo=False)
    finally:
        keyring.set_keyring(previous)
    assert "系统密钥库" in caught.value.user_message
    assert not local_db_path(tmp_path).exists()


def test_the_keyring_store_is_the_one_the_station_uses(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    """An explicit store and the default OS keyring give the same key for the same PC."""
    engine = open_station_database(tmp_path, demo=False, secrets_store=KeyringSecretStore())
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE probe (x INTEGER)"))
    engine.dispose()
    engine = open_station_database(tmp_path, demo=False)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM probe")).scalar_one() == 0
    finally:
        engine.dispose()


def test_many_threads_share_the_encrypted_database_safely(tmp_path: Path) -> None:
    """More threads than a SingletonThreadPool keeps (5): each gets its own pooled connection,
    and no thread's connection is closed under it (that crashed the process)."""
    from concurrent.futures import ThreadPoolExecutor

    engine = open_local_database(tmp_path / "station.sqlite3", key=bytes(range(32)))
    try:
        assert isinstance(engine.pool, sa.pool.QueuePool)
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE tick (n INTEGER)")

        def work(n: int) -> int:
            for _ in range(20):
                with engine.begin() as connection:
                    connection.exec_driver_sql("INSERT INTO tick VALUES (?)", (n,))
                with engine.connect() as connection:
                    connection.exec_driver_sql("SELECT count(*) FROM tick").scalar_one()
            return n

        with ThreadPoolExecutor(max_workers=8) as pool:
            assert sorted(pool.map(work, range(8))) == list(range(8))
        with engine.connect() as connection:
            total = connection.exec_driver_sql("SELECT count(*) FROM tick").scalar_one()
        assert total == 8 * 20
    finally:
        engine.dispose()


def test_an_empty_demo_key_file_left_by_a_kill_is_replaced_before_anything_is_encrypted(
    tmp_path: Path,
) -> None:
    # An older version made the key file first and wrote it after: a kill in between left it
    # empty, and every later start failed. Nothing was encrypted with it, so a new key is made.
    (tmp_path / DEMO_KEY_FILE).write_text("", encoding="ascii")
    key = demo_database_key(tmp_path, local_db_path(tmp_path))
    assert len(key) == 32
    assert (tmp_path / DEMO_KEY_FILE).read_text(encoding="ascii") == key.hex()
    assert demo_database_key(tmp_path, local_db_path(tmp_path)) == key
    assert [p.name for p in tmp_path.iterdir()] == [DEMO_KEY_FILE]  # no temporary left behind
