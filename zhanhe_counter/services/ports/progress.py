"""What the progress page needs from the centre (进度查询数据源).

Implemented by ``adapters/centre/progress_source.py`` with the read-only ``zhanhe_progress``
role, whose one function returns a case's steps with personal data already cut (migration
c0005): the service receives the applicant's name only, and masks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from zhanhe_counter.domain.events import CaseEvent


@dataclass(frozen=True, slots=True)
class ProgressRecord:
    """One case as the centre holds it: its steps in order, and what the catalogue names."""

    events: tuple[CaseEvent, ...]
    matter_name: str | None
    department_name: str | None


class ProgressSource(Protocol):
    """The centre, read-only."""

    def find(self, case_number: str) -> ProgressRecord | None:
        """The case opened under ``case_number`` (normalised), or None when the centre has
        none (yet: a township station may not have synced)."""
        ...

    def check_key(self) -> bytes:
        """The key of the check codes printed beside case numbers."""
        ...
