"""Which reference data this counter took up, and when (基础数据启用记录).

Each time the counter starts working on a version of a reference document the centre published
(catalogue, departments, windows, document settings, office hours: docs/governance.md), one
entry is kept on this PC: the kind, the version and the moment. An administrator reads them with
``zhanhe-admin db check``. They are not case events (no case is concerned), so they stay in a
setting of this PC, the newest ``KEEP`` of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from zhanhe_counter.services.ports.storage import ReferenceStore

#: The setting holding the entries, oldest first: [{"at", "kind", "version"}].
TAKEN_UP_SETTING = "audit.reference_taken_up"
KEEP = 500


@dataclass(frozen=True, slots=True)
class TakenUp:
    at: datetime
    kind: str
    version: str


def taken_up(reference: ReferenceStore) -> list[TakenUp]:
    """The entries kept, oldest first."""
    return [
        TakenUp(datetime.fromisoformat(e["at"]), e["kind"], e["version"])
        for e in reference.get_setting(TAKEN_UP_SETTING) or []
    ]


def record_taken_up(
    reference: ReferenceStore, versions: Mapping[str, str], now: datetime
) -> list[TakenUp]:
    """Record each kind whose version in use differs from the last one recorded; the new ones."""
    entries = list(reference.get_setting(TAKEN_UP_SETTING) or [])
    last = {e["kind"]: e["version"] for e in entries}
    new = [TakenUp(now, k, v) for k, v in sorted(versions.items()) if last.get(k) != v]
    if new:
        entries += [{"at": t.at.isoformat(), "kind": t.kind, "version": t.version} for t in new]
        reference.set_setting(TAKEN_UP_SETTING, entries[-KEEP:])
    return new
