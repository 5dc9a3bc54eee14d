"""Writer thread port (后台写入端口): a write to the station database run beside the caller.

Python threads share one interpreter lock, and both a write and the reading beside it are
mostly Python: run at once, they hand the lock back and forth at every query, each waiting for
the other's next one. What does run in parallel is the commit (page encryption and the fsync).
So the caller waits until the write's commit has begun, then does its own work while it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class PendingWrite(Protocol[T_co]):
    """A write handed to the writer thread."""

    def committing(self) -> None:
        """Wait until the write's commit has begun (or the write ended, committed or not)."""
        ...

    def result(self) -> T_co:
        """What the write returned, once committed; the write's error if it failed."""
        ...


class WriterThread(Protocol):
    """One thread for writes the caller overlaps with its reading."""

    def start(self, write: Callable[[], T]) -> PendingWrite[T]:
        """Run ``write`` (one transaction) on the writer thread."""
        ...
