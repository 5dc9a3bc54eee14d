"""The push side of the station's outbox (本机上传): the push mark, batches of own events, and
what the centre's answers change locally (sent, confirmed, refused, lost and sent again).

The handshake lives here too: it sets the push mark to the centre's count of this station's
events (raising it skips batches whose acknowledgement was lost; lowering it re-sends what a
restored centre lost) and resets the pull cursors when the centre is another database.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from zhanhe_counter.adapters.storage.engine import reading, storage_errors
from zhanhe_counter.adapters.storage.plain_sql import RowDecoder, driver
from zhanhe_counter.adapters.storage.sync_marks import (
    CONFIRMED,
    K_CENTRAL_IDENTITY,
    K_CLOCK_OFFSET,
    K_EVENTS_CURSOR,
    K_LAST_PUSH_OK,
    K_PUSH_MARK,
    K_REFERENCE_CURSOR,
    LOCAL,
    REJECTED,
    SENT,
    StationSync,
    as_utc,
    get_mark,
    put_mark,
)
from zhanhe_counter.adapters.storage.tables import (
    case_event,
    case_status,
    station_counter,
    sync_rejection,
)
from zhanhe_counter.domain.china_time import CHINA_TIME
from zhanhe_counter.services.ports.sync import (
    CasePlaces,
    CentralCopy,
    Hello,
    JsonText,
    OutboundCase,
    OutboundEvent,
    PullCursor,
    PushBatch,
    PushResult,
    Reconciliation,
    Rejection,
    SentEvent,
    SettledSent,
    StationDatabaseMismatch,
)

log = logging.getLogger(__name__)

_OUTBOUND_COLUMNS = (
    "event_id",
    "case_id",
    "station_id",
    "station_seq",
    "kind",
    "occurred_at",
    "hlc",
    "actor",
    "schema_version",
    "payload",
)
# Plain SQL (.plain_sql): a push reads thousands of rows, and the payload stays the JSON text it
# is stored as all the way to the centre.
_NEXT_EVENTS = (
    f"SELECT {', '.join(_OUTBOUND_COLUMNS)} FROM case_event"
    " WHERE station_id = ? AND station_seq > ? ORDER BY station_seq LIMIT ?"
)
# Only the opening station writes a case's ownership row; a back-office or delivery station's
# events about another station's case travel without it. The ids come as one JSON array.
_OPENED_CASES = (
    "SELECT s.case_id, s.station_id, s.matter_id, f.opened_at FROM case_status AS s"
    " JOIN (SELECT case_id, min(occurred_at) AS opened_at FROM case_event"
    "       WHERE case_id IN (SELECT value FROM json_each(?)) GROUP BY case_id) AS f"
    " ON f.case_id = s.case_id WHERE s.station_id = ?"
)


@functools.cache
def _readers(dialect: sa.Dialect) -> tuple[RowDecoder, RowDecoder]:
    """The decoders of outbox rows and of opened cases (they hold no connection)."""
    events = RowDecoder([case_event.c[name] for name in _OUTBOUND_COLUMNS], dialect, ("payload",))
    opened = RowDecoder(
        [
            case_status.c.case_id,
            case_status.c.station_id,
            case_status.c.matter_id,
            case_event.c.occurred_at,
        ],
        dialect,
    )
    return events, opened


def service_day(instant: datetime) -> date:
    """The calendar day at the counter (Beijing time) on which ``instant`` fell."""
    return instant.astimezone(CHINA_TIME).date()


def fallback_hlc(occurred_at: datetime, seq: int) -> int:
    """An hybrid-logical-clock value for an event recorded without one (ms << 16 | counter)."""
    return (int(occurred_at.timestamp() * 1000) << 16) | (seq & 0xFFFF)


class SqliteSyncPush(StationSync):
    """The ``SyncPush`` port on the station database (本机上传).

    ``places`` says where this station's cases belong (its hall, each matter's department); it
    travels with each case's ownership row so the centre routes the case at once.
    """

    places: CasePlaces = CasePlaces()

    def push_mark(self) -> int:
        with reading(self._engine) as connection:
            return int(get_mark(connection, K_PUSH_MARK) or 0)

    def reconcile(self, hello: Hello, now: datetime) -> Reconciliation:
        me = self._station_id
        with storage_errors(), self._engine.begin() as connection:
            # The counter as well as the events: pruning removes confirmed events, never numbers,
            # and a PC restored from an old backup is behind in both.
            local_max = max(
                int(
                    connection.execute(
                        sa.select(sa.func.max(case_event.c.station_seq)).where(
                            case_event.c.station_id == me
                        )
                    ).scalar_one_or_none()
                    or 0
                ),
                int(
                    connection.execute(
                        sa.select(station_counter.c.last_seq).where(
                            station_counter.c.station_id == me
                        )
                    ).scalar_one_or_none()
                    or 0
                ),
            )
            if hello.max_origin_seq > local_max:
                raise StationDatabaseMismatch(
                    f"central holds {me} events up to {hello.max_origin_seq}, "
                    f"this PC only up to {local_max}",
                    "中心保存的本站记录比本机还多（本机数据库可能是从旧备份恢复或复制的），"
                    "已停止上传，请立即联系管理员。",
                )
            identity = f"{hello.system_id or '-'}:{hello.epoch}"
            events_cursor = PullCursor.from_text(get_mark(connection, K_EVENTS_CURSOR))
            reference_cursor = PullCursor.from_text(get_mark(connection, K_REFERENCE_CURSOR))
            known = get_mark(connection, K_CENTRAL_IDENTITY)
            # A cursor ahead of the centre's transaction counter can only come from another
            # cluster history (logical restore): it would skip everything, so start over.
            reset = (known is not None and known != identity) or max(
                events_cursor.xid, reference_cursor.xid
            ) > hello.current_xid
            if reset:
                log.warning("central identity changed (%s -> %s): full re-pull", known, identity)
                put_mark(connection, K_EVENTS_CURSOR, PullCursor().to_text(), now)
                put_mark(connection, K_REFERENCE_CURSOR, PullCursor().to_text(), now)
            put_mark(connection, K_CENTRAL_IDENTITY, identity, now)

            previous = int(get_mark(connection, K_PUSH_MARK) or 0)
            mark = hello.max_origin_seq
            mine = case_event.c.station_id == me
            connection.execute(
                sa.update(case_event)
                .where(mine, case_event.c.station_seq <= mark, case_event.c.sync_state == LOCAL)
                .values(sync_state=SENT)
            )
            connection.execute(
                sa.update(case_event)
                .where(
                    mine,
                    case_event.c.station_seq > mark,
                    case_event.c.sync_state.in_([SENT, CONFIRMED]),
                )
                .values(sync_state=LOCAL, server_seq=None)
            )
            put_mark(connection, K_PUSH_MARK, str(mark), now)
            offset = int((hello.server_time - now).total_seconds() * 1000)
            put_mark(connection, K_CLOCK_OFFSET, str(offset), now)
        if mark != previous:
            log.info("push mark %s -> %s by handshake", previous, mark)
        return Reconciliation(previous_mark=previous, mark=mark, cursors_reset=reset)

    def next_batch(self, limit: int) -> PushBatch | None:
        me = self._station_id
        events, _opened = _readers(self._engine.dialect)
        with reading(self._engine) as connection:
            mark = int(get_mark(connection, K_PUSH_MARK) or 0)
            raw = driver(connection)
            rows = [
                events.decode(row)
                for row in raw.execute(_NEXT_EVENTS, (me, mark, max(1, limit))).fetchall()
            ]
            if not rows:
                return None
            case_ids = list(dict.fromkeys(row[1] for row in rows))
            cases = self._outbound_cases(connection, case_ids)
        outbound = tuple(
            OutboundEvent(
                event_id=event_id,
                case_id=case_id,
                origin=origin,
                origin_seq=int(seq),
                kind=kind,
                occurred_at=occurred_at,
                service_day=service_day(occurred_at),
                hlc=int(hlc) if hlc is not None else fallback_hlc(occurred_at, int(seq)),
                actor=actor,
                schema_version=int(schema_version),
                payload=JsonText(payload),
            )
            for (
                event_id,
                case_id,
                origin,
                seq,
                kind,
                occurred_at,
                hlc,
                actor,
                schema_version,
                payload,
            ) in rows
        )
        return PushBatch(cases=cases, events=outbound)

    def _outbound_cases(
        self, connection: sa.Connection, case_ids: Sequence[UUID]
    ) -> tuple[OutboundCase, ...]:
        _events, opened = _readers(self._engine.dialect)
        ids = json.dumps([case_id.hex for case_id in case_ids])
        rows = [
            opened.decode(row)
            for row in driver(connection).execute(_OPENED_CASES, (ids, self._station_id))
        ]
        return tuple(
            OutboundCase(
                case_id=case_id,
                station_id=station_id,
                matter_id=matter_id,
                service_day=service_day(as_utc(opened_at)),
                created_at=as_utc(opened_at),
                department=self.places.departments.get(matter_id or ""),
                hall=self.places.hall,
            )
            for case_id, station_id, matter_id, opened_at in rows
        )

    def acknowledge(self, batch: PushBatch, result: PushResult, now: datetime) -> int:
        if not batch.events:
            return 0
        first = batch.events[0].origin_seq
        with storage_errors(), self._engine.begin() as connection:
            # What the centre stores is confirmed straight from the answer (one write per event,
            # not "sent" first); only what it did not store stays "sent" for the next check.
            confirmed = self._confirm(connection, result.stored, (LOCAL, SENT))
            connection.execute(
                sa.update(case_event)
                .where(
                    case_event.c.station_id == self._station_id,
                    case_event.c.station_seq.between(first, batch.last_seq),
                    case_event.c.sync_state == LOCAL,
                )
                .values(sync_state=SENT)
            )
            self._mark_rejected(connection, result.rejected, now)
            put_mark(connection, K_PUSH_MARK, str(batch.last_seq), now)
            put_mark(connection, K_LAST_PUSH_OK, now.isoformat(), now)
        return confirmed

    def _confirm(
        self,
        connection: sa.Connection,
        stored: Sequence[CentralCopy],
        states: tuple[str, ...] = (SENT,),
    ) -> int:
        """Confirm own events in ``states`` the centre stores; returns how many changed."""
        if not stored:
            return 0
        marks = ", ".join("?" for _ in states)
        cursor = driver(connection).executemany(
            "UPDATE case_event SET sync_state = ?, server_seq = ?"
            f" WHERE event_id = ? AND station_id = ? AND sync_state IN ({marks})",
            [
                (CONFIRMED, copy.server_seq, copy.event_id.hex, self._station_id, *states)
                for copy in stored
            ],
        )
        return int(cursor.rowcount)

    def sent_after(self, after_seq: int, limit: int) -> list[SentEvent]:
        with reading(self._engine) as connection:
            rows = connection.execute(
                sa.select(case_event.c.event_id, case_event.c.station_seq)
                .where(
                    case_event.c.station_id == self._station_id,
                    case_event.c.sync_state == SENT,
                    case_event.c.station_seq > after_seq,
                )
                .order_by(case_event.c.station_seq)
                .limit(max(1, limit))
            ).all()
        return [SentEvent(row.event_id, int(row.station_seq)) for row in rows]

    def settle_sent(
        self,
        checked: Sequence[UUID],
        stored: Sequence[CentralCopy],
        refused: Sequence[Rejection],
        now: datetime,
    ) -> SettledSent:
        held = {copy.event_id for copy in stored} | {r.event_id for r in refused}
        missing = [event_id for event_id in checked if event_id not in held]
        with storage_errors(), self._engine.begin() as connection:
            confirmed = self._confirm(connection, stored)
            rejected = self._mark_rejected(connection, refused, now)
            resend = 0
            if missing:
                mine_missing = (
                    case_event.c.station_id == self._station_id,
                    case_event.c.event_id.in_(missing),
                    case_event.c.sync_state == SENT,
                )
                lowest = connection.execute(
                    sa.select(sa.func.min(case_event.c.station_seq)).where(*mine_missing)
                ).scalar_one_or_none()
                resend = int(
                    connection.execute(
                        sa.update(case_event)
                        .where(*mine_missing)
                        .values(sync_state=LOCAL, server_seq=None)
                    ).rowcount
                )
                mark = int(get_mark(connection, K_PUSH_MARK) or 0)
                if lowest is not None and int(lowest) <= mark:
                    # next_batch reads after the mark: move it below the first lost event. What
                    # travels again in between the centre already has and skips by event id.
                    put_mark(connection, K_PUSH_MARK, str(int(lowest) - 1), now)
        if resend:
            log.warning("%d sent events are not at the centre: pushing them again", resend)
        return SettledSent(confirmed=confirmed, rejected=rejected, resend=resend)

    def _mark_rejected(
        self, connection: sa.Connection, rejections: Iterable[Rejection], now: datetime
    ) -> int:
        count = 0
        for rejection in rejections:
            changed = connection.execute(
                sa.update(case_event)
                .where(case_event.c.event_id == rejection.event_id)
                .values(sync_state=REJECTED, sync_error=rejection.message)
            ).rowcount
            if not changed:
                continue
            count += 1
            connection.execute(
                sqlite_insert(sync_rejection)
                .values(
                    event_id=rejection.event_id,
                    code=rejection.code,
                    message=rejection.message,
                    at=now,
                )
                .on_conflict_do_nothing(index_elements=["event_id"])
            )
        return count

    def unconfirmed_sent(self, limit: int) -> list[UUID]:
        with reading(self._engine) as connection:
            return list(
                connection.execute(
                    sa.select(case_event.c.event_id)
                    .where(
                        case_event.c.station_id == self._station_id,
                        case_event.c.sync_state == SENT,
                    )
                    .order_by(case_event.c.station_seq)
                    .limit(max(1, limit))
                ).scalars()
            )

    def record_rejections(self, rejections: Sequence[Rejection], now: datetime) -> int:
        if not rejections:
            return 0
        with storage_errors(), self._engine.begin() as connection:
            return self._mark_rejected(connection, rejections, now)
