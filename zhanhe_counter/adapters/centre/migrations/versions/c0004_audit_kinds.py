"""Central: stations may push the audit events of a case (查阅记录).

Revision ID: c0004_audit_kinds
Revises: c0003_push_stage
Create Date: 2026-11-29

Who viewed, printed, reprinted, revealed the ID number of, or exported which case, and when, is
recorded at the station as ordinary case events; the central screen (``case_event_screen``)
rejects any kind missing from ``event_kind_policy``, so each audit kind is allowed here. Only
stations emit them: the back office records its decisions, not its reading. Row-level security
needs nothing new: a station reads and writes only the events of its own cases, whatever kind.
Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "c0004_audit_kinds"
down_revision: str | Sequence[str] | None = "c0003_push_stage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AUDIT_KINDS = (
    "case_viewed",
    "document_printed",
    "document_reprinted",
    "id_revealed",
    "case_exported",
)


def upgrade() -> None:
    for kind in _AUDIT_KINDS:
        op.execute(
            "INSERT INTO event_kind_policy (kind, station_may_emit, central_may_emit) "
            f"VALUES ('{kind}', true, false)"
        )


def downgrade() -> None:
    listed = ", ".join(f"'{kind}'" for kind in _AUDIT_KINDS)
    op.execute(f"DELETE FROM event_kind_policy WHERE kind IN ({listed})")
