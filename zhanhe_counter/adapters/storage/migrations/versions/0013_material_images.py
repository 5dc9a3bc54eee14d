"""Material page images in the station database (issue 21, Deliver 2).

Revision ID: 0013_material_images
Revises: 0012_service_owed
Create Date: 2026-12-02

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_material_images"
down_revision: str | Sequence[str] | None = "0012_service_owed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "material_page",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("material_id", sa.String(length=64), nullable=False),
        sa.Column("page_no", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_chunks", sa.Integer(), server_default="0", nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("case_id", "sha256", name=op.f("pk_material_page")),
    )
    op.create_index(
        "ix_material_page_pending", "material_page", ["uploaded_at", "captured_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_material_page_pending", table_name="material_page")
    op.drop_table("material_page")
