"""Integrity port (数据库完整性端口): ask the station database whether it is still whole."""

from __future__ import annotations

from typing import Protocol


class IntegrityProbe(Protocol):
    """Runs the database's own consistency check (SQLite ``quick_check``/``integrity_check``)."""

    def problems(self, *, full: bool) -> tuple[str, ...]:
        """What the check found wrong, in the engine's words; empty when the file is whole.

        ``full=False`` is the quick check (pages and records, not index contents: fast enough
        for every start); ``full=True`` also compares every index with its table and, for an
        encrypted file, every page's authentication code.
        """
        ...
