"""Central: stations may push the follow-up steps of a bad rating (差评回访整改).

Revision ID: c0002_followup_kind
Revises: c0001_central
Create Date: 2026-11-27

The central screen (``case_event_screen``) rejects any kind missing from ``event_kind_policy``;
``rating_followed_up`` is recorded at a station by the supervisor, so only stations may emit it.
Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "c0002_followup_kind"
down_revision: str | Sequence[str] | None = "c0001_central"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO event_kind_policy (kind, station_may_emit, central_may_emit) "
        "VALUES ('rating_followed_up', true, false)"
    )


def downgrade() -> None:
    op.execute("DELETE FROM event_kind_policy WHERE kind = 'rating_followed_up'")
