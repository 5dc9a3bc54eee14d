"""The record of pruned cases, so the sync ignores late facts about them.

Revision ID: 0007_pruned_case
Revises: 0006_signature_image
Create Date: 2026-11-26

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_pruned_case"
down_revision: str | Sequence[str] | None = "0006_signature_image"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pruned_case",
        sa.Column("pruned_case_id", sa.Uuid(), nullable=False),
        sa.Column("pruned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pruned_case_id", name=op.f("pk_pruned_case")),
    )


def downgrade() -> None:
    op.drop_table("pruned_case")
