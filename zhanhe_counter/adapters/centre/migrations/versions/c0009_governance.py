"""Central: published reference documents, the governance log, station codes and case numbers.

Revision ID: c0009_governance
Revises: c0008_service_record
Create Date: 2026-12-02

* ``reference_document``: what the bureau publishes whole (the catalogue, the departments, the
  windows and halls, the document settings, the office hours), by kind and version, each with the
  day it takes effect. Fed into ``ref_change`` like every other reference table, so a station's
  next pull brings it; the station picks the version in effect (docs/governance.md).
* ``governance_log``: who changed what and when, for every administrative change.
* ``station.station_code``: the code that makes case numbers unique, unique at the centre;
  ``retired_station_code`` keeps a replaced PC's code from ever being handed out again.
* ``staff.must_change_password``: the bureau's new or reset accounts change it at first login.
* ``case_number``: every case number the centre received, with the case and station it belongs
  to; a second case under the same number is kept in ``case_number_collision`` for the
  administrator (the event itself is not refused: the applicant's case is real either way).

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0009_governance"
down_revision: str | Sequence[str] | None = "c0008_service_record"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKOFFICE_ROLE = "zhanhe_backoffice"
REPORTING_ROLE = "zhanhe_reporting"


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


_CASE_NUMBERS = r"""
CREATE FUNCTION case_number_record() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  number text := NEW.payload ->> 'case_number';
  holder uuid;
BEGIN
  IF number IS NULL OR number = '' THEN
    RETURN NULL;
  END IF;
  INSERT INTO public.case_number (case_number, case_id, station_id)
  VALUES (number, NEW.case_id, NEW.origin)
  ON CONFLICT (case_number) DO NOTHING;
  SELECT case_id INTO holder FROM public.case_number WHERE case_number = number;
  IF holder IS DISTINCT FROM NEW.case_id THEN
    INSERT INTO public.case_number_collision (case_number, case_id, station_id, first_case_id)
    VALUES (number, NEW.case_id, NEW.origin, holder);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER case_event_number AFTER INSERT ON case_event
  FOR EACH ROW WHEN (NEW.kind = 'received') EXECUTE FUNCTION case_number_record();

CREATE TRIGGER reference_document_feed AFTER INSERT OR UPDATE OR DELETE ON reference_document
  FOR EACH ROW EXECUTE FUNCTION ref_change_feed('kind', 'version');

INSERT INTO case_number (case_number, case_id, station_id)
SELECT DISTINCT ON (payload ->> 'case_number') payload ->> 'case_number', case_id, origin
  FROM case_event
 WHERE kind = 'received' AND coalesce(payload ->> 'case_number', '') <> ''
 ORDER BY payload ->> 'case_number', server_seq;
"""

_GRANTS = f"""
GRANT SELECT, INSERT, UPDATE, DELETE ON reference_document TO {BACKOFFICE_ROLE};
GRANT SELECT, INSERT ON governance_log TO {BACKOFFICE_ROLE};
GRANT SELECT ON reference_document, case_number, case_number_collision TO {REPORTING_ROLE};
GRANT SELECT ON case_number, case_number_collision, retired_station_code TO {BACKOFFICE_ROLE};
"""


def upgrade() -> None:
    op.create_table(
        "reference_document",
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("published_by", sa.String(64), nullable=False),
        sa.Column("published_at", _utc(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('catalogue', 'departments', 'windows', 'document_settings', 'office_hours')",
            name=op.f("ck_reference_document_kind_known"),
        ),
        sa.PrimaryKeyConstraint("kind", "version", name=op.f("pk_reference_document")),
    )
    op.create_table(
        "governance_log",
        sa.Column("log_id", sa.BigInteger, sa.Identity(always=True), nullable=False),
        sa.Column("at", _utc(), server_default=sa.func.now(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("detail", sa.dialects.postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("log_id", name=op.f("pk_governance_log")),
    )
    op.create_table(
        "retired_station_code",
        sa.Column("station_code", sa.String(16), nullable=False),
        sa.Column("station_id", sa.String(32), nullable=False),
        sa.Column("retired_at", _utc(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("station_code", name=op.f("pk_retired_station_code")),
    )
    op.create_table(
        "case_number",
        sa.Column("case_number", sa.String(64), nullable=False),
        sa.Column("case_id", sa.Uuid, nullable=False),
        sa.Column("station_id", sa.String(32), nullable=False),
        sa.Column("recorded_at", _utc(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("case_number", name=op.f("pk_case_number")),
    )
    op.create_table(
        "case_number_collision",
        sa.Column("collision_id", sa.BigInteger, sa.Identity(always=True), nullable=False),
        sa.Column("case_number", sa.String(64), nullable=False),
        sa.Column("case_id", sa.Uuid, nullable=False),
        sa.Column("station_id", sa.String(32), nullable=False),
        sa.Column("first_case_id", sa.Uuid, nullable=True),
        sa.Column("at", _utc(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("collision_id", name=op.f("pk_case_number_collision")),
    )
    op.add_column("station", sa.Column("station_code", sa.String(16), nullable=True))
    # Set when the bureau creates an account or resets its password (forced change at login).
    op.add_column(
        "staff",
        sa.Column("must_change_password", sa.Boolean, server_default=sa.false(), nullable=False),
    )
    # station is live (every hello updates it): the unique index is built CONCURRENTLY.
    with op.get_context().autocommit_block():
        op.execute(
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_station_station_code "
            "ON station (station_code)"
        )
    op.execute(_CASE_NUMBERS)
    op.execute(_GRANTS)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS case_event_number ON case_event")
    op.execute("DROP FUNCTION IF EXISTS case_number_record()")
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS uq_station_station_code")
    op.drop_column("station", "station_code")
    op.drop_column("staff", "must_change_password")
    # The feed's rows of published documents go with the table.
    op.execute("DELETE FROM ref_change WHERE entity = 'reference_document'")
    for table in (
        "case_number_collision",
        "case_number",
        "retired_station_code",
        "governance_log",
        "reference_document",
    ):
        op.drop_table(table)
