"""Indexes for a busy station after two years: lists by clerk, status, matter and recency.

Revision ID: 0009_scale_indexes
Revises: 0008_owed_document
Create Date: 2026-12-02

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009_scale_indexes"
down_revision: str | Sequence[str] | None = "0008_owed_document"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = {
    "ix_case_status_updated_at": ["updated_at"],
    "ix_case_status_first_handler_status": ["first_handler", "status"],
    "ix_case_status_first_handler_updated_at": ["first_handler", "updated_at"],
    "ix_case_status_first_handler_matter_id_updated_at": [
        "first_handler",
        "matter_id",
        "updated_at",
    ],
    "ix_case_status_first_handler_applicant_name": ["first_handler", "applicant_name"],
}


def upgrade() -> None:
    for name, columns in _INDEXES.items():
        op.create_index(name, "case_status", columns, unique=False)


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="case_status")
