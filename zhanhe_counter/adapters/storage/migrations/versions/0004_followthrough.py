"""Follow-through: the steps taken on a bad rating (回访整改).

Revision ID: 0004_followthrough
Revises: 0003_sync
Create Date: 2026-11-27

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_followthrough"
down_revision: str | Sequence[str] | None = "0003_sync"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "followup_action",
        sa.Column("action_id", sa.Uuid(), nullable=False),
        sa.Column("rating_event_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("action_id", name=op.f("pk_followup_action")),
    )
    with op.batch_alter_table("followup_action") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_followup_action_rating_event_id"), ["rating_event_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("followup_action") as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_action_rating_event_id"))
    op.drop_table("followup_action")
