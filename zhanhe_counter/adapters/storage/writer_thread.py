"""The station database's writer thread (``WriterThread`` port): writes run beside the caller,
who learns when a write's commit has begun from SQLite itself: while a write runs, each
connection it checks out of the pool traces its statements, and ``COMMIT`` releases the caller.
(SQLite's statement trace sees every COMMIT, whether SQLAlchemy's or one the store sends on the
driver connection itself.)"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

T = TypeVar("T")


@dataclass(frozen=True)
class _Pending(Generic[T]):
    future: Future[T]
    begun: threading.Event

    def committing(self) -> None:
        self.begun.wait()

    def result(self) -> T:
        return self.future.result()


class SqliteWriterThread:
    """One thread writing to ``engine``; ``close`` waits for the write under way."""

    def __init__(self, engine: sa.Engine, name: str = "audit-writer") -> None:
        self._engine = engine
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._local = threading.local()  # the write this thread runs (other threads: none)
        sa.event.listen(engine, "checkout", self._checked_out)
        sa.event.listen(engine, "checkin", self._checked_in)

    def start(self, write: Callable[[], T]) -> _Pending[T]:
        begun = threading.Event()
        return _Pending(self._pool.submit(self._run, write, begun), begun)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        sa.event.remove(self._engine, "checkout", self._checked_out)
        sa.event.remove(self._engine, "checkin", self._checked_in)

    def _run(self, write: Callable[[], T], begun: threading.Event) -> T:
        self._local.begun = begun
        try:
            return write()
        finally:
            self._local.begun = None
            begun.set()  # a write that failed before its commit releases the caller too

    def _checked_out(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        begun: threading.Event | None = getattr(self._local, "begun", None)
        if begun is not None:  # a connection our write uses; other threads' stay untraced

            def trace(statement: str) -> None:
                if statement == "COMMIT":
                    begun.set()

            dbapi_connection.set_trace_callback(trace)

    def _checked_in(self, dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None and getattr(self._local, "begun", None) is not None:
            dbapi_connection.set_trace_callback(None)
