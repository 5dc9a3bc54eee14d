"""The sync worker's triggers and back-off, driven by a scripted session runner.

The runner is a stand-in for ``SyncEngine.run_once`` at the thread's edge: it returns prepared
reports and records when it was called, so the tests assert on the sequence of sessions, never on
durations.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.sync_outbox import SqliteSyncOutbox
from zhanhe_counter.services.offline_limits import OfflineLimits
from zhanhe_counter.services.ports.sync import SyncProblem
from zhanhe_counter.services.sync_engine import SyncReport
from zhanhe_counter.services.sync_worker import Backoff, SyncWorker, WorkerSnapshot

WAIT = 20.0  # generous: only a hang would reach it


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ScriptedRunner:
    """Returns the scripted reports in order (then successes) and counts sessions."""

    def __init__(self, outbox: SqliteSyncOutbox, script: list[SyncReport] | None = None) -> None:
        self.outbox = outbox
        self.script = list(script or [])
        self.calls = 0
        self.called = threading.Semaphore(0)

    def run_once(self) -> SyncReport:
        self.calls += 1
        report = self.script.pop(0) if self.script else SyncReport(started_at=Clock().now())
        self.called.release()
        return report

    def wait_calls(self, n: int) -> None:
        for _ in range(n):
            assert self.called.acquire(timeout=WAIT), "session did not run"


def offline() -> SyncReport:
    return SyncReport(
        started_at=Clock().now(), errors=["暂时连不上中心"], problem=SyncProblem.OFFLINE
    )


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[SqliteSyncOutbox]:
    engine = open_local_database(tmp_path / "s.sqlite3")
    yield SqliteSyncOutbox(engine, "410411-01")
    engine.dispose()


def test_sync_now_runs_a_session_and_reports_it(outbox: SqliteSyncOutbox) -> None:
    runner = ScriptedRunner(outbox)
    seen: list[WorkerSnapshot] = []
    worker = SyncWorker(runner, Clock(), debounce=60, period=3600, on_change=seen.append)
    worker.start()
    try:
        runner.wait_calls(1)  # the first periodic session runs at start
        worker.sync_now()
        runner.wait_calls(1)
    finally:
        worker.stop()
    assert runner.calls == 2
    assert worker.snapshot().sessions == 2
    assert worker.snapshot().online
    assert any(s.syncing for s in seen)
    assert not seen[-1].syncing


def test_a_burst_of_writes_makes_one_session(outbox: SqliteSyncOutbox) -> None:
    runner = ScriptedRunner(outbox)
    worker = SyncWorker(runner, Clock(), debounce=0.2, period=3600)
    worker.start()
    try:
        runner.wait_calls(1)
        for _ in range(10):
            worker.notify_write()
        runner.wait_calls(1)
        worker.sync_now()  # a marker: the next session after the burst is this one
        runner.wait_calls(1)
    finally:
        worker.stop()
    assert runner.calls == 3


def test_failures_back_off_and_success_resets(outbox: SqliteSyncOutbox) -> None:
    backoff = Backoff(base=0.01, cap=0.05, rng=lambda: 1.0)
    runner = ScriptedRunner(outbox, [offline(), offline(), offline()])
    worker = SyncWorker(runner, Clock(), debounce=60, period=0.01, backoff=backoff)
    worker.start()
    try:
        runner.wait_calls(3)
        assert backoff.failures == 3
        assert not worker.snapshot().online
        runner.wait_calls(1)  # the retry succeeds
    finally:
        worker.stop()
    assert backoff.failures == 0
    assert worker.snapshot().last_report is not None


def test_a_failure_retrying_cannot_fix_waits_for_sync_now(outbox: SqliteSyncOutbox) -> None:
    refused = SyncReport(
        started_at=Clock().now(),
        errors=["中心拒绝了本站的登录"],
        problem=SyncProblem.NOT_AUTHORISED,
        retryable=False,
    )
    runner = ScriptedRunner(outbox, [refused])
    worker = SyncWorker(runner, Clock(), debounce=0.01, period=0.01)
    worker.start()
    try:
        runner.wait_calls(1)
        worker.notify_write()  # does not resume a paused worker
        assert not runner.called.acquire(timeout=0.3)
        assert worker.snapshot().paused
        worker.sync_now()
        runner.wait_calls(1)
    finally:
        worker.stop()
    assert runner.calls >= 2


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    top = Backoff(base=1, cap=300, rng=lambda: 1.0)
    assert [top.next_delay() for _ in range(11)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    low = Backoff(base=1, cap=300, rng=lambda: 0.0)
    assert [low.next_delay() for _ in range(3)] == [0.5, 1, 2]


def test_status_combines_outbox_and_last_session(outbox: SqliteSyncOutbox) -> None:
    runner = ScriptedRunner(outbox, [offline()])
    worker = SyncWorker(runner, Clock(), debounce=60, period=3600)
    worker.start()
    try:
        runner.wait_calls(1)
    finally:
        worker.stop()
    status = worker.status(OfflineLimits())
    assert not status.online
    assert status.error == "暂时连不上中心"
    assert status.problem is SyncProblem.OFFLINE
    assert status.retry_at is not None
    assert status.pending == 0


class QueuedWakeups:
    """A ``SyncWakeups`` fed by the test: each ``notice()`` is one notification from the centre."""

    def __init__(self) -> None:
        self._notices: list[bool] = []
        self._cond = threading.Condition()
        self.closed = False

    def notice(self) -> None:
        with self._cond:
            self._notices.append(True)
            self._cond.notify_all()

    def listen(self, wake: Callable[[], None]) -> None:
        with self._cond:
            while not self.closed:
                if self._notices:
                    self._notices.pop()
                    wake()
                else:
                    self._cond.wait(1.0)

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


def test_a_notice_from_the_centre_syncs_at_once_even_while_backing_off(
    outbox: SqliteSyncOutbox,
) -> None:
    runner = ScriptedRunner(outbox, [offline()])
    wakeups = QueuedWakeups()
    worker = SyncWorker(
        runner, Clock(), debounce=3600, period=3600, backoff=Backoff(base=3600), wakeups=wakeups
    )
    worker.start()
    try:
        runner.wait_calls(1)  # the first session fails: the next retry is an hour away
        assert worker.snapshot().retry_at is not None
        wakeups.notice()  # the centre answered after all: something was routed here
        runner.wait_calls(1)
        wakeups.notice()
        runner.wait_calls(1)
    finally:
        worker.stop()
    assert wakeups.closed
    assert runner.calls == 3
    assert worker.snapshot().retry_at is None


def test_a_notice_does_not_resume_a_paused_worker(outbox: SqliteSyncOutbox) -> None:
    refused = SyncReport(
        started_at=Clock().now(), errors=["未授权"], problem=SyncProblem.NOT_AUTHORISED
    )
    refused.retryable = False
    runner = ScriptedRunner(outbox, [refused])
    wakeups = QueuedWakeups()
    worker = SyncWorker(runner, Clock(), debounce=3600, period=3600, wakeups=wakeups)
    worker.start()
    try:
        runner.wait_calls(1)
        wakeups.notice()
        assert not runner.called.acquire(timeout=1.0)
        worker.sync_now()
        runner.wait_calls(1)
    finally:
        worker.stop()
    assert runner.calls == 2


def test_the_first_retry_follows_the_back_off_not_the_period(outbox: SqliteSyncOutbox) -> None:
    backoff = Backoff(base=0.05, cap=0.05, rng=lambda: 1.0)
    runner = ScriptedRunner(outbox, [offline(), offline()])
    worker = SyncWorker(runner, Clock(), debounce=3600, period=3600, backoff=backoff)
    worker.start()
    try:
        runner.wait_calls(3)  # start-up, then two retries 50 ms apart, not an hour
    finally:
        worker.stop()
    assert backoff.failures == 0
