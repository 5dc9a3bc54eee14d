"""Signature images move into the (encrypted) station database.

Revision ID: 0006_signature_image
Revises: 0005_id_reveal
Create Date: 2026-11-26

Written out in full (never importing the live models) so it stays what it was when released.
Images already in ``<data>/signatures/`` are moved in by the archive when the station opens: a
migration does not know the data folder.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_signature_image"
down_revision: str | Sequence[str] | None = "0005_id_reveal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signature_image",
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_signature_image")),
    )
    with op.batch_alter_table("signature_image") as batch_op:
        batch_op.create_index(batch_op.f("ix_signature_image_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("signature_image") as batch_op:
        batch_op.drop_index(batch_op.f("ix_signature_image_case_id"))
    op.drop_table("signature_image")
