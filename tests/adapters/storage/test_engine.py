from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from zhanhe_counter.adapters.storage.engine import (
    DatabaseBusy,
    DatabaseNotWritable,
    DatabaseUnusable,
    StorageError,
    create_local_engine,
    open_local_database,
    reading,
    storage_errors,
    translate_error,
)
from zhanhe_counter.adapters.storage.tables import setting


def test_creates_folder_and_sets_pragmas(db_path: Path) -> None:
    engine = open_local_database(db_path)
    try:
        assert db_path.is_file()
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar_one() == "wal"
            assert pragma("PRAGMA synchronous").scalar_one() == 2  # FULL
            assert pragma("PRAGMA foreign_keys").scalar_one() == 1
            assert pragma("PRAGMA busy_timeout").scalar_one() == 5000
    finally:
        engine.dispose()


def test_write_transactions_take_the_lock_at_begin(engine: sa.Engine, db_path: Path) -> None:
    other = create_local_engine(db_path, busy_timeout_ms=50)
    try:
        with engine.begin() as holder:
            holder.exec_driver_sql("SELECT 1")  # BEGIN IMMEDIATE already holds the write lock
            with (
                pytest.raises(DatabaseBusy) as caught,
                storage_errors(db_path),
                other.begin() as second,
            ):
                second.exec_driver_sql("SELECT 1")
        assert "占用" in caught.value.user_message
    finally:
        other.dispose()


def test_readers_do_not_wait_for_the_writer(engine: sa.Engine, db_path: Path) -> None:
    other = create_local_engine(db_path, busy_timeout_ms=50)
    try:
        with engine.begin() as holder:
            holder.execute(setting.insert().values(key="k", value=1, updated_at=datetime.now(UTC)))
            with reading(other) as reader:
                # WAL snapshot: the uncommitted row is invisible, and nothing blocks.
                assert reader.execute(sa.select(sa.func.count()).select_from(setting)).scalar() == 0
    finally:
        other.dispose()


def test_file_that_is_not_a_database_gives_chinese_error(tmp_path: Path) -> None:
    path = tmp_path / "station.sqlite3"
    path.write_bytes(b"this is a text file, not SQLite at all" * 200)
    with pytest.raises(DatabaseUnusable) as caught:
        open_local_database(path)
    assert "不是本系统的数据库" in caught.value.user_message
    assert isinstance(caught.value, StorageError)


def test_full_disk_is_translated(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        # Cap the file at its current size: the next page SQLite needs fails like a full disk.
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar_one()
        connection.exec_driver_sql(f"PRAGMA max_page_count={pages}")
        connection.commit()
        with pytest.raises(DatabaseNotWritable) as caught, storage_errors():
            connection.execute(
                setting.insert(),
                [
                    {"key": f"k{i}", "value": "x" * 4000, "updated_at": datetime.now(UTC)}
                    for i in range(50)
                ],
            )
    assert "磁盘空间已满" in caught.value.user_message


def test_read_only_database_is_translated(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA query_only=1")
        with pytest.raises(DatabaseNotWritable) as caught, storage_errors():
            connection.execute(
                setting.insert().values(key="k", value=1, updated_at=datetime.now(UTC))
            )
    assert "只读" in caught.value.user_message


def test_programming_errors_are_not_disguised() -> None:
    assert translate_error(sqlite3.IntegrityError("UNIQUE constraint failed: x.y")) is None
    assert translate_error(ValueError("no")) is None
    with pytest.raises(sqlite3.IntegrityError), storage_errors():
        raise sqlite3.IntegrityError("UNIQUE constraint failed: x.y")


def test_times_round_trip_as_aware_utc(engine: sa.Engine) -> None:
    beijing = datetime(2026, 11, 26, 9, 0, 0, 654321, tzinfo=timezone(timedelta(hours=8)))
    with engine.begin() as connection:
        connection.execute(setting.insert().values(key="t", value=1, updated_at=beijing))
    with reading(engine) as connection:
        stored = connection.execute(sa.select(setting.c.updated_at)).scalar_one()
    assert stored == beijing
    assert stored.tzinfo is UTC
    assert stored.hour == 1


def test_naive_times_are_refused(engine: sa.Engine) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive"), engine.begin() as connection:
        connection.execute(
            setting.insert().values(key="t", value=1, updated_at=datetime(2026, 1, 1))
        )
