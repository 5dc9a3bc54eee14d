"""Staff accounts the centre created or reset must change their password at first login.

Revision ID: 0010_reference
Revises: 0009_scale_indexes
Create Date: 2026-12-02

``staff.must_change_password`` arrives with the centre's staff rows (central c0009): set when the
bureau creates an account or resets its password, cleared here when the person sets their own.

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_reference"
down_revision: str | Sequence[str] | None = "0009_scale_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (with its default) needs no table copy, and prints in --sql mode.
    op.add_column(
        "staff",
        sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("must_change_password")
