"""Ports: what the services need from the outside world, as ``typing.Protocol``.

Adapters implement these; services and tests depend only on the protocols. One module per
outside thing: `storage`, `idcard`, `printing`, `sync`; `Clock` lives here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Where time comes from (时钟). Services never call ``datetime.now()`` themselves."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...
