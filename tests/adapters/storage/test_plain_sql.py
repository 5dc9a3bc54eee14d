"""The plain-SQL path writes and reads values exactly as SQLAlchemy would, and the writer's kept
connection commits, rolls back, and goes when the engine is disposed."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from uuid import uuid4

import pytest
import sqlalchemy as sa

from zhanhe_counter.adapters.storage.engine import DatabaseBusy, open_local_database
from zhanhe_counter.adapters.storage.plain_sql import RowDecoder, RowEncoder, WriterConnection
from zhanhe_counter.adapters.storage.tables import case_event

INSTANTS = [
    datetime(2026, 11, 26, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=8))),
    datetime(2026, 11, 26, 1, 0, 1, tzinfo=UTC),  # no microseconds: still six digits
    datetime(2027, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=-5))),  # next day in UTC
]


@pytest.mark.parametrize("instant", INSTANTS)
def test_instants_are_written_as_sqlalchemy_binds_them(
    engine: sa.Engine, instant: datetime
) -> None:
    dialect = engine.dialect
    sqlalchemy_binds = case_event.c.occurred_at.type.dialect_impl(dialect).bind_processor(dialect)
    assert sqlalchemy_binds is not None
    written = RowEncoder(case_event, ("occurred_at",), dialect).one("occurred_at", instant)
    assert written == sqlalchemy_binds(instant)
    decoder = RowDecoder([case_event.c.occurred_at], dialect)
    assert decoder.decode((written,)) == (instant.astimezone(UTC),)


def test_a_naive_instant_is_refused() -> None:
    encoder = RowEncoder(case_event, ("occurred_at",), sa.create_engine("sqlite://").dialect)
    with pytest.raises(ValueError, match="naive"):
        encoder.one("occurred_at", datetime(2026, 11, 26, 9, 30))


def test_a_column_named_raw_is_passed_as_given(engine: sa.Engine) -> None:
    encoder = RowEncoder(case_event, ("payload", "event_id"), engine.dialect, raw=("payload",))
    event_id = uuid4()
    assert encoder.encode({"payload": '{"a": 1}', "event_id": event_id}) == [
        '{"a": 1}',
        event_id.hex,
    ]


def _count(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM probe").scalar_one())


def _insert(writer: WriterConnection, *keys: int, then_fail: bool = False) -> None:
    with writer.transaction() as raw:
        assert raw.in_transaction
        for key in keys:
            raw.execute("INSERT INTO probe VALUES (?)", (key,))
        if then_fail:
            raise RuntimeError("refused half-way")


def test_the_transaction_commits_or_rolls_back_on_the_kept_connection(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE probe (x INTEGER PRIMARY KEY)")
    writer = WriterConnection(engine)
    _insert(writer, 1)
    assert _count(engine) == 1
    with pytest.raises(RuntimeError):
        _insert(writer, 2, then_fail=True)
    # A statement that fails is not translated (a bug, not something a person can meet) and
    # takes the rows before it in the transaction with it.
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        _insert(writer, 3, 1)
    _insert(writer, 4)
    assert _count(engine) == 2
    assert engine.pool.checkedout() == 0  # kept outside the pool: it never runs short


def test_disposing_the_engine_closes_the_kept_connection(db_path: Path) -> None:
    engine = open_local_database(db_path)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE probe (x INTEGER PRIMARY KEY)")
    writer = WriterConnection(engine)
    with writer.transaction() as raw:
        kept = raw
    engine.dispose()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        kept.execute("SELECT 1")
    _insert(writer, 1)  # a new connection, from the engine's new pool
    assert _count(engine) == 1
    engine.dispose()


def test_a_writer_held_elsewhere_is_reported_busy(tmp_path: Path) -> None:
    engine = open_local_database(tmp_path / "station.sqlite3", busy_timeout_ms=50)
    try:
        with engine.begin() as holder:
            holder.exec_driver_sql("CREATE TABLE probe (x INTEGER)")
            with pytest.raises(DatabaseBusy):
                _insert(WriterConnection(engine), 1)
    finally:
        engine.dispose()


def test_a_dropped_writer_closes_its_connection(db_path: Path) -> None:
    engine = open_local_database(db_path)
    writer = WriterConnection(engine)
    with writer.transaction() as raw:
        kept = raw
    del writer, raw  # the store that held it is gone
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        kept.execute("SELECT 1")
    engine.dispose()
    # The last connection closed: SQLite folded the WAL into the file and removed it.
    assert not db_path.with_name(db_path.name + "-wal").exists()
