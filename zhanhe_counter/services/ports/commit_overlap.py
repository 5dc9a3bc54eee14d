"""Reading during a commit (提交与读取并行): a write, and a read that runs while it commits.

Python threads share one interpreter lock, and a write and a read are both mostly Python: run
side by side, they only take turns with it, each waiting for the other's next query. What does
run in parallel is a write's commit (page encryption and the fsync, outside the lock). So the
read starts on a thread of its own when the write's commit begins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

W = TypeVar("W")
R = TypeVar("R")


class CommitOverlap(Protocol):
    """Runs a read during a write's commit."""

    def write_then_read(self, write: Callable[[], W], read: Callable[[], R]) -> tuple[W, R]:
        """``write`` (one transaction) on this thread, ``read`` on another from the moment the
        write's commit begins; both results once both are done. A failed write raises its error
        and the read, if it ran, is dropped."""
        ...
