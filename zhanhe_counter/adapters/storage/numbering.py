"""Gap-free sequences for printable numbers (编号分配) and for the station's event numbering.

Both counters are incremented by an upsert inside the caller's write transaction (a number that
is printed commits together with its event: ``SqliteEventStore.record_numbered``): a rollback
undoes the increment, so no number is skipped, and ``BEGIN IMMEDIATE`` makes two writers wait for
each other instead of reading the same value.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from zhanhe_counter.adapters.storage.plain_sql import driver
from zhanhe_counter.adapters.storage.tables import number_sequence
from zhanhe_counter.domain.errors import DomainError

_NEXT_STATION_SEQ = (
    "INSERT INTO station_counter (station_id, last_seq) VALUES (?, 1) "
    "ON CONFLICT (station_id) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq"
)


class InvalidNumberKey(DomainError):
    """A station code or number kind that cannot be used for numbering (编号参数错误)."""


def _check_key(station_code: str, kind: str) -> None:
    if not station_code.strip() or not kind.strip():
        raise InvalidNumberKey(
            f"empty station code or number kind: {station_code!r}, {kind!r}",
            "编号所需的站点代码或编号类型为空，请检查本机设置。",
        )


def allocate_number(connection: sa.Connection, station_code: str, kind: str, day: date) -> int:
    """Next number of (station, kind, day) inside the caller's open write transaction."""
    _check_key(station_code, kind)
    statement = (
        sqlite_insert(number_sequence)
        .values(station_code=station_code, number_kind=str(kind), day=day, last_seq=1)
        .on_conflict_do_update(
            index_elements=["station_code", "number_kind", "day"],
            set_={"last_seq": number_sequence.c.last_seq + 1},
        )
        .returning(number_sequence.c.last_seq)
    )
    return int(connection.execute(statement).scalar_one())


def allocate_station_seq(connection: sa.Connection, station_id: str) -> int:
    """Next event sequence of ``station_id`` inside the caller's open write transaction.

    Plain SQL on the driver connection: it runs on every append (:mod:`.plain_sql`).
    """
    row = driver(connection).execute(_NEXT_STATION_SEQ, (station_id,)).fetchone()
    return int(row[0])
