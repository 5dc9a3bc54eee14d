"""Reading during a commit on the station database (``CommitOverlap`` port).

The commit is seen by SQLite itself: while a write runs, each connection it checks out of the
pool traces its statements, and its ``COMMIT`` starts the read. (The trace sees every COMMIT,
whether SQLAlchemy's or one the store sends on the driver connection itself.) The write stays
on the caller's thread: the one thread that has to be woken, the reader's, is woken while the
commit waits for the disk.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

import sqlalchemy as sa

W = TypeVar("W")
R = TypeVar("R")


class SqliteCommitOverlap:
    """One reader thread beside the writes to ``engine``; ``close`` waits for a read under way."""

    def __init__(self, engine: sa.Engine, name: str = "read-during-commit") -> None:
        self._engine = engine
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._local = threading.local()  # what this thread's write does at its commit
        sa.event.listen(engine, "checkout", self._checked_out)
        sa.event.listen(engine, "checkin", self._checked_in)

    def write_then_read(self, write: Callable[[], W], read: Callable[[], R]) -> tuple[W, R]:
        reading: list[Future[R]] = []

        def start_reading() -> None:
            # Handed to the reader only now: a thread woken earlier would want the interpreter
            # lock while the write's Python runs, and take it by force after the switch interval.
            if not reading:
                reading.append(self._reader.submit(read))

        self._local.at_commit = start_reading
        try:
            written = write()
        except BaseException:
            wait(reading)  # a COMMIT that failed may have started it: nothing outlives the call
            raise
        finally:
            self._local.at_commit = None
        start_reading()  # a write that sent no COMMIT of its own (nothing to write) reads now
        return written, reading[0].result()

    def close(self) -> None:
        self._reader.shutdown(wait=True)
        sa.event.remove(self._engine, "checkout", self._checked_out)
        sa.event.remove(self._engine, "checkin", self._checked_in)

    def _checked_out(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        at_commit: Callable[[], None] | None = getattr(self._local, "at_commit", None)
        if at_commit is not None:  # a connection of the write; other threads' stay untraced

            def trace(statement: str) -> None:
                if statement == "COMMIT":
                    at_commit()

            dbapi_connection.set_trace_callback(trace)

    def _checked_in(self, dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None and getattr(self._local, "at_commit", None) is not None:
            dbapi_connection.set_trace_callback(None)
