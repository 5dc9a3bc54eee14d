"""Central: stations may stage a push batch in a temp table; an index for the promised-date tally.

Revision ID: c0003_push_stage
Revises: c0002_followup_kind
Create Date: 2026-11-28

* A push batch is COPYed into a session temp table and landed with one ``INSERT … SELECT``
  (docs/sync.md, Push transaction), so station logins need ``TEMPORARY`` on the database even where
  PUBLIC's default grant was revoked.
* The central tally's "past its promised date" figure looks for cases whose promised date
  (``payload ->> 'promised_due'`` of RECEIVED or ACCEPTED) falls in the period; without an index
  on that text it read every received case ever recorded. ``case_event`` is the busiest table
  of a live centre, so the index is built ``CONCURRENTLY`` (outside the migration's transaction):
  a plain ``CREATE INDEX`` would block every station's push for as long as the build runs.
  A build interrupted half-way leaves an invalid index behind; it is dropped and built again.

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

_DROP_INVALID = """
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
              WHERE c.relname = 'ix_case_event_promised_due' AND NOT i.indisvalid) THEN
    DROP INDEX ix_case_event_promised_due;
  END IF;
END $$
"""


def upgrade() -> None:
    op.execute(
        "DO $$ BEGIN EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO "
        f"{STATION_ROLE}', current_database()); END $$"
    )
    with op.get_context().autocommit_block():
        op.execute(_DROP_INVALID)
        op.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_case_event_promised_due ON case_event "
            "((payload ->> 'promised_due'), case_id) WHERE kind IN ('received', 'accepted')"
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_case_event_promised_due")
    op.execute(
        "DO $$ BEGIN EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM "
        f"{STATION_ROLE}', current_database()); END $$"
    )
