"""Reading and taking numbers of the station's sequences in tests (the product takes them only
together with their event, ``SqliteEventStore.record_numbered``)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.numbering import allocate_number
from zhanhe_counter.adapters.storage.plain_sql import driver
from zhanhe_counter.adapters.storage.tables import number_sequence


def issue_number(engine: sa.Engine, station_code: str, kind: str, day: date) -> int:
    """Take the next number in a transaction of its own."""
    with engine.begin() as connection:
        return allocate_number(driver(connection), station_code, kind, day)


def last_number(engine: sa.Engine, station_code: str, kind: str, day: date) -> int:
    """The last number given out (0 if none)."""
    with engine.connect() as connection:
        value = connection.execute(
            sa.select(number_sequence.c.last_seq).where(
                number_sequence.c.station_code == station_code,
                number_sequence.c.number_kind == kind,
                number_sequence.c.day == day,
            )
        ).scalar_one_or_none()
    return int(value or 0)
