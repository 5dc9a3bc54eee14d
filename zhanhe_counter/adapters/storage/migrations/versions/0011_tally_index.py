"""Tally index: a day's promised-date figure finds its cases without reading the history.

Revision ID: 0011_tally_index
Revises: 0010_reference
Create Date: 2026-12-02

The tally's promised-date figure looks up the cases whose RECEIVED/ACCEPTED ``promised_due``
text falls in the period (adapters/tally/facts_sql.py); without this partial expression index
SQLite read every earlier received case, so a day's tally grew with the station's history.
The central database has had the same index since c0003 (``ix_case_event_promised_due``).

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011_tally_index"
down_revision: str | Sequence[str] | None = "0010_reference"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain SQL: the expression must be exactly the tally's ``json_extract`` for SQLite to use it.
    op.execute(
        "CREATE INDEX ix_case_event_promised_due ON case_event "
        "(json_extract(payload, '$.promised_due'), case_id) "
        "WHERE kind IN ('received', 'accepted')"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_case_event_promised_due")
