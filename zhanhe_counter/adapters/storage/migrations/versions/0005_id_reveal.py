"""ID reveal audit: every full ID number shown on screen, by whom and when (never the number).

Revision ID: 0005_id_reveal
Revises: 0004_event_indexes
Create Date: 2026-11-26

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_id_reveal"
down_revision: str | Sequence[str] | None = "0004_event_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "id_reveal",
        sa.Column("reveal_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("reveal_id", name=op.f("pk_id_reveal")),
    )
    with op.batch_alter_table("id_reveal") as batch_op:
        batch_op.create_index(batch_op.f("ix_id_reveal_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("id_reveal") as batch_op:
        batch_op.drop_index(batch_op.f("ix_id_reveal_case_id"))
    op.drop_table("id_reveal")
