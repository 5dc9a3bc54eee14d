"""Ports of the retention use case (保存期限): the pruner and the settings it reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID


@dataclass(frozen=True, slots=True)
class PruneReport:
    """What a pruning run deleted, or would delete on a dry run (清理结果).

    ``rows`` counts rows per table; ``case_numbers`` are the 受理编号 of the pruned cases (a
    consultation has none), which are not personal and let an administrator check the centre.
    """

    cutoff: datetime
    dry_run: bool
    case_ids: tuple[UUID, ...] = ()
    case_numbers: tuple[str, ...] = ()
    rows: Mapping[str, int] = field(default_factory=dict)
    signature_files: int = 0

    @property
    def cases(self) -> int:
        return len(self.case_ids)

    def as_json(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "dry_run": self.dry_run,
            "cases": self.cases,
            "case_numbers": list(self.case_numbers),
            "rows": dict(self.rows),
            "signature_files": self.signature_files,
        }


class CasePruner(Protocol):
    """Deletes the local copies of closed, centrally confirmed cases older than a cut-off."""

    def prune(self, older_than: datetime, *, dry_run: bool = False) -> PruneReport: ...


class SettingsReader(Protocol):
    """The station's settings (本机设置)."""

    def get_setting(self, key: str, default: Any = None) -> Any: ...
