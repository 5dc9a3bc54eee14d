"""Gap-free sequences for printable numbers (编号分配) and for the station's event numbering.

Both counters are incremented by an upsert inside the caller's write transaction (a number that
is printed commits together with its event: ``SqliteEventStore.record_numbered``): a rollback
undoes the increment, so no number is skipped, and ``BEGIN IMMEDIATE`` makes two writers wait for
each other instead of reading the same value. Both take the DBAPI connection of that transaction
and run plain SQL (:mod:`.plain_sql`): they run with every intake and every append.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.dialects import sqlite

from zhanhe_counter.adapters.storage.plain_sql import RowEncoder
from zhanhe_counter.adapters.storage.tables import number_sequence
from zhanhe_counter.domain.errors import DomainError

_NEXT_STATION_SEQ = (
    "INSERT INTO station_counter (station_id, last_seq) VALUES (?, 1) "
    "ON CONFLICT (station_id) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq"
)
_NUMBER_KEY = ("station_code", "number_kind", "day")
_NEXT_NUMBER = (
    "INSERT INTO number_sequence (station_code, number_kind, day, last_seq) VALUES (?, ?, ?, 1) "
    "ON CONFLICT (station_code, number_kind, day) DO UPDATE SET last_seq = last_seq + 1 "
    "RETURNING last_seq"
)
_KEY_ENCODER = RowEncoder(number_sequence, _NUMBER_KEY, sqlite.dialect())


class InvalidNumberKey(DomainError):
    """A station code or number kind that cannot be used for numbering (编号参数错误)."""


def _check_key(station_code: str, kind: str) -> None:
    if not station_code.strip() or not kind.strip():
        raise InvalidNumberKey(
            f"empty station code or number kind: {station_code!r}, {kind!r}",
            "编号所需的站点代码或编号类型为空，请检查本机设置。",
        )


def allocate_number(raw: Any, station_code: str, kind: str, day: date) -> int:
    """Next number of (station, kind, day) in the write transaction open on DBAPI ``raw``."""
    _check_key(station_code, kind)
    key = _KEY_ENCODER.encode({"station_code": station_code, "number_kind": str(kind), "day": day})
    return int(raw.execute(_NEXT_NUMBER, key).fetchone()[0])


def allocate_station_seq(raw: Any, station_id: str) -> int:
    """Next event sequence of ``station_id`` in the write transaction open on DBAPI ``raw``."""
    return int(raw.execute(_NEXT_STATION_SEQ, (station_id,)).fetchone()[0])
