"""Reading during a commit (``SqliteCommitOverlap``): the read starts on a thread of its own when
the write's commit begins (not before, and not at another thread's commit); a write that fails
first raises, and its read never runs. Real events on a real SQLite file."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.adapters.storage.factories import received_draft, viewed_draft
from zhanhe_counter.adapters.storage.commit_overlap import SqliteCommitOverlap
from zhanhe_counter.adapters.storage.engine import KEY_BYTES, open_local_database, reading
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.domain.case import IllegalTransition
from zhanhe_counter.domain.events import CaseEvent


@pytest.fixture
def overlap(engine: sa.Engine) -> Iterator[SqliteCommitOverlap]:
    built = SqliteCommitOverlap(engine)
    yield built
    built.close()


@pytest.fixture(params=["plain", "encrypted"])
def any_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    key = os.urandom(KEY_BYTES) if request.param == "encrypted" else None  # SQLCipher's driver
    engine = open_local_database(tmp_path / "station.sqlite3", key=key)
    yield engine
    engine.dispose()


def test_the_read_starts_when_the_writes_commit_begins(any_engine: sa.Engine) -> None:
    engine, store = any_engine, SqliteEventStore(any_engine)
    overlap = SqliteCommitOverlap(engine)
    case = received_draft()
    store.append(case)
    inside, go, read_started = threading.Event(), threading.Event(), threading.Event()
    read_on: list[threading.Thread] = []
    results: list[tuple[CaseEvent, int]] = []
    before_the_write_ended: list[bool] = []

    def write() -> CaseEvent:
        with engine.begin() as connection:  # one transaction, held open until told
            connection.execute(sa.text("SELECT 1"))
            inside.set()
            go.wait(10)
        # Committed: the read has begun though this write has not returned yet.
        before_the_write_ended.append(read_started.wait(10))
        return store.append(viewed_draft(case.case_id))

    def read() -> int:
        read_on.append(threading.current_thread())
        read_started.set()
        return len(store.events_for_case(case.case_id))

    caller = threading.Thread(target=lambda: results.append(overlap.write_then_read(write, read)))
    caller.start()
    assert inside.wait(10)
    with reading(engine) as connection:  # a commit on another thread does not start it
        connection.execute(sa.text("SELECT count(*) FROM case_event"))
        connection.commit()
    assert not read_started.wait(0.3)
    go.set()
    assert read_started.wait(10)
    caller.join(10)
    overlap.close()
    assert before_the_write_ended == [True]
    [(viewed, _count)] = results
    assert viewed.case_id == case.case_id
    assert read_on[0] not in (caller, threading.current_thread())
    assert [e.kind.is_audit for e in store.events_for_case(case.case_id)] == [False, True]


def test_a_write_failing_before_its_commit_raises_and_its_read_never_runs(
    store: SqliteEventStore, overlap: SqliteCommitOverlap
) -> None:
    viewed = viewed_draft(received_draft().case_id)  # a view of a case never received
    reads: list[int] = []

    with pytest.raises(IllegalTransition, match="first event is case_viewed"):
        overlap.write_then_read(lambda: store.append(viewed), lambda: reads.append(1))
    assert reads == []
    assert store.events_for_case(viewed.case_id) == []
    # The thread is free again for the next opening.
    case = received_draft()
    written, read = overlap.write_then_read(lambda: store.append(case), lambda: "read")
    assert (written.case_id, read) == (case.case_id, "read")
