"""Print queue: rendered documents, print jobs and attempts.

Revision ID: 0002_print_queue
Revises: 0001_initial
Create Date: 2026-11-26

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_print_queue"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "print_document",
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("mime", sa.String(length=64), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_print_document")),
    )
    op.create_index(op.f("ix_print_document_case_id"), "print_document", ["case_id"], unique=False)
    op.create_table(
        "print_job",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("printer", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("reprint_of", sa.Uuid(), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("backend_job_id", sa.String(length=64), nullable=True),
        sa.Column("last_error_zh", sa.String(length=500), nullable=True),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("printed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["print_document.document_id"],
            name=op.f("fk_print_job_document_id_print_document"),
        ),
        sa.ForeignKeyConstraint(
            ["reprint_of"], ["print_job.job_id"], name=op.f("fk_print_job_reprint_of_print_job")
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_print_job")),
        sa.UniqueConstraint("request_id", name=op.f("uq_print_job_request_id")),
    )
    op.create_index(op.f("ix_print_job_case_id"), "print_job", ["case_id"], unique=False)
    op.create_index("ix_print_job_printer_state", "print_job", ["printer", "state"], unique=False)
    op.create_table(
        "print_attempt",
        sa.Column("attempt_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("attempt_no", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error_zh", sa.String(length=500), nullable=True),
        sa.Column("backend_job_id", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["print_job.job_id"], name=op.f("fk_print_attempt_job_id_print_job")
        ),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_print_attempt")),
    )
    op.create_index(op.f("ix_print_attempt_job_id"), "print_attempt", ["job_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_print_attempt_job_id"), table_name="print_attempt")
    op.drop_table("print_attempt")
    op.drop_index("ix_print_job_printer_state", table_name="print_job")
    op.drop_index(op.f("ix_print_job_case_id"), table_name="print_job")
    op.drop_table("print_job")
    op.drop_index(op.f("ix_print_document_case_id"), table_name="print_document")
    op.drop_table("print_document")
