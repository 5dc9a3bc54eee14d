"""Which configured printer takes which paper (打印机分工), shared by the counter's and the back
office's document printing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PrinterRoles:
    """Which configured printer takes which paper (打印机分工)."""

    a4: str
    ticket: str | None = None  # no receipt printer: the ticket is skipped
