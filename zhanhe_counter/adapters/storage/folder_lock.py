"""One counter client per data folder (数据目录独占锁): an OS file lock on ``counter.lock``.

Two clients on one folder would share a database safely (SQLite locks each write) but not a
print queue: the second one, starting, takes the first one's job in flight for a crash left
over and marks it uncertain, which invites a double print. The lock is the operating system's
(``flock`` on POSIX, ``msvcrt.locking`` on Windows), so it goes away with the process however
that ends, a crash or a power cut included: there is never a stale lock to clear by hand. The
file keeps the holder's process id and host for the message the second client shows.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from pathlib import Path
from typing import IO

from zhanhe_counter.domain.errors import DomainError

log = logging.getLogger(__name__)

LOCK_FILENAME = "counter.lock"


class DataFolderInUse(DomainError):
    """Another counter client already works on this data folder (数据目录正被使用)."""


def _try_lock(handle: IO[str]) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class DataFolderLock:
    """Held by the running counter client for as long as it has ``data_dir`` open."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILENAME
        self._handle: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self) -> None:
        """Take the lock or raise :class:`DataFolderInUse` naming the holder."""
        if self._handle is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # "a+": never truncate what the holder wrote before we know we hold the lock.
        handle = self.path.open("a+", encoding="utf-8")
        if not _try_lock(handle):
            try:
                handle.seek(0)
                holder = handle.read(200).strip() or "未知进程"
            except OSError:  # Windows: the holder's locked byte cannot be read
                holder = "未知进程"
            handle.close()
            raise DataFolderInUse(
                f"data folder {self.path.parent} is in use ({holder})",
                f"这个数据目录已被另一个柜台程序打开（{holder}）。同一数据目录只能运行一个"
                "柜台程序：请切换到已打开的窗口，或先关闭它再打开。",
            )
        if sys.platform != "win32":
            handle.seek(0)
            handle.truncate()
        handle.write(f"进程 {os.getpid()}，计算机 {socket.gethostname()}")
        handle.flush()
        self._handle = handle
        log.info("data folder %s locked by process %d", self.path.parent, os.getpid())

    def release(self) -> None:
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        handle.close()  # closing releases the OS lock
