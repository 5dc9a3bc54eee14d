"""What the clerk and the sync bar see of the outbox (同步状态): counts and times, the events
still waiting or refused, the pulled facts kept aside, each case's badge, and the session log.

The UI needs only this side (the ``SyncStatusReader`` port); the sync engine also writes the
session log here.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.engine import reading, storage_errors
from zhanhe_counter.adapters.storage.sync_marks import (
    K_CLOCK_OFFSET,
    K_LAST_PULL_OK,
    K_LAST_PUSH_OK,
    K_LAST_REFERENCE_OK,
    LOCAL,
    REJECTED,
    SENT,
    StationSync,
    as_utc,
    instant,
)
from zhanhe_counter.adapters.storage.sync_tables import sync_conflict, sync_session
from zhanhe_counter.adapters.storage.tables import (
    case_event,
    case_status,
    catalogue_version,
    sync_state,
)
from zhanhe_counter.services.ports.sync import (
    CaseSyncBadge,
    OutboxItem,
    OutboxSummary,
    SessionRecord,
)

#: Sessions kept in the log (the outbox screen shows the latest).
_SESSIONS_KEPT = 200


class SqliteSyncStatus(StationSync):
    """The ``SyncStatusReader`` port (and the session log) on the station database (同步状态)."""

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
            # Only the states still owed something: confirmed events are the station's whole
            # history (0.7-1.1 s to count at 100k cases), the others one index range each.
            counts: dict[str, int] = dict(
                connection.execute(
                    sa.select(case_event.c.sync_state, sa.func.count())
                    .where(mine, case_event.c.sync_state.in_([LOCAL, SENT, REJECTED]))
                    .group_by(case_event.c.sync_state)
                ).all()
            )
            oldest = connection.execute(
                sa.select(sa.func.min(case_event.c.recorded_at)).where(
                    mine, case_event.c.sync_state == LOCAL
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
            pending=int(counts.get(LOCAL, 0)),
            oldest_pending_at=as_utc(oldest) if oldest is not None else None,
            sent_unconfirmed=int(counts.get(SENT, 0)),
            rejected=int(counts.get(REJECTED, 0)),
            conflicts=int(conflicts),
            last_push_ok_at=instant(values.get(K_LAST_PUSH_OK)),
            last_pull_ok_at=instant(values.get(K_LAST_PULL_OK)),
            last_reference_ok_at=instant(values.get(K_LAST_REFERENCE_OK)),
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
                case_event.c.sync_state.in_([LOCAL, SENT, REJECTED]),
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
            LOCAL: CaseSyncBadge.SAVED_LOCAL,
            SENT: CaseSyncBadge.SENT,
            REJECTED: CaseSyncBadge.REJECTED,
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
    if REJECTED in states:
        return CaseSyncBadge.REJECTED
    if LOCAL in states:
        return CaseSyncBadge.SAVED_LOCAL
    if SENT in states:
        return CaseSyncBadge.SENT
    return CaseSyncBadge.CONFIRMED
