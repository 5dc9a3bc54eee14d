"""Plain SQL for the hot paths of the station database (直写语句), on SQLAlchemy's own connection.

Building, caching and compiling a Core statement costs SQLAlchemy far more than SQLite spends
running it (issue 20: 8 statements per append made the store 0.13× a bare ``sqlite3`` loop).
The few statements every append runs are therefore fixed SQL text on the DBAPI connection,
and an append's transaction is the driver's own, on a connection the store keeps
(:class:`WriterConnection`): SQLAlchemy's connection and transaction objects, with
their event dispatch, cost as much again as the statements (issue 20, still 0.40× after the
statements were plain). The connection comes from the engine's pool, so it carries the station
pragmas, and the transaction is the same ``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any
error, with :mod:`.engine`'s error translation.

Values are encoded by the columns' own types (``Uuid``, ``UtcDateTime``, ``JSON`` …), never by
hand, so a row written here reads back through SQLAlchemy exactly like one it wrote.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.engine import storage_errors
from zhanhe_counter.adapters.storage.tables import UtcDateTime

Encoder = Callable[[Any], Any] | None


class RowEncoder:
    """Encodes the values of ``columns`` of ``table`` the way the engine's dialect binds them;
    columns named in ``raw`` are passed as given (a payload already encoded as JSON text)."""

    def __init__(
        self,
        table: sa.Table,
        columns: Sequence[str],
        dialect: sa.Dialect,
        raw: Sequence[str] = (),
    ) -> None:
        self.columns = tuple(columns)
        self._encoders: tuple[Encoder, ...] = tuple(
            None if name in raw else _bind_encoder(table.c[name], dialect) for name in self.columns
        )
        # Only these need work: most columns are text or integers, bound as they are.
        self._encoding = tuple(
            (position, encoder)
            for position, encoder in enumerate(self._encoders)
            if encoder is not None
        )

    def encode(self, values: Mapping[str, Any]) -> list[Any]:
        row = [values[name] for name in self.columns]
        for position, encoder in self._encoding:
            value = row[position]
            if value is not None:
                row[position] = encoder(value)
        return row

    def one(self, name: str, value: Any) -> Any:
        encoder = self._encoders[self.columns.index(name)]
        return value if encoder is None or value is None else encoder(value)


class RowDecoder:
    """Decodes a result row of ``columns`` the way SQLAlchemy would read them; columns named in
    ``raw`` come back as stored."""

    def __init__(
        self, columns: Sequence[sa.Column[Any]], dialect: sa.Dialect, raw: Sequence[str] = ()
    ) -> None:
        self._decoders: tuple[Encoder, ...] = tuple(
            None if column.name in raw else _result_decoder(column, dialect) for column in columns
        )

    def decode(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            value if decoder is None or value is None else decoder(value)
            for decoder, value in zip(self._decoders, row, strict=True)
        )


def _utc_instant(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _utc_text(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime refused: the store keeps instants in UTC")
    # SQLAlchemy's SQLite format ("2026-11-26 01:00:01.000000"), without its %-formatting.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _bind_encoder(column: sa.Column[Any], dialect: sa.Dialect) -> Encoder:
    if dialect.name == "sqlite" and isinstance(column.type, UtcDateTime):
        return _utc_text  # the counterpart of _utc_instant, to the same text
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _result_decoder(column: sa.Column[Any], dialect: sa.Dialect) -> Encoder:
    if dialect.name == "sqlite" and isinstance(column.type, UtcDateTime):
        # SQLite holds UTC as ISO text ("2026-11-26 01:00:01.000000"): the C parser reads it
        # ten times faster than SQLAlchemy's regular expression, to the same aware instant.
        return _utc_instant
    return column.type.dialect_impl(dialect).result_processor(dialect, None)


def insert_sql(table: sa.Table, columns: Sequence[str]) -> str:
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table.name} ({names}) VALUES ({marks})"


def upsert_sql(table: sa.Table, columns: Sequence[str], key: str, updated: Sequence[str]) -> str:
    """``INSERT … ON CONFLICT (key) DO UPDATE`` setting ``updated`` from the new row."""
    sets = ", ".join(f"{name} = excluded.{name}" for name in updated)
    return f"{insert_sql(table, columns)} ON CONFLICT ({key}) DO UPDATE SET {sets}"


class WriterConnection:
    """A DBAPI connection of ``engine`` kept for one writer's transactions (the event store's).

    Checking a connection out of SQLAlchemy's pool and back for every append cost it about a
    tenth of its CPU (issue 20). The pool makes the connection, so it carries the station pragmas
    and the key, and then lets it go (``detach``). The writer closes it when the engine is
    disposed (a restore or an encryption may replace the file next) and after a rollback that
    failed, and makes a new one at its next transaction. Threads writing through one writer take
    turns; SQLite admits one writer at a time anyway.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._lock = threading.RLock()
        self._raw: Any = None
        self._close: weakref.finalize[Any, Any] | None = None
        writer = weakref.ref(self)  # the engine's listener must not keep the writer alive

        def release_on_dispose(_engine: sa.Engine) -> None:
            alive = writer()
            if alive is not None:
                alive.release()

        sa.event.listen(engine, "engine_disposed", release_on_dispose)

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A ``BEGIN IMMEDIATE`` transaction on the kept connection: committed when the block
        ends, rolled back when it raises, errors translated as :mod:`.engine` does."""
        with self._lock, storage_errors():
            if self._raw is None:
                pooled = self._engine.raw_connection()
                self._raw = pooled.driver_connection
                pooled.detach()  # never handed to anyone else
                # Closed by ``release``, or when the writer goes: a dropped sqlite3 connection
                # waits for the garbage collector, holding the WAL open until then.
                self._close = weakref.finalize(self, pooled.close)
            with _begin_immediate(self._raw, broken=self.release) as raw:
                yield raw

    def release(self) -> None:
        """Close the kept connection (the next transaction opens a new one)."""
        with self._lock:
            close, self._close, self._raw = self._close, None, None
            if close is not None:
                close()  # detached: this closes the DBAPI connection itself


@contextmanager
def _begin_immediate(raw: Any, *, broken: Callable[[], None]) -> Iterator[Any]:
    assert raw is not None  # a connection just made or checked out is open
    raw.execute("BEGIN IMMEDIATE")
    try:
        yield raw
        raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:  # a failed COMMIT may have ended it already
            try:
                raw.execute("ROLLBACK")
            except Exception:  # the error that led here is the one to report
                broken()  # a connection that cannot roll back is never used again
        raise


def driver(connection: sa.Connection) -> Any:
    """The DBAPI connection under ``connection``, inside the transaction it began."""
    raw = connection.connection.driver_connection
    assert raw is not None  # an open SQLAlchemy connection always holds one
    return raw
