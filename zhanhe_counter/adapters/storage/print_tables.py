"""Print queue tables (打印队列表): rendered documents, print jobs, and every attempt.

The rendered bytes are stored once per document and never re-rendered: a reprint sends these
bytes again with a 补打 stamp (kept in ``print_job.payload``). ``print_job.request_id`` is
UNIQUE because it is made when the clerk's action started; a double click or a retried call
finds the stored job instead of printing twice.
"""

from __future__ import annotations

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.tables import UtcDateTime, metadata

print_document = sa.Table(
    "print_document",
    metadata,
    sa.Column("document_id", sa.Uuid, primary_key=True),
    sa.Column("case_id", sa.Uuid, nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("mime", sa.String(64), nullable=False),
    sa.Column("template_id", sa.String(64), nullable=False),
    sa.Column("template_version", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("page_count", sa.Integer, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

print_job = sa.Table(
    "print_job",
    metadata,
    sa.Column("job_id", sa.Uuid, primary_key=True),
    sa.Column("request_id", sa.Uuid, nullable=False, unique=True),
    sa.Column("document_id", sa.Uuid, sa.ForeignKey("print_document.document_id"), nullable=False),
    sa.Column("case_id", sa.Uuid, nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("printer", sa.String(100), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("copies", sa.Integer, nullable=False),
    sa.Column("reprint_of", sa.Uuid, sa.ForeignKey("print_job.job_id"), nullable=True),
    # NULL for a first print (the document's own bytes); the stamped bytes for a reprint.
    sa.Column("payload", sa.LargeBinary, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("backend_job_id", sa.String(64), nullable=True),
    sa.Column("last_error_zh", sa.String(500), nullable=True),
    sa.Column("requested_by", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("printed_at", UtcDateTime, nullable=True),
    sa.Index("ix_print_job_printer_state", "printer", "state"),
)

print_attempt = sa.Table(
    "print_attempt",
    metadata,
    sa.Column("attempt_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job_id", sa.Uuid, sa.ForeignKey("print_job.job_id"), nullable=False, index=True),
    sa.Column("attempt_no", sa.Integer, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("error_zh", sa.String(500), nullable=True),
    sa.Column("backend_job_id", sa.String(64), nullable=True),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=False),
)
