"""The writer thread (``SqliteWriterThread``): a write runs on its own thread, the caller is let
go once that write's commit begins (not another thread's), and a write failing before its
commit lets the caller go too, its error then raised by ``result``. Real events, real SQLite."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests.adapters.storage.factories import received_draft, viewed_draft
from zhanhe_counter.adapters.storage.engine import reading
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.adapters.storage.writer_thread import SqliteWriterThread
from zhanhe_counter.domain.case import IllegalTransition
from zhanhe_counter.domain.events import CaseEvent


@pytest.fixture
def writer(engine: sa.Engine) -> Iterator[SqliteWriterThread]:
    thread = SqliteWriterThread(engine)
    yield thread
    thread.close()


def test_the_caller_is_let_go_when_the_writes_commit_begins(
    engine: sa.Engine, store: SqliteEventStore, writer: SqliteWriterThread
) -> None:
    case = received_draft()
    store.append(case)
    inside, go = threading.Event(), threading.Event()
    ran_on: list[threading.Thread] = []

    def write() -> CaseEvent:
        ran_on.append(threading.current_thread())
        with engine.begin() as connection:  # one transaction, held open until told
            connection.execute(sa.text("SELECT 1"))
            inside.set()
            go.wait(10)
        return store.append(viewed_draft(case.case_id))

    pending = writer.start(write)
    let_go = threading.Event()
    waiter = threading.Thread(target=lambda: (pending.committing(), let_go.set()))
    waiter.start()
    assert inside.wait(10)
    with reading(engine) as connection:  # a commit on another thread does not count
        connection.execute(sa.text("SELECT count(*) FROM case_event"))
        connection.commit()
    assert not let_go.wait(0.3)
    go.set()
    assert let_go.wait(10)  # the transaction held open committed: the caller goes
    waiter.join(10)
    assert pending.result().case_id == case.case_id
    assert ran_on[0] is not threading.current_thread()
    assert [e.kind.is_audit for e in store.events_for_case(case.case_id)] == [False, True]


def test_a_write_failing_before_its_commit_lets_the_caller_go_and_raises(
    store: SqliteEventStore, writer: SqliteWriterThread
) -> None:
    viewed = viewed_draft(received_draft().case_id)  # a view of a case never received

    pending = writer.start(lambda: store.append(viewed))
    pending.committing()  # returns: the write ended without a commit
    with pytest.raises(IllegalTransition, match="first event is case_viewed"):
        pending.result()
    assert store.events_for_case(viewed.case_id) == []
