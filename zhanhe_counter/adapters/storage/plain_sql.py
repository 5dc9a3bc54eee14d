"""Plain SQL for the hot paths of the station database (直写语句), on SQLAlchemy's own connection.

Building, caching and compiling a Core statement costs SQLAlchemy far more than SQLite spends
running it (issue 20: 8 statements per append made the store 0.13× a bare ``sqlite3`` loop).
The few statements every append runs are therefore fixed SQL text, executed on the DBAPI
connection inside the transaction SQLAlchemy began, so ``BEGIN IMMEDIATE``, rollback and the
error translation of :mod:`.engine` stay as they are.

Values are encoded by the columns' own types (``Uuid``, ``UtcDateTime``, ``JSON`` …), never by
hand, so a row written here reads back through SQLAlchemy exactly like one it wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.tables import UtcDateTime

Encoder = Callable[[Any], Any] | None


class RowEncoder:
    """Encodes the values of ``columns`` of ``table`` the way the engine's dialect binds them."""

    def __init__(self, table: sa.Table, columns: Sequence[str], dialect: sa.Dialect) -> None:
        self.columns = tuple(columns)
        self._encoders: tuple[Encoder, ...] = tuple(
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self.columns
        )

    def encode(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(
            value if encoder is None or value is None else encoder(value)
            for encoder, value in zip(
                self._encoders, (values[name] for name in self.columns), strict=True
            )
        )

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


def driver(connection: sa.Connection) -> Any:
    """The DBAPI connection under ``connection``, inside the transaction it began."""
    raw = connection.connection.driver_connection
    assert raw is not None  # an open SQLAlchemy connection always holds one
    return raw
