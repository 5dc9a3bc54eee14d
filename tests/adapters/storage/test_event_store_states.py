"""The event store's cache of case states: used only while the case is at the version it folds,
never filled by a transaction that rolled back (issue 20: an append does not replay the case)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.adapters.storage.factories import accepted_draft, received_draft, viewed_draft
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.domain.case import CaseStatus, IllegalTransition


def test_a_case_changed_by_another_writer_is_replayed_not_taken_from_the_cache(
    engine: sa.Engine,
) -> None:
    ours, theirs = SqliteEventStore(engine), SqliteEventStore(engine)  # e.g. another process
    case_id = ours.append(received_draft()).case_id
    ours.append(viewed_draft(case_id))  # our cache now holds the case, received
    theirs.append(accepted_draft(case_id))
    with pytest.raises(IllegalTransition):
        ours.append(accepted_draft(case_id))  # a stale "received" would accept it twice
    ours.append(viewed_draft(case_id))
    assert ours.case_state(case_id).status is CaseStatus.ACCEPTED  # type: ignore[union-attr]
    assert [e.case_id for e in ours.events_for_case(case_id)].count(case_id) == 4


def test_a_rolled_back_batch_leaves_no_state_behind(engine: sa.Engine) -> None:
    store = SqliteEventStore(engine)
    case_id = store.append(received_draft()).case_id
    with pytest.raises(IllegalTransition):
        store.append_many([accepted_draft(case_id), accepted_draft(case_id)])
    # Had the batch's "accepted" survived its rollback in the cache, this would be refused.
    event = store.append(accepted_draft(case_id))
    assert [e.kind for e in store.events_for_case(case_id)][-1] is event.kind
    with engine.connect() as connection:
        positions = connection.exec_driver_sql("SELECT case_pos FROM case_event").scalars().all()
    assert sorted(positions) == [1, 2]


def test_the_hlc_of_a_cached_case_stays_past_its_last_event(engine: sa.Engine) -> None:
    store = SqliteEventStore(engine)
    case_id = store.append(received_draft()).case_id
    for _ in range(3):
        store.append(viewed_draft(case_id))
    with engine.connect() as connection:
        hlcs = (
            connection.exec_driver_sql("SELECT hlc FROM case_event ORDER BY case_pos")
            .scalars()
            .all()
        )
    assert hlcs == sorted(set(hlcs))
