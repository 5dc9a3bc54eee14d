"""The sync's own small state in the station database (同步标记): marks, cursors and times.

Kept as key/value rows (``sync_state``) that the push, pull and status sides of the outbox
share. Whatever moves a mark moves it in the same SQLite transaction as the data it describes
(docs/sync.md, Tables and outbox columns): the push mark with the events' ``sent`` state, a pull
cursor with the rows it covers. A crash between the centre's COMMIT and this transaction only
causes a replay, which both sides ignore.

Per-event states (``case_event.sync_state``): ``local`` (saved on this PC, after the push mark),
``sent`` (at or below the mark, not yet echoed back), ``confirmed`` (the centre's echo set
``server_seq``), ``rejected`` (the centre refused it; the reason is kept in ``sync_rejection``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from zhanhe_counter.adapters.storage.tables import sync_state
from zhanhe_counter.services.ports.storage import SyncState

K_PUSH_MARK = "push_hwm"
K_EVENTS_CURSOR = "events_cursor"
K_REFERENCE_CURSOR = "ref_cursor"
K_CENTRAL_IDENTITY = "central_identity"
K_CENTRAL_START = "central_started_at"
K_CLOCK_OFFSET = "server_clock_offset_ms"
K_LAST_PUSH_OK = "last_push_ok_at"
K_LAST_PULL_OK = "last_pull_ok_at"
K_LAST_REFERENCE_OK = "last_reference_ok_at"

LOCAL = SyncState.LOCAL.value
SENT = SyncState.SENT.value
CONFIRMED = SyncState.CONFIRMED.value
REJECTED = SyncState.REJECTED.value


class StationSync:
    """What each side of the outbox starts from: the station database and this station's id."""

    def __init__(self, engine: sa.Engine, station_id: str) -> None:
        self._engine = engine
        self._station_id = station_id

    @property
    def station_id(self) -> str:
        return self._station_id


def get_mark(connection: sa.Connection, key: str) -> str | None:
    value = connection.execute(
        sa.select(sync_state.c.value).where(sync_state.c.key == key)
    ).scalar_one_or_none()
    return None if value is None else str(value)


def put_mark(connection: sa.Connection, key: str, value: str, now: datetime) -> None:
    statement = sqlite_insert(sync_state).values(key=key, value=value, updated_at=now)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["key"], set_={"value": value, "updated_at": now}
        )
    )


def instant(text: str | None) -> datetime | None:
    """A stored ISO time; naive values are UTC (SQLite keeps no zone); junk reads as unknown."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
