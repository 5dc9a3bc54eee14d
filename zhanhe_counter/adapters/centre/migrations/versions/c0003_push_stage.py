"""Central: stations may stage a push batch in a temp table; an index for the promised-date tally.

Revision ID: c0003_push_stage
Revises: c0002_followup_kind
Create Date: 2026-11-28

* A push batch is COPYed into a session temp table and landed with one ``INSERT … SELECT``
  (docs/sync.md, Push transaction), so station logins need ``TEMPORARY`` on the database even where
  PUBLIC's default grant was revoked.
* The central tally's "past its promised date" figure looks for cases whose promised date
  (``payload ->> 'promised_due'`` of RECEIVED or ACCEPTED) falls in the period; without an index
  on that text it read every received case ever recorded.

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "c0003_push_stage"
down_revision: str | Sequence[str] | None = "c0002_followup_kind"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATION_ROLE = "zhanhe_station"


def upgrade() -> None:
    op.execute(
        "DO $$ BEGIN EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO "
        f"{STATION_ROLE}', current_database()); END $$"
    )
    op.execute(
        "CREATE INDEX ix_case_event_promised_due ON case_event "
        "((payload ->> 'promised_due'), case_id) WHERE kind IN ('received', 'accepted')"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_case_event_promised_due")
    op.execute(
        "DO $$ BEGIN EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM "
        f"{STATION_ROLE}', current_database()); END $$"
    )
