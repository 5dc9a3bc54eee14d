"""The pull side of the station's outbox (本机下载): the pull cursors, and folding the centre's
events and reference changes into the station database, each page with its cursor in one
transaction.

A pulled event is either the echo of one this PC holds (it becomes confirmed) or another
station's fact about a case routed here (the back office's answer, the delivery window's
hand-over, or the first event of a case another station opened, which opens it here), appended
through the event store's own path — numbered in that station's local sequence — so that the
state machine and the status projection never disagree with the log. What cannot be applied (an
event of a case this PC does not have that cannot open it, a kind this version does not know, a
fact the case no longer allows) is kept aside in ``sync_conflict`` and the case is flagged
需处理; nothing is dropped, and an event id is applied once (docs/hall.md).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from zhanhe_counter.adapters.storage.engine import reading, storage_errors
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore, row_to_event
from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
from zhanhe_counter.adapters.storage.reference_mirror import apply_reference_change
from zhanhe_counter.adapters.storage.retention_tables import pruned_case
from zhanhe_counter.adapters.storage.sync_marks import (
    CONFIRMED,
    K_CENTRAL_START,
    K_EVENTS_CURSOR,
    K_LAST_PULL_OK,
    K_LAST_REFERENCE_OK,
    K_REFERENCE_CURSOR,
    REJECTED,
    StationSync,
    get_mark,
    instant,
    put_mark,
)
from zhanhe_counter.adapters.storage.sync_tables import sync_conflict
from zhanhe_counter.adapters.storage.tables import case_event, case_status
from zhanhe_counter.domain.case import CaseState, apply
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventDraft, EventKind
from zhanhe_counter.services.ports.sync import (
    AppliedEvents,
    InboundEvent,
    PullCursor,
    PullPage,
    RefChange,
)
from zhanhe_counter.services.progress_link import PROGRESS_KEY_SETTING

log = logging.getLogger(__name__)


class SqliteSyncPull(StationSync):
    """The ``SyncPull`` port on the station database (本机下载)."""

    def __init__(self, engine: sa.Engine, station_id: str) -> None:
        super().__init__(engine, station_id)
        # Pulled back-office facts go through the same append path as local ones.
        self._store = SqliteEventStore(engine)

    def events_cursor(self) -> PullCursor:
        with reading(self._engine) as connection:
            return PullCursor.from_text(get_mark(connection, K_EVENTS_CURSOR))

    def reference_cursor(self) -> PullCursor:
        with reading(self._engine) as connection:
            return PullCursor.from_text(get_mark(connection, K_REFERENCE_CURSOR))

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
            return instant(get_mark(connection, K_CENTRAL_START))

    def note_central_start(
        self, started_at: datetime, events: PullCursor, reference: PullCursor, now: datetime
    ) -> bool:
        moved = False
        with storage_errors(), self._engine.begin() as connection:
            for key, durable in ((K_EVENTS_CURSOR, events), (K_REFERENCE_CURSOR, reference)):
                current = PullCursor.from_text(get_mark(connection, key))
                if (durable.xid, durable.seq) < (current.xid, current.seq):
                    log.warning(
                        "central restarted and lost rows past %s: %s cursor back from %s",
                        durable.to_text(),
                        key,
                        current.to_text(),
                    )
                    put_mark(connection, key, durable.to_text(), now)
                    moved = True
            put_mark(connection, K_CENTRAL_START, started_at.isoformat(), now)
        return moved

    def apply_events(self, page: PullPage[InboundEvent], now: datetime) -> AppliedEvents:
        confirmed = added = conflicts = 0
        with storage_errors(), self._engine.begin() as connection:
            ids = [event.event_id for event in page.rows]
            existing = {
                row.event_id: row
                for row in connection.execute(
                    sa.select(
                        case_event.c.event_id,
                        case_event.c.sync_state,
                        case_event.c.station_id,
                        case_event.c.server_seq,
                        case_event.c.hlc,
                    ).where(case_event.c.event_id.in_(ids))
                )
            }
            # Only an event this PC does not hold can have been set aside (a page of echoes of
            # its own events, the common case, asks nothing more).
            missing = [i for i in ids if i not in existing]
            set_aside = (
                set(
                    connection.execute(
                        sa.select(sync_conflict.c.event_id).where(
                            sync_conflict.c.event_id.in_(missing)
                        )
                    ).scalars()
                )
                if missing
                else set()
            )
            # Echoes of events this PC already holds: one executemany, not a round per row, and
            # none for the own events the push's answer already confirmed at this position.
            echoes = [
                {
                    "b_id": event.event_id,
                    "b_state": REJECTED
                    if existing[event.event_id].sync_state == REJECTED
                    else CONFIRMED,
                    "b_seq": event.server_seq,
                    "b_hlc": event.hlc,
                }
                for event in page.rows
                if event.event_id in existing and not _settled(existing[event.event_id], event)
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
                and row.sync_state not in (CONFIRMED, REJECTED)
            )
            for event in page.rows:
                if event.event_id in existing or event.event_id in set_aside:
                    continue
                outcome = self._apply_new_event(connection, event, now)
                added += outcome == "added"
                conflicts += outcome == "conflict"
                if outcome == "added":
                    conflicts += self._overtaken(connection, event, now)
            put_mark(connection, K_EVENTS_CURSOR, page.next_cursor.to_text(), now)
            put_mark(connection, K_LAST_PULL_OK, now.isoformat(), now)
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
                # A case another station opened arrives with its first event (the centre
                # routes a case's whole history, in commit order): it opens the case here too.
                self._store.append_in(connection, draft, {})
        except DomainError as error:
            if case_known is None:
                return self._conflict(
                    connection, event, "unknown_case", "中心的记录属于本机没有的办件。", now
                )
            return self._conflict(connection, event, "incompatible", error.user_message, now)
        connection.execute(
            sa.update(case_event)
            .where(case_event.c.event_id == event.event_id)
            .values(sync_state=CONFIRMED, server_seq=event.server_seq, hlc=event.hlc)
        )
        return "added"

    def _overtaken(self, connection: sa.Connection, pulled: InboundEvent, now: datetime) -> int:
        """Check the case in the centre's commit order after another station's event landed.

        The local log holds this PC's own events where they were recorded; the centre may have
        committed another station's event before them (the counter took a supplement offline
        while the back office refused). Folded in the centre's order — events it numbered by
        their position in this station's routing log, then those it has not seen yet — an event
        the case no longer allows is flagged here as it is at the other stations (where it was
        set aside on arrival): kept, shown as 需处理, never dropped or applied twice.
        """
        rows = connection.execute(
            sa.select(case_event)
            .where(case_event.c.case_id == pulled.case_id)
            .order_by(case_event.c.case_pos)
        ).all()
        in_commit_order = sorted(
            rows, key=lambda r: (r.server_seq is None, r.server_seq or 0, r.case_pos)
        )
        if [r.event_id for r in in_commit_order] == [r.event_id for r in rows]:
            return 0  # recorded here in the centre's order: the append already checked it
        known = set(
            connection.execute(
                sa.select(sync_conflict.c.event_id).where(sync_conflict.c.case_id == pulled.case_id)
            ).scalars()
        )
        state: CaseState | None = None
        flagged = 0
        for row in in_commit_order:
            event = row_to_event(row)
            try:
                state = apply(state, event)
            except DomainError as error:
                if event.event_id in known:
                    continue
                flagged += 1
                self._conflict(
                    connection,
                    InboundEvent(
                        event_id=event.event_id,
                        case_id=event.case_id,
                        origin=event.station_id,
                        origin_seq=int(row.station_seq),
                        kind=event.kind.value,
                        occurred_at=event.occurred_at,
                        hlc=int(row.hlc or 0),
                        actor=event.actor,
                        schema_version=int(row.schema_version),
                        payload=event.payload,
                        server_seq=int(row.server_seq or 0),
                        xid=0,
                    ),
                    "overtaken",
                    f"中心先收到了“{_kind_label(pulled.kind)}”，此记录已不被办件允许："
                    f"{error.user_message}",
                    now,
                )
        return flagged

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
                apply_reference_change(connection, change, now)
            put_mark(connection, K_REFERENCE_CURSOR, page.next_cursor.to_text(), now)
            put_mark(connection, K_LAST_REFERENCE_OK, now.isoformat(), now)
        return len(page.rows)

    def store_check_key(self, key_hex: str) -> None:
        SqliteReferenceStore(self._engine).set_setting(PROGRESS_KEY_SETTING, key_hex)


def _settled(row: Any, echo: InboundEvent) -> bool:
    """Whether the held event is already confirmed at the position its echo gives."""
    return row.sync_state == CONFIRMED and row.server_seq == echo.server_seq and row.hlc is not None


def _kind_label(kind: str) -> str:
    try:
        return EventKind(kind).label
    except ValueError:
        return kind
