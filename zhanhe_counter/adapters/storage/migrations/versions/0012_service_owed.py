"""Owed documents of the back office and the delivery window too (issue 18, Deliver 2).

Revision ID: 0012_service_owed
Revises: 0011_tally_index
Create Date: 2026-12-02

``owed_document.at_window``: whether the document was issued by the window itself (an intake's,
true for every row written before) or by the back office / delivery window, so a document
recovered after a crash says the same issuer and wording as the first print would have.
Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_service_owed"
down_revision: str | Sequence[str] | None = "0011_tally_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "owed_document",
        sa.Column("at_window", sa.Boolean(), nullable=False, server_default=sa.text("1")),
    )


def downgrade() -> None:
    with op.batch_alter_table("owed_document") as batch:
        batch.drop_column("at_window")
