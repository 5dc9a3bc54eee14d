"""Documents owed (待出具文书): what a committed case still needs printed.

Written by the event store in the transaction that records the case, so a case is never stored
without the record of its papers; ``fulfilled_at`` is set once the print jobs are queued (the
print queue lives in the same database file). A row without a job after a restart is rendered
and queued again (``DocumentDispatcher.recover_owed``); ``reason_zh`` says why one still waits.
"""

from __future__ import annotations

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.tables import UtcDateTime, metadata

owed_document = sa.Table(
    "owed_document",
    metadata,
    sa.Column("request_id", sa.Uuid, primary_key=True),
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("case_id", sa.Uuid, nullable=False, index=True),
    sa.Column("clerk_id", sa.String(64), nullable=False),
    sa.Column("clerk_name", sa.String(100), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("fulfilled_at", UtcDateTime, nullable=True),
    sa.Column("reason_zh", sa.String(500), nullable=True),
    # Issued by the window itself (an intake's), or by the back office / delivery window.
    sa.Column("at_window", sa.Boolean, nullable=False, server_default=sa.text("1")),
)
