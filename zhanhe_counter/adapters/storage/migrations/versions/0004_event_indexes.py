"""Event indexes: the supervisor's tally reads a period's events by time and kind.

Revision ID: 0004_event_indexes
Revises: 0003_sync
Create Date: 2026-11-26

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004_event_indexes"
down_revision: str | Sequence[str] | None = "0003_sync"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_event") as batch_op:
        batch_op.create_index(
            "ix_case_event_occurred_at_kind", ["occurred_at", "kind"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("case_event") as batch_op:
        batch_op.drop_index("ix_case_event_occurred_at_kind")
