"""Is the station database whole? (本机数据库完整性): a quick check at every start, a full one
when the counter is idle, and new intake stopped while it is damaged.

A damaged file that keeps taking cases turns one problem into many: every new case may land on a
broken page, and the backups then copy the damage. So a failed check stops new intake (cases
already open can still be finished, viewed and printed from what is readable) with a message
that names the way out: a restore from the latest backup into a new data folder, after which
the centre sends back everything that was synced.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from zhanhe_counter.services.offline_limits import IntakeVerdict, Level
from zhanhe_counter.services.ports.integrity import IntegrityProbe

log = logging.getLogger(__name__)

DAMAGED_MESSAGE = (
    "本机数据库检查发现损坏，为防止办件丢失已暂停新收件（已保存的办件仍可查看和打印）。"
    "请联系管理员：运行 zhanhe-admin db check 查看问题，再用 zhanhe-admin db restore --from "
    "备份目录 把最近的备份恢复到一个新的数据目录；备份之后已同步到中心的记录会自动重新同步回来。"
)


@dataclass(frozen=True, slots=True)
class IntegrityState:
    """The last check's outcome (完整性检查结果)."""

    checked: bool = False
    full: bool = False
    problems: tuple[str, ...] = ()

    @property
    def damaged(self) -> bool:
        return bool(self.problems)


class DatabaseHealth:
    """Runs the checks and answers intake's question "may a new case start?"."""

    def __init__(self, probe: IntegrityProbe) -> None:
        self._probe = probe
        self._lock = threading.Lock()
        self._state = IntegrityState()

    @property
    def state(self) -> IntegrityState:
        with self._lock:
            return self._state

    def check(self, *, full: bool = False) -> IntegrityState:
        """Run a check; damage, once found, stays until the program restarts on a whole file."""
        problems = self._probe.problems(full=full)
        with self._lock:
            kept = self._state.problems or problems
            self._state = IntegrityState(checked=True, full=full, problems=kept)
            state = self._state
        if problems:
            log.error(
                "station database damaged (%s check): %s",
                "full" if full else "quick",
                "; ".join(problems[:3]),
            )
        return state

    def verdict(self) -> IntakeVerdict:
        """STOP while the database is damaged, else OK."""
        if self.state.damaged:
            return IntakeVerdict(Level.STOP, (DAMAGED_MESSAGE,), headline=DAMAGED_MESSAGE)
        return IntakeVerdict(Level.OK)


def first_stop(*gates: Callable[[], IntakeVerdict]) -> Callable[[], IntakeVerdict]:
    """One gate from several: the first that stops intake answers, else the last one."""

    def gate() -> IntakeVerdict:
        verdict = IntakeVerdict(Level.OK)
        for ask in gates:
            verdict = ask()
            if not verdict.intake_allowed:
                return verdict
        return verdict

    return gate


class IdleIntegrityWatch:
    """Runs the full check once the counter has been idle for ``idle_seconds`` (no writes),
    at most once every ``interval_seconds``: the full check reads every page and index, which
    a clerk in the middle of an intake should not wait behind."""

    def __init__(
        self,
        health: DatabaseHealth,
        *,
        idle_seconds: float = 600.0,
        interval_seconds: float = 24 * 3600.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._health = health
        self._idle = idle_seconds
        self._interval = interval_seconds
        self._monotonic = monotonic
        self._last_write = monotonic()
        self._last_full: float | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def notify_write(self) -> None:
        self._last_write = self._monotonic()

    def due(self) -> float:
        """Seconds until the next full check may run (0: now)."""
        now = self._monotonic()
        wait = self._last_write + self._idle - now
        if self._last_full is not None:
            wait = max(wait, self._last_full + self._interval - now)
        return max(0.0, wait)

    def run_due(self) -> bool:
        """Run the full check if it is due; whether it ran."""
        if self.due() > 0:
            return False
        try:
            self._health.check(full=True)
        except Exception:  # busy, unwritable: try again next round, never kill the thread
            log.warning("idle integrity check could not run", exc_info=True)
        self._last_full = self._monotonic()
        return True

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="integrity-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(timeout=max(1.0, self.due()))
            if self._stopping.is_set():
                return
            self.run_due()
