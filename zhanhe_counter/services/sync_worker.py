"""The background sync worker (后台同步): after writes, on the centre's notice, periodically, on
demand, with back-off.

One plain thread runs sessions one at a time (docs/sync.md, A sync session): a write schedules
a session after a short debounce, the centre's wake-up notice (``SyncWakeups``: an event was
routed to this PC) at once, a timer every ``period`` seconds, and *Sync now* at once; a notice
that arrives during a session runs one more right after it, so nothing committed meanwhile
waits for the timer. After
a failure the next automatic attempt waits 1 s → 2 s → 4 s … capped at 5 minutes, with jitter so
that stations coming back together do not all knock at once; *Sync now* skips the wait. A failure
that retrying cannot fix (login refused, station database mismatch, client too old) stops the
automatic attempts until *Sync now*.

No Qt here: the UI subscribes with ``on_change`` and must hop to its own thread.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from zhanhe_counter.services.offline_limits import OfflineLimits
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.sync import SyncProblem, SyncStatusReader, SyncWakeups
from zhanhe_counter.services.sync_engine import (
    SyncReport,
    SyncStatus,
    build_status,
)

log = logging.getLogger(__name__)

# Short: online, an answer must be on the other stations within 3 s (docs/hall.md, Latency).
DEBOUNCE_S = 0.3
PERIOD_S = 30.0
BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 300.0


class SessionRunner(Protocol):
    """What the worker drives: ``SyncEngine`` or anything with its ``run_once``."""

    @property
    def outbox(self) -> SyncStatusReader: ...

    def run_once(self) -> SyncReport: ...


class Backoff:
    """Exponential back-off with jitter (退避): base·2ⁿ capped, times a factor in [0.5, 1]."""

    def __init__(
        self,
        base: float = BACKOFF_BASE_S,
        cap: float = BACKOFF_CAP_S,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._base = base
        self._cap = cap
        self._rng = rng
        self.failures = 0

    def next_delay(self) -> float:
        raw = min(self._cap, self._base * (2 ** min(self.failures, 30)))
        self.failures += 1
        return float(raw * (0.5 + self._rng() / 2))

    def reset(self) -> None:
        self.failures = 0


@dataclass(frozen=True, slots=True)
class WorkerSnapshot:
    """The worker's state after a change (同步进程状态)."""

    syncing: bool
    online: bool
    last_report: SyncReport | None
    retry_at: datetime | None
    sessions: int
    paused: bool = False


@dataclass
class _Schedule:
    requested: bool = False
    write_due: float | None = None
    periodic_due: float = 0.0
    retry_due: float | None = None
    paused: bool = False  # a non-retryable failure: only "sync now" resumes
    stop: bool = False
    sessions: int = 0
    listeners: list[Callable[[WorkerSnapshot], None]] = field(default_factory=list)


class SyncWorker:
    """Runs sync sessions in a background thread (后台同步线程)."""

    def __init__(
        self,
        engine: SessionRunner,
        clock: Clock,
        *,
        debounce: float = DEBOUNCE_S,
        period: float = PERIOD_S,
        backoff: Backoff | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        on_change: Callable[[WorkerSnapshot], None] | None = None,
        wakeups: SyncWakeups | None = None,
    ) -> None:
        self._engine = engine
        self._wakeups = wakeups
        self._listener: threading.Thread | None = None
        self._clock = clock
        self._debounce = debounce
        self._period = period
        self._backoff = backoff or Backoff()
        self._monotonic = monotonic
        self._cond = threading.Condition()
        self._schedule = _Schedule(periodic_due=monotonic())
        if on_change is not None:
            self._schedule.listeners.append(on_change)
        self._syncing = False
        self._last: SyncReport | None = None
        self._retry_at: datetime | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------ control

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="sync-worker", daemon=True)
        self._thread.start()
        if self._wakeups is not None:
            wakeups = self._wakeups
            self._listener = threading.Thread(
                target=wakeups.listen, args=(self.notify_remote,), name="sync-wakeup", daemon=True
            )
            self._listener.start()

    def stop(self, timeout: float | None = 60.0) -> None:
        """Ask the thread to finish (after the current session) and wait for it."""
        with self._cond:
            self._schedule.stop = True
            self._cond.notify_all()
        if self._wakeups is not None:
            self._wakeups.close()
        if self._listener is not None:
            self._listener.join(timeout)
            self._listener = None
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def notify_write(self) -> None:
        """A case event was saved: sync soon, once for a burst of writes."""
        with self._cond:
            if self._schedule.write_due is None:
                self._schedule.write_due = self._monotonic() + self._debounce
                self._cond.notify_all()

    def notify_remote(self) -> None:
        """The centre says something was routed here: sync now. The centre just answered, so
        a back-off wait ends too; a pause (login refused, …) still needs *Sync now*."""
        with self._cond:
            self._schedule.write_due = self._monotonic()
            self._schedule.retry_due = None
            self._retry_at = None
            self._cond.notify_all()

    def sync_now(self) -> None:
        """The clerk pressed *Sync now*: run at once, ignoring back-off and pauses."""
        with self._cond:
            self._schedule.requested = True
            self._schedule.paused = False
            self._cond.notify_all()

    def subscribe(self, listener: Callable[[WorkerSnapshot], None]) -> None:
        with self._cond:
            self._schedule.listeners.append(listener)

    # ------------------------------------------------------------------------------- status

    def snapshot(self) -> WorkerSnapshot:
        with self._cond:
            return self._snapshot_locked()

    def status(self, limits: OfflineLimits) -> SyncStatus:
        """What the sync bar shows now (reads the station database)."""
        snap = self.snapshot()
        return build_status(
            self._engine.outbox.summary(),
            limits,
            self._clock.now(),
            online=snap.online,
            syncing=snap.syncing,
            last_report=snap.last_report,
            retry_at=snap.retry_at,
        )

    def _snapshot_locked(self) -> WorkerSnapshot:
        last = self._last
        online = last is not None and (
            last.ok or last.problem not in (SyncProblem.OFFLINE, SyncProblem.NOT_CONFIGURED)
        )
        return WorkerSnapshot(
            syncing=self._syncing,
            online=online,
            last_report=last,
            retry_at=self._retry_at,
            sessions=self._schedule.sessions,
            paused=self._schedule.paused,
        )

    # --------------------------------------------------------------------------------- loop

    def _next_due(self, now: float) -> float | None:
        s = self._schedule
        if s.requested:
            return now
        if s.paused:
            return None
        if s.retry_due is not None:
            # After a failure the back-off alone decides: writes wait for it, and so does the
            # timer, which would otherwise hold the first retry until the next period (30 s).
            return s.retry_due
        candidates = [s.periodic_due] + ([s.write_due] if s.write_due is not None else [])
        return min(candidates)

    def _wait_for_turn(self) -> bool:
        with self._cond:
            while True:
                if self._schedule.stop:
                    return False
                now = self._monotonic()
                due = self._next_due(now)
                if due is not None and due <= now:
                    self._schedule.requested = False
                    self._schedule.write_due = None
                    self._syncing = True
                    return True
                self._cond.wait(None if due is None else due - now)

    def _loop(self) -> None:
        while self._wait_for_turn():
            self._notify()
            try:
                report = self._engine.run_once()
            except Exception:  # pragma: no cover - run_once reports, a bug must not kill us
                log.exception("sync session crashed")
                report = SyncReport(started_at=self._clock.now(), errors=["同步出现内部错误。"])
            self._finish(report)
            self._notify()

    def _finish(self, report: SyncReport) -> None:
        with self._cond:
            now = self._monotonic()
            s = self._schedule
            s.sessions += 1
            s.periodic_due = now + self._period
            self._last = report
            self._syncing = False
            if report.ok:
                self._backoff.reset()
                s.retry_due = None
                self._retry_at = None
            elif report.retryable:
                delay = self._backoff.next_delay()
                s.retry_due = now + delay
                self._retry_at = self._clock.now() + timedelta(seconds=delay)
            else:
                s.paused = True
                s.retry_due = None
                self._retry_at = None

    def _notify(self) -> None:
        with self._cond:
            snap = self._snapshot_locked()
            listeners = list(self._schedule.listeners)
        for listener in listeners:
            try:
                listener(snap)
            except Exception:  # pragma: no cover - a listener bug must not stop syncing
                log.exception("sync status listener failed")
