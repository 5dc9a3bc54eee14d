"""One retry policy for a busy station database (数据库占用重试).

Every writer of the station's one SQLite file (the UI's storage runner, the sync worker, the print
queue's workers) meets a lock the same way. SQLite itself first waits ``busy_timeout`` inside the
statement (``adapters.storage.engine``). When the statement still fails, the store raises
:class:`StorageBusy` and nothing of that unit of work is stored; the caller then waits a little
and runs the whole unit again, at most ``len(delays_s)`` more times, before it tells the clerk.

Running a unit again is safe because every action's ids (event ids, print request ids) are made
before its first attempt, and a stored id is never stored twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from zhanhe_counter.services.ports.storage import StorageBusy

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LockRetry:
    """How long to wait before each further attempt after a :class:`StorageBusy`."""

    delays_s: tuple[float, ...] = (0.5, 1.0, 2.0)

    def delay(self, failures: int, error: BaseException) -> float | None:
        """Seconds to wait after the ``failures``-th failure (1 = the first); None: give up.

        Only a busy database is worth another attempt: any other error is final.
        """
        if not isinstance(error, StorageBusy) or not 1 <= failures <= len(self.delays_s):
            return None
        return self.delays_s[failures - 1]

    def call(self, work: Callable[[], T], *, sleep: Callable[[float], None] = time.sleep) -> T:
        """Run ``work`` on this thread, waiting between attempts (for worker threads)."""
        failures = 0
        while True:
            try:
                return work()
            except StorageBusy as error:
                failures += 1
                wait = self.delay(failures, error)
                if wait is None:
                    raise
                log.info("station database busy (%s); attempt %d in %.1f s", error, failures, wait)
                sleep(wait)


#: The policy every writer of the station database uses.
LOCK_RETRY = LockRetry()
