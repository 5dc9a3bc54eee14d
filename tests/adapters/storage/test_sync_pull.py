"""Applying pulled pages on the station database alone: echoes confirm, back-office facts fold
into their case, and what cannot be applied is kept aside with the case flagged (需处理)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
import uuid6

from tests.adapters.storage.factories import AT, STATION, accepted_draft, received_draft
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.adapters.storage.retention_tables import pruned_case
from zhanhe_counter.adapters.storage.sync_pull import SqliteSyncPull
from zhanhe_counter.adapters.storage.sync_tables import sync_conflict
from zhanhe_counter.adapters.storage.tables import case_event, case_status
from zhanhe_counter.domain.events import EventDraft
from zhanhe_counter.services.ports.sync import InboundEvent, PullCursor, PullPage

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
_seq = iter(range(1, 10_000))


def inbound(draft: EventDraft, *, origin: str = "central", kind: str | None = None) -> InboundEvent:
    seq = next(_seq)
    return InboundEvent(
        event_id=draft.event_id,
        case_id=draft.case_id,
        origin=origin,
        origin_seq=seq,
        kind=kind or draft.kind.value,
        occurred_at=draft.occurred_at,
        hlc=seq,
        actor=draft.actor,
        schema_version=1,
        payload=dict(draft.payload),
        server_seq=seq,
        xid=1000 + seq,
    )


def page(*rows: InboundEvent) -> PullPage[InboundEvent]:
    return PullPage(rows=rows, next_cursor=PullCursor(rows[-1].xid, rows[-1].server_seq))


def one(engine: sa.Engine, table: sa.Table, **where: Any) -> dict[str, Any]:
    with engine.connect() as c:
        query = sa.select(table).where(*(table.c[k] == v for k, v in where.items()))
        return dict(c.execute(query).mappings().one())


def test_echoes_confirm_and_a_back_office_fact_folds_into_its_case(
    engine: sa.Engine, store: SqliteEventStore
) -> None:
    own = received_draft()
    store.append(own)
    pull = SqliteSyncPull(engine, STATION)
    decision = accepted_draft(own.case_id, station="central")
    rows = (inbound(own, origin=STATION), inbound(decision))
    applied = pull.apply_events(page(*rows), NOW)
    assert (applied.confirmed, applied.added, applied.conflicts) == (1, 1, 0)
    assert one(engine, case_event, event_id=own.event_id)["sync_state"] == "confirmed"
    assert one(engine, case_status, case_id=own.case_id)["status"] == "accepted"
    assert pull.events_cursor() == PullCursor(rows[-1].xid, rows[-1].server_seq)
    assert set(pull.recent_pulled(10)) == {own.event_id, decision.event_id}
    # The same page again (a replay after a lost commit) changes nothing.
    again = pull.apply_events(page(*rows), NOW)
    assert (again.confirmed, again.added, again.conflicts) == (0, 0, 0)


def test_what_cannot_be_applied_is_kept_aside_and_flags_the_case(
    engine: sa.Engine, store: SqliteEventStore
) -> None:
    own = received_draft()
    store.append(own)
    pull = SqliteSyncPull(engine, STATION)
    stranger = accepted_draft(uuid6.uuid7(), station="central")  # a case this PC does not have
    future_kind = accepted_draft(own.case_id, station="central")
    lost_own = received_draft(station=STATION)  # "ours" at the centre, unknown here: old backup
    out_of_order = received_draft(case_id=own.case_id, station="central")  # a second receipt
    applied = pull.apply_events(
        page(
            inbound(stranger),
            inbound(future_kind, kind="teleported"),
            inbound(lost_own, origin=STATION),
            inbound(out_of_order),
        ),
        NOW,
    )
    assert (applied.added, applied.conflicts) == (0, 4)
    reasons = {
        stranger.event_id: "unknown_case",
        future_kind.event_id: "unknown_kind",
        lost_own.event_id: "unknown_own_event",
        out_of_order.event_id: "incompatible",
    }
    for event_id, reason in reasons.items():
        assert one(engine, sync_conflict, event_id=event_id)["reason"] == reason
    assert "请升级客户端" in one(engine, sync_conflict, event_id=future_kind.event_id)["message"]
    assert one(engine, case_status, case_id=own.case_id)["needs_attention"] is True
    # Kept aside once: a replay neither duplicates nor re-applies them.
    assert pull.apply_events(page(inbound(stranger)), NOW).conflicts == 0


def test_events_of_a_case_this_pc_pruned_are_ignored(engine: sa.Engine) -> None:
    gone: UUID = uuid6.uuid7()
    with engine.begin() as c:
        c.execute(sa.insert(pruned_case).values(pruned_case_id=gone, pruned_at=NOW))
    pull = SqliteSyncPull(engine, STATION)
    applied = pull.apply_events(page(inbound(accepted_draft(gone, station="central"))), NOW)
    assert (applied.added, applied.conflicts) == (0, 0)
    with engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(sync_conflict)).scalar() == 0


def test_a_restarted_centre_moves_a_cursor_back_only_when_it_lost_rows(engine: sa.Engine) -> None:
    pull = SqliteSyncPull(engine, STATION)
    decision = accepted_draft(uuid6.uuid7(), station="central")
    pull.apply_events(page(inbound(decision)), NOW)  # a conflict, but the cursor moves
    ahead = pull.events_cursor()
    started = AT + timedelta(days=1)
    assert not pull.note_central_start(started, ahead, PullCursor(), NOW)
    assert pull.central_start() == started
    assert pull.note_central_start(started, PullCursor(ahead.xid - 1, 0), PullCursor(), NOW)
    assert pull.events_cursor() == PullCursor(ahead.xid - 1, 0)


def test_a_case_another_station_opened_arrives_with_its_first_event(
    engine: sa.Engine, store: SqliteEventStore
) -> None:
    pull = SqliteSyncPull(engine, "QZX-BO")  # a back-office desk the centre routed the case to
    opened = received_draft(station="QZX-W03")
    answered = accepted_draft(opened.case_id, station="QZX-BO-2")
    applied = pull.apply_events(
        page(inbound(opened, origin="QZX-W03"), inbound(answered, origin="QZX-BO-2")), NOW
    )
    assert (applied.added, applied.conflicts) == (2, 0)
    status = one(engine, case_status, case_id=opened.case_id)
    assert (status["station_id"], status["status"]) == ("QZX-W03", "accepted")
    # Numbered in each writing station's own sequence on this PC, confirmed, never pushed.
    rows = [one(engine, case_event, event_id=d.event_id) for d in (opened, answered)]
    assert [(r["station_id"], r["station_seq"], r["sync_state"]) for r in rows] == [
        ("QZX-W03", 1, "confirmed"),
        ("QZX-BO-2", 1, "confirmed"),
    ]
