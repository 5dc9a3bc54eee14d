"""Documents owed by a case, recorded with its events (issue 18, Deliver 2).

Revision ID: 0008_owed_document
Revises: 0007_pruned_case
Create Date: 2026-12-02

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_owed_document"
down_revision: str | Sequence[str] | None = "0007_pruned_case"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "owed_document",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("clerk_id", sa.String(length=64), nullable=False),
        sa.Column("clerk_name", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason_zh", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("request_id", "kind", name=op.f("pk_owed_document")),
    )
    op.create_index(op.f("ix_owed_document_case_id"), "owed_document", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_owed_document_case_id"), table_name="owed_document")
    op.drop_table("owed_document")
