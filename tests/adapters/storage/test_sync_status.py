"""What the sync bar and the outbox screen read, on a station database without a centre."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.adapters.storage.factories import STATION, received_draft
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.adapters.storage.sync_push import SqliteSyncPush
from zhanhe_counter.adapters.storage.sync_status import SqliteSyncStatus
from zhanhe_counter.adapters.storage.tables import case_event
from zhanhe_counter.services.ports.sync import CaseSyncBadge, Rejection, SessionRecord

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def test_counts_items_and_badges(engine: sa.Engine, store: SqliteEventStore) -> None:
    waiting, refused, confirmed = (received_draft() for _ in range(3))
    for draft in (waiting, refused, confirmed):
        store.append(draft)
    status = SqliteSyncStatus(engine, STATION)
    assert status.summary().pending == 3
    SqliteSyncPush(engine, STATION).record_rejections(
        [Rejection(refused.event_id, "bad_kind", "中心拒收：记录类型不允许")], NOW
    )
    with engine.begin() as connection:
        connection.execute(
            sa.update(case_event)
            .where(case_event.c.event_id == confirmed.event_id)
            .values(sync_state="confirmed", server_seq=7)
        )

    summary = status.summary()
    assert (summary.pending, summary.rejected, summary.sent_unconfirmed) == (1, 1, 0)
    assert summary.oldest_pending_at is not None
    assert summary.last_push_ok_at is None  # never synced
    items = status.outbox_items()
    assert [i.badge for i in items] == [CaseSyncBadge.REJECTED, CaseSyncBadge.SAVED_LOCAL]
    assert items[0].message == "中心拒收：记录类型不允许"
    badges = status.case_badges([waiting.case_id, refused.case_id, confirmed.case_id])
    assert badges == {
        waiting.case_id: CaseSyncBadge.SAVED_LOCAL,
        refused.case_id: CaseSyncBadge.REJECTED,
        confirmed.case_id: CaseSyncBadge.CONFIRMED,
    }
    assert status.case_badges([]) == {}


def test_the_session_log_keeps_the_latest_200(engine: sa.Engine) -> None:
    status = SqliteSyncStatus(engine, STATION)
    for n in range(205):
        at = NOW + timedelta(minutes=n)
        status.record_session(
            SessionRecord(at, at + timedelta(seconds=1), n, 0, 0, None if n % 2 else "离线")
        )
    latest = status.sessions(limit=500)
    assert len(latest) == 200
    assert latest[0].pushed == 204  # newest first
    assert latest[-1].pushed == 5
    assert status.sessions()[0].error == "离线"  # 204 is even: that session failed
    assert len(status.sessions()) == 20
