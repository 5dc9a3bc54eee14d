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
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, TypeVar

import sqlalchemy as sa

W = TypeVar("W")
R = TypeVar("R")


class _WriteFailed(Exception):
    """The read was not run: its write failed before committing."""


class SqliteCommitOverlap:
    """One reader thread beside the writes to ``engine``; ``close`` waits for a read under way."""

    def __init__(self, engine: sa.Engine, name: str = "read-during-commit") -> None:
        self._engine = engine
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._local = threading.local()  # the commit this thread's write is to announce
        sa.event.listen(engine, "checkout", self._checked_out)
        sa.event.listen(engine, "checkin", self._checked_in)

    def write_then_read(self, write: Callable[[], W], read: Callable[[], R]) -> tuple[W, R]:
        committing, failed = threading.Event(), threading.Event()

        def read_when_committing() -> R:
            committing.wait()
            if failed.is_set():
                raise _WriteFailed
            return read()

        reading = self._reader.submit(read_when_committing)
        self._local.committing = committing
        try:
            written = write()
        except BaseException:
            failed.set()
            raise
        finally:
            self._local.committing = None
            committing.set()  # a write that never reached its commit must not leave it waiting
            if failed.is_set():
                wait([reading])  # nothing of this call outlives it
        return written, reading.result()

    def close(self) -> None:
        self._reader.shutdown(wait=True)
        sa.event.remove(self._engine, "checkout", self._checked_out)
        sa.event.remove(self._engine, "checkin", self._checked_in)

    def _checked_out(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        committing: threading.Event | None = getattr(self._local, "committing", None)
        if committing is not None:  # a connection of the write; other threads' stay untraced

            def trace(statement: str) -> None:
                if statement == "COMMIT":
                    committing.set()

            dbapi_connection.set_trace_callback(trace)

    def _checked_in(self, dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None and getattr(self._local, "committing", None) is not None:
            dbapi_connection.set_trace_callback(None)
