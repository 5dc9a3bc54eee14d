"""The station side of the sync (本机同步库): the ``SyncOutbox`` port on the SQLite store.

Everything that moves a mark moves it in the same SQLite transaction as the data it describes
(sync.md §1.7): the push mark with the events' ``sent`` state, a pull cursor with the rows it
covers. A crash between the centre's COMMIT and this transaction only causes a replay, which
both sides ignore.

Per-event states (``case_event.sync_state``): ``local`` (saved on this PC, after the push mark),
``sent`` (at or below the mark, not yet echoed back), ``confirmed`` (the centre's echo set
``server_seq``), ``rejected`` (the centre refused it; the reason is kept in ``sync_rejection``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from zhanhe_counter.adapters.storage.engine import reading, storage_errors
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.adapters.storage.retention_tables import pruned_case
from zhanhe_counter.adapters.storage.sync_tables import (
    reference_mirror,
    sync_conflict,
    sync_session,
)
from zhanhe_counter.adapters.storage.tables import (
    case_event,
    case_status,
    catalogue_version,
    department,
    matter,
    staff,
    station_counter,
    sync_rejection,
    sync_state,
    window_config,
)
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventDraft, EventKind
from zhanhe_counter.services.ports.storage import SyncState
from zhanhe_counter.services.ports.sync import (
    AppliedEvents,
    CaseSyncBadge,
    CentralCopy,
    Hello,
    InboundEvent,
    OutboundCase,
    OutboundEvent,
    OutboxItem,
    OutboxSummary,
    PullCursor,
    PullPage,
    PushBatch,
    PushResult,
    Reconciliation,
    RefChange,
    Rejection,
    SentEvent,
    SessionRecord,
    SettledSent,
    StationDatabaseMismatch,
)

log = logging.getLogger(__name__)

# China has one time zone and no daylight saving: the service day is the date at UTC+8.
SERVICE_TZ = timezone(timedelta(hours=8))
_SESSIONS_KEPT = 200

K_PUSH_MARK = "push_hwm"
K_EVENTS_CURSOR = "events_cursor"
K_REFERENCE_CURSOR = "ref_cursor"
K_CENTRAL_IDENTITY = "central_identity"
K_CENTRAL_START = "central_started_at"
K_CLOCK_OFFSET = "server_clock_offset_ms"
K_LAST_PUSH_OK = "last_push_ok_at"
K_LAST_PULL_OK = "last_pull_ok_at"
K_LAST_REFERENCE_OK = "last_reference_ok_at"

_LOCAL = SyncState.LOCAL.value
_SENT = SyncState.SENT.value
_CONFIRMED = SyncState.CONFIRMED.value
_REJECTED = SyncState.REJECTED.value


def service_day(instant: datetime) -> date:
    """The calendar day at the counter (UTC+8) on which ``instant`` fell."""
    return instant.astimezone(SERVICE_TZ).date()


def fallback_hlc(occurred_at: datetime, seq: int) -> int:
    """An hybrid-logical-clock value for an event recorded without one (ms << 16 | counter)."""
    return (int(occurred_at.timestamp() * 1000) << 16) | (seq & 0xFFFF)


def _get(connection: sa.Connection, key: str) -> str | None:
    value = connection.execute(
        sa.select(sync_state.c.value).where(sync_state.c.key == key)
    ).scalar_one_or_none()
    return None if value is None else str(value)


def _put(connection: sa.Connection, key: str, value: str, now: datetime) -> None:
    statement = sqlite_insert(sync_state).values(key=key, value=value, updated_at=now)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["key"], set_={"value": value, "updated_at": now}
        )
    )


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class SqliteSyncOutbox:
    """The ``SyncOutbox`` port on the station database (本机同步库)."""

    def __init__(self, engine: sa.Engine, station_id: str) -> None:
        self._engine = engine
        self._station_id = station_id
        # Pulled back-office facts go through the same append path as local ones, so the
        # state machine and the status projection can never disagree with the log.
        self._store = SqliteEventStore(engine)

    @property
    def station_id(self) -> str:
        return self._station_id

    # --------------------------------------------------------------------------------- push

    def push_mark(self) -> int:
        with reading(self._engine) as connection:
            return int(_get(connection, K_PUSH_MARK) or 0)

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
            events_cursor = PullCursor.from_text(_get(connection, K_EVENTS_CURSOR))
            reference_cursor = PullCursor.from_text(_get(connection, K_REFERENCE_CURSOR))
            known = _get(connection, K_CENTRAL_IDENTITY)
            # A cursor ahead of the centre's transaction counter can only come from another
            # cluster history (logical restore): it would skip everything, so start over.
            reset = (known is not None and known != identity) or max(
                events_cursor.xid, reference_cursor.xid
            ) > hello.current_xid
            if reset:
                log.warning("central identity changed (%s -> %s): full re-pull", known, identity)
                _put(connection, K_EVENTS_CURSOR, PullCursor().to_text(), now)
                _put(connection, K_REFERENCE_CURSOR, PullCursor().to_text(), now)
            _put(connection, K_CENTRAL_IDENTITY, identity, now)

            previous = int(_get(connection, K_PUSH_MARK) or 0)
            mark = hello.max_origin_seq
            mine = case_event.c.station_id == me
            connection.execute(
                sa.update(case_event)
                .where(mine, case_event.c.station_seq <= mark, case_event.c.sync_state == _LOCAL)
                .values(sync_state=_SENT)
            )
            connection.execute(
                sa.update(case_event)
                .where(
                    mine,
                    case_event.c.station_seq > mark,
                    case_event.c.sync_state.in_([_SENT, _CONFIRMED]),
                )
                .values(sync_state=_LOCAL, server_seq=None)
            )
            _put(connection, K_PUSH_MARK, str(mark), now)
            offset = int((hello.server_time - now).total_seconds() * 1000)
            _put(connection, K_CLOCK_OFFSET, str(offset), now)
        if mark != previous:
            log.info("push mark %s -> %s by handshake", previous, mark)
        return Reconciliation(previous_mark=previous, mark=mark, cursors_reset=reset)

    def next_batch(self, limit: int) -> PushBatch | None:
        me = self._station_id
        with reading(self._engine) as connection:
            mark = int(_get(connection, K_PUSH_MARK) or 0)
            rows = connection.execute(
                sa.select(case_event)
                .where(case_event.c.station_id == me, case_event.c.station_seq > mark)
                .order_by(case_event.c.station_seq)
                .limit(max(1, limit))
            ).all()
            if not rows:
                return None
            case_ids = list({row.case_id for row in rows})
            cases = self._outbound_cases(connection, case_ids)
        events = tuple(
            OutboundEvent(
                event_id=row.event_id,
                case_id=row.case_id,
                origin=row.station_id,
                origin_seq=int(row.station_seq),
                kind=row.kind,
                occurred_at=row.occurred_at,
                service_day=service_day(row.occurred_at),
                hlc=int(row.hlc)
                if row.hlc is not None
                else fallback_hlc(row.occurred_at, int(row.station_seq)),
                actor=row.actor,
                schema_version=int(row.schema_version),
                payload=row.payload,
            )
            for row in rows
        )
        return PushBatch(cases=cases, events=events)

    def _outbound_cases(
        self, connection: sa.Connection, case_ids: Sequence[UUID]
    ) -> tuple[OutboundCase, ...]:
        first = (
            sa.select(
                case_event.c.case_id, sa.func.min(case_event.c.occurred_at).label("opened_at")
            )
            .where(case_event.c.case_id.in_(case_ids))
            .group_by(case_event.c.case_id)
            .subquery()
        )
        rows = connection.execute(
            sa.select(
                case_status.c.case_id,
                case_status.c.station_id,
                case_status.c.matter_id,
                first.c.opened_at,
            ).join(first, first.c.case_id == case_status.c.case_id)
        ).all()
        return tuple(
            OutboundCase(
                case_id=row.case_id,
                station_id=row.station_id,
                matter_id=row.matter_id,
                service_day=service_day(_as_utc(row.opened_at)),
                created_at=_as_utc(row.opened_at),
            )
            for row in rows
        )

    def acknowledge(self, batch: PushBatch, result: PushResult, now: datetime) -> int:
        if not batch.events:
            return 0
        first = batch.events[0].origin_seq
        with storage_errors(), self._engine.begin() as connection:
            connection.execute(
                sa.update(case_event)
                .where(
                    case_event.c.station_id == self._station_id,
                    case_event.c.station_seq.between(first, batch.last_seq),
                    case_event.c.sync_state == _LOCAL,
                )
                .values(sync_state=_SENT)
            )
            self._mark_rejected(connection, result.rejected, now)
            confirmed = self._confirm(connection, result.stored)
            _put(connection, K_PUSH_MARK, str(batch.last_seq), now)
            _put(connection, K_LAST_PUSH_OK, now.isoformat(), now)
        return confirmed

    def _confirm(self, connection: sa.Connection, stored: Sequence[CentralCopy]) -> int:
        """Confirm own "sent" events the centre stores; returns how many changed."""
        if not stored:
            return 0
        result = connection.execute(
            sa.update(case_event)
            .where(
                case_event.c.event_id == sa.bindparam("b_id"),
                case_event.c.station_id == self._station_id,
                case_event.c.sync_state == _SENT,
            )
            .values(sync_state=_CONFIRMED, server_seq=sa.bindparam("b_seq")),
            [{"b_id": copy.event_id, "b_seq": copy.server_seq} for copy in stored],
        )
        return int(result.rowcount)

    def sent_after(self, after_seq: int, limit: int) -> list[SentEvent]:
        with reading(self._engine) as connection:
            rows = connection.execute(
                sa.select(case_event.c.event_id, case_event.c.station_seq)
                .where(
                    case_event.c.station_id == self._station_id,
                    case_event.c.sync_state == _SENT,
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
                    case_event.c.sync_state == _SENT,
                )
                lowest = connection.execute(
                    sa.select(sa.func.min(case_event.c.station_seq)).where(*mine_missing)
                ).scalar_one_or_none()
                resend = int(
                    connection.execute(
                        sa.update(case_event)
                        .where(*mine_missing)
                        .values(sync_state=_LOCAL, server_seq=None)
                    ).rowcount
                )
                mark = int(_get(connection, K_PUSH_MARK) or 0)
                if lowest is not None and int(lowest) <= mark:
                    # next_batch reads after the mark: move it below the first lost event. What
                    # travels again in between the centre already has and skips by event id.
                    _put(connection, K_PUSH_MARK, str(int(lowest) - 1), now)
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
                .values(sync_state=_REJECTED, sync_error=rejection.message)
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
                        case_event.c.sync_state == _SENT,
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

    # --------------------------------------------------------------------------------- pull

    def events_cursor(self) -> PullCursor:
        with reading(self._engine) as connection:
            return PullCursor.from_text(_get(connection, K_EVENTS_CURSOR))

    def reference_cursor(self) -> PullCursor:
        with reading(self._engine) as connection:
            return PullCursor.from_text(_get(connection, K_REFERENCE_CURSOR))

    def recent_pulled(self, limit: int) -> list[UUID]:
        with reading(self._engine) as connection:
            return list(
                connection.execute(
                    sa.select(case_event.c.event_id)
                    .where(case_event.c.server_seq.is_not(None))
                    .order_by(case_event.c.server_seq.desc())
                    .limit(max(1, limit))
                ).scalars()
            )

    def central_start(self) -> datetime | None:
        with reading(self._engine) as connection:
            return _instant(_get(connection, K_CENTRAL_START))

    def note_central_start(
        self, started_at: datetime, events: PullCursor, reference: PullCursor, now: datetime
    ) -> bool:
        moved = False
        with storage_errors(), self._engine.begin() as connection:
            for key, durable in ((K_EVENTS_CURSOR, events), (K_REFERENCE_CURSOR, reference)):
                current = PullCursor.from_text(_get(connection, key))
                if (durable.xid, durable.seq) < (current.xid, current.seq):
                    log.warning(
                        "central restarted and lost rows past %s: %s cursor back from %s",
                        durable.to_text(),
                        key,
                        current.to_text(),
                    )
                    _put(connection, key, durable.to_text(), now)
                    moved = True
            _put(connection, K_CENTRAL_START, started_at.isoformat(), now)
        return moved

    def apply_events(self, page: PullPage[InboundEvent], now: datetime) -> AppliedEvents:
        confirmed = added = conflicts = 0
        with storage_errors(), self._engine.begin() as connection:
            ids = [event.event_id for event in page.rows]
            existing = {
                row.event_id: row
                for row in connection.execute(
                    sa.select(
                        case_event.c.event_id, case_event.c.sync_state, case_event.c.station_id
                    ).where(case_event.c.event_id.in_(ids))
                )
            }
            set_aside = set(
                connection.execute(
                    sa.select(sync_conflict.c.event_id).where(sync_conflict.c.event_id.in_(ids))
                ).scalars()
            )
            # Echoes of events this PC already holds: one executemany, not a round per row.
            echoes = [
                {
                    "b_id": event.event_id,
                    "b_state": _REJECTED
                    if existing[event.event_id].sync_state == _REJECTED
                    else _CONFIRMED,
                    "b_seq": event.server_seq,
                    "b_hlc": event.hlc,
                }
                for event in page.rows
                if event.event_id in existing
            ]
            if echoes:
                connection.execute(
                    sa.update(case_event)
                    .where(case_event.c.event_id == sa.bindparam("b_id"))
                    .values(
                        sync_state=sa.bindparam("b_state"),
                        server_seq=sa.bindparam("b_seq"),
                        hlc=sa.func.coalesce(case_event.c.hlc, sa.bindparam("b_hlc")),
                    ),
                    echoes,
                )
            # Counted once: most own events are already confirmed by their push's answer.
            confirmed = sum(
                1
                for row in existing.values()
                if row.station_id == self._station_id
                and row.sync_state not in (_CONFIRMED, _REJECTED)
            )
            for event in page.rows:
                if event.event_id in existing or event.event_id in set_aside:
                    continue
                outcome = self._apply_new_event(connection, event, now)
                added += outcome == "added"
                conflicts += outcome == "conflict"
            _put(connection, K_EVENTS_CURSOR, page.next_cursor.to_text(), now)
            _put(connection, K_LAST_PULL_OK, now.isoformat(), now)
        return AppliedEvents(confirmed=confirmed, added=added, conflicts=conflicts)

    def _apply_new_event(
        self, connection: sa.Connection, event: InboundEvent, now: datetime
    ) -> str:
        pruned = connection.execute(
            sa.select(pruned_case.c.pruned_case_id).where(
                pruned_case.c.pruned_case_id == event.case_id
            )
        ).first()
        if pruned is not None:
            # This PC let the case go after the centre confirmed it; the centre keeps it.
            return "pruned"
        if event.origin == self._station_id:
            return self._conflict(
                connection,
                event,
                "unknown_own_event",
                "中心有一条本站记录而本机没有（本机数据库可能是从旧备份恢复的）。",
                now,
            )
        case_known = connection.execute(
            sa.select(case_status.c.case_id).where(case_status.c.case_id == event.case_id)
        ).scalar_one_or_none()
        if case_known is None:
            return self._conflict(
                connection, event, "unknown_case", "中心的记录属于本机没有的办件。", now
            )
        try:
            kind = EventKind(event.kind)
        except ValueError:
            return self._conflict(
                connection,
                event,
                "unknown_kind",
                f"本机版本不认识中心的记录类型“{event.kind}”，请升级客户端。",
                now,
            )
        draft = EventDraft(
            event_id=event.event_id,
            case_id=event.case_id,
            kind=kind,
            station_id=event.origin,
            actor=event.actor,
            occurred_at=event.occurred_at,
            payload=dict(event.payload),
        )
        try:
            with connection.begin_nested():
                self._store.append_in(connection, draft, {})
        except DomainError as error:
            return self._conflict(connection, event, "incompatible", error.user_message, now)
        connection.execute(
            sa.update(case_event)
            .where(case_event.c.event_id == event.event_id)
            .values(sync_state=_CONFIRMED, server_seq=event.server_seq, hlc=event.hlc)
        )
        return "added"

    def _conflict(
        self,
        connection: sa.Connection,
        event: InboundEvent,
        reason: str,
        message: str,
        now: datetime,
    ) -> str:
        log.warning(
            "pulled event %s (%s, case %s) kept aside: %s",
            event.event_id,
            event.kind,
            event.case_id,
            reason,
        )
        connection.execute(
            sqlite_insert(sync_conflict)
            .values(
                event_id=event.event_id,
                case_id=event.case_id,
                origin=event.origin,
                origin_seq=event.origin_seq,
                kind=event.kind,
                actor=event.actor,
                occurred_at=event.occurred_at,
                hlc=event.hlc,
                payload=dict(event.payload),
                server_seq=event.server_seq,
                reason=reason,
                message=message,
                pulled_at=now,
            )
            .on_conflict_do_nothing(index_elements=["event_id"])
        )
        connection.execute(
            sa.update(case_status)
            .where(case_status.c.case_id == event.case_id)
            .values(needs_attention=True)
        )
        return "conflict"

    def apply_reference(self, page: PullPage[RefChange], now: datetime) -> int:
        with storage_errors(), self._engine.begin() as connection:
            for change in page.rows:
                _apply_reference_change(connection, change, now)
            _put(connection, K_REFERENCE_CURSOR, page.next_cursor.to_text(), now)
            _put(connection, K_LAST_REFERENCE_OK, now.isoformat(), now)
        return len(page.rows)

    # -------------------------------------------------------------------------- what users see

    def record_session(self, record: SessionRecord) -> None:
        with storage_errors(), self._engine.begin() as connection:
            connection.execute(
                sync_session.insert().values(
                    started_at=record.started_at,
                    finished_at=record.finished_at,
                    pushed=record.pushed,
                    pulled=record.pulled,
                    pulled_reference=record.pulled_reference,
                    error=record.error,
                )
            )
            newest_kept = (
                sa.select(sync_session.c.session_id)
                .order_by(sync_session.c.session_id.desc())
                .limit(_SESSIONS_KEPT)
                .scalar_subquery()
            )
            connection.execute(
                sa.delete(sync_session).where(sync_session.c.session_id.not_in(newest_kept))
            )

    def sessions(self, limit: int = 20) -> list[SessionRecord]:
        with reading(self._engine) as connection:
            rows = connection.execute(
                sa.select(sync_session).order_by(sync_session.c.session_id.desc()).limit(limit)
            ).all()
        return [
            SessionRecord(
                started_at=row.started_at,
                finished_at=row.finished_at,
                pushed=row.pushed,
                pulled=row.pulled,
                pulled_reference=row.pulled_reference,
                error=row.error,
            )
            for row in rows
        ]

    def summary(self) -> OutboxSummary:
        mine = case_event.c.station_id == self._station_id
        with reading(self._engine) as connection:
            counts: dict[str, int] = dict(
                connection.execute(
                    sa.select(case_event.c.sync_state, sa.func.count())
                    .where(mine)
                    .group_by(case_event.c.sync_state)
                ).all()
            )
            oldest = connection.execute(
                sa.select(sa.func.min(case_event.c.recorded_at)).where(
                    mine, case_event.c.sync_state == _LOCAL
                )
            ).scalar_one_or_none()
            conflicts = connection.execute(
                sa.select(sa.func.count()).select_from(sync_conflict)
            ).scalar_one()
            values = dict(connection.execute(sa.select(sync_state.c.key, sync_state.c.value)).all())
            current = connection.execute(
                sa.select(catalogue_version.c.version).where(catalogue_version.c.is_current)
            ).scalar()
        offset = values.get(K_CLOCK_OFFSET)
        return OutboxSummary(
            pending=int(counts.get(_LOCAL, 0)),
            oldest_pending_at=_as_utc(oldest) if oldest is not None else None,
            sent_unconfirmed=int(counts.get(_SENT, 0)),
            rejected=int(counts.get(_REJECTED, 0)),
            conflicts=int(conflicts),
            last_push_ok_at=_instant(values.get(K_LAST_PUSH_OK)),
            last_pull_ok_at=_instant(values.get(K_LAST_PULL_OK)),
            last_reference_ok_at=_instant(values.get(K_LAST_REFERENCE_OK)),
            clock_offset_ms=int(offset) if offset is not None else None,
            catalogue_version=current,
        )

    def outbox_items(self, limit: int = 500) -> list[OutboxItem]:
        waiting = (
            sa.select(
                case_event.c.event_id,
                case_event.c.case_id,
                case_status.c.case_number,
                case_event.c.kind,
                case_event.c.occurred_at,
                case_event.c.sync_state,
                case_event.c.sync_error,
            )
            .join(case_status, case_status.c.case_id == case_event.c.case_id)
            .where(
                case_event.c.station_id == self._station_id,
                case_event.c.sync_state.in_([_LOCAL, _SENT, _REJECTED]),
            )
            .order_by(case_event.c.station_seq)
            .limit(limit)
        )
        conflicts = (
            sa.select(
                sync_conflict.c.event_id,
                sync_conflict.c.case_id,
                case_status.c.case_number,
                sync_conflict.c.kind,
                sync_conflict.c.occurred_at,
                sync_conflict.c.message,
            )
            .outerjoin(case_status, case_status.c.case_id == sync_conflict.c.case_id)
            .order_by(sync_conflict.c.pulled_at)
            .limit(limit)
        )
        badge_of = {
            _LOCAL: CaseSyncBadge.SAVED_LOCAL,
            _SENT: CaseSyncBadge.SENT,
            _REJECTED: CaseSyncBadge.REJECTED,
        }
        with reading(self._engine) as connection:
            items = [
                OutboxItem(
                    event_id=row.event_id,
                    case_id=row.case_id,
                    case_number=row.case_number,
                    kind=row.kind,
                    occurred_at=row.occurred_at,
                    badge=badge_of[row.sync_state],
                    message=row.sync_error,
                )
                for row in connection.execute(waiting)
            ]
            items += [
                OutboxItem(
                    event_id=row.event_id,
                    case_id=row.case_id,
                    case_number=row.case_number,
                    kind=row.kind,
                    occurred_at=row.occurred_at,
                    badge=CaseSyncBadge.NEEDS_ATTENTION,
                    message=row.message,
                )
                for row in connection.execute(conflicts)
            ]
        order = {
            CaseSyncBadge.REJECTED: 0,
            CaseSyncBadge.NEEDS_ATTENTION: 1,
            CaseSyncBadge.SAVED_LOCAL: 2,
            CaseSyncBadge.SENT: 3,
        }
        items.sort(key=lambda item: order.get(item.badge, 9))
        return items[:limit]

    def case_badges(self, case_ids: Sequence[UUID]) -> dict[UUID, CaseSyncBadge]:
        if not case_ids:
            return {}
        ids = list(case_ids)
        with reading(self._engine) as connection:
            states = connection.execute(
                sa.select(case_event.c.case_id, case_event.c.sync_state)
                .where(case_event.c.case_id.in_(ids))
                .distinct()
            ).all()
            attention = set(
                connection.execute(
                    sa.select(case_status.c.case_id).where(
                        case_status.c.case_id.in_(ids), case_status.c.needs_attention
                    )
                ).scalars()
            )
        seen: dict[UUID, set[str]] = {}
        for row in states:
            seen.setdefault(row.case_id, set()).add(row.sync_state)
        return {
            case_id: _worst(states_of, case_id in attention) for case_id, states_of in seen.items()
        }


def _worst(states: set[str], needs_attention: bool) -> CaseSyncBadge:
    if needs_attention:
        return CaseSyncBadge.NEEDS_ATTENTION
    if _REJECTED in states:
        return CaseSyncBadge.REJECTED
    if _LOCAL in states:
        return CaseSyncBadge.SAVED_LOCAL
    if _SENT in states:
        return CaseSyncBadge.SENT
    return CaseSyncBadge.CONFIRMED


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# ------------------------------------------------------------------------------ reference data


def _apply_reference_change(connection: sa.Connection, change: RefChange, now: datetime) -> None:
    key = {"entity": change.entity, "entity_key": change.entity_key}
    if change.op == "delete" or change.data is None:
        connection.execute(
            sa.delete(reference_mirror).where(
                reference_mirror.c.entity == change.entity,
                reference_mirror.c.entity_key == change.entity_key,
            )
        )
    else:
        values = {"data": dict(change.data), "server_seq": change.server_seq, "updated_at": now}
        connection.execute(
            sqlite_insert(reference_mirror)
            .values(**key, **values)
            .on_conflict_do_update(index_elements=["entity", "entity_key"], set_=values)
        )
    apply = _REFERENCE_APPLIERS.get(change.entity)
    if apply is not None:
        apply(connection, change, now)


def _upsert(
    connection: sa.Connection, table: sa.Table, keys: Sequence[str], values: Mapping[str, Any]
) -> None:
    updates = {k: v for k, v in values.items() if k not in keys}
    statement = sqlite_insert(table).values(**values)
    if updates:
        connection.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates))
    else:
        connection.execute(statement.on_conflict_do_nothing(index_elements=keys))


def _required_instant(value: Any, default: datetime) -> datetime:
    parsed = _instant(value) if isinstance(value, str) else None
    return parsed or default


def _department(connection: sa.Connection, change: RefChange, now: datetime) -> None:
    data = change.data or {}
    if change.op == "delete":
        connection.execute(
            sa.update(department)
            .where(department.c.department_id == change.entity_key)
            .values(active=False)
        )
        return
    _upsert(
        connection,
        department,
        ["department_id"],
        {
            "department_id": data["department_id"],
            "name": data["name"],
            "active": bool(data.get("active", True)),
        },
    )


def _staff(connection: sa.Connection, change: RefChange, now: datetime) -> None:
    data = change.data or {}
    if change.op == "delete":
        # Deactivated, never deleted: past events name this person.
        connection.execute(
            sa.update(staff).where(staff.c.staff_id == change.entity_key).values(active=False)
        )
        return
    _upsert(
        connection,
        staff,
        ["staff_id"],
        {
            "staff_id": data["staff_id"],
            "name": data["name"],
            "roles": list(data.get("roles") or []),
            "password_hash": data["password_hash"],
            "active": bool(data.get("active", True)),
            "updated_at": _required_instant(data.get("updated_at"), now),
        },
    )


def _window(connection: sa.Connection, change: RefChange, now: datetime) -> None:
    data = change.data or {}
    if change.op == "delete":
        connection.execute(
            sa.delete(window_config).where(window_config.c.window_id == change.entity_key)
        )
        return
    _upsert(
        connection,
        window_config,
        ["window_id"],
        {
            "window_id": data["window_id"],
            "name": data["name"],
            "station_id": data["station_id"],
            "can_accept": bool(data.get("can_accept", False)),
            "matter_ids": list(data.get("matter_ids") or []),
            "active": bool(data.get("active", True)),
        },
    )


def _ensure_catalogue_version(connection: sa.Connection, version: str, now: datetime) -> None:
    connection.execute(
        sqlite_insert(catalogue_version)
        .values(version=version, imported_at=now, source="central", checksum="", is_current=False)
        .on_conflict_do_nothing(index_elements=["version"])
    )


def _catalogue_version(connection: sa.Connection, change: RefChange, now: datetime) -> None:
    data = change.data or {}
    if change.op == "delete":
        connection.execute(
            sa.delete(catalogue_version).where(catalogue_version.c.version == change.entity_key)
        )
        return
    current = bool(data.get("is_current", False))
    if current:
        connection.execute(sa.update(catalogue_version).values(is_current=False))
    _upsert(
        connection,
        catalogue_version,
        ["version"],
        {
            "version": data["version"],
            "imported_at": _required_instant(data.get("imported_at"), now),
            "source": data.get("source") or "central",
            "checksum": data.get("checksum") or "",
            "is_current": current,
        },
    )


def _matter(connection: sa.Connection, change: RefChange, now: datetime) -> None:
    data = change.data or {}
    if change.op == "delete":
        matter_id, _, version = change.entity_key.partition("|")
        connection.execute(
            sa.delete(matter).where(matter.c.matter_id == matter_id, matter.c.version == version)
        )
        return
    # Rows arrive in central commit order, but a version row may have been edited away.
    _ensure_catalogue_version(connection, data["version"], now)
    _upsert(
        connection,
        matter,
        ["matter_id", "version"],
        {
            "matter_id": data["matter_id"],
            "version": data["version"],
            "name": data["name"],
            "department_id": data.get("department_id"),
            "body": dict(data.get("body") or {}),
        },
    )


_REFERENCE_APPLIERS = {
    "department": _department,
    "staff": _staff,
    "window_config": _window,
    "catalogue_version": _catalogue_version,
    "matter": _matter,
}
