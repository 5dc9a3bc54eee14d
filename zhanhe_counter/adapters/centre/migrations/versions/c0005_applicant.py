"""Central: the applicant's side — progress page role, check-code key, outbound messages.

Revision ID: c0005_applicant
Revises: c0004_audit_kinds
Create Date: 2026-12-01

* ``zhanhe_progress`` (NOLOGIN; give a login role membership) is the progress page's role. It
  reads **no table**: it may only call ``progress_case(case_number)``, which returns one case's
  steps with every personal field but the applicant's name removed in the database (ID numbers,
  phones, addresses, signer, free-text notes never reach the web service), and
  ``progress_check_key()``. The function runs as ``zhanhe_reporting`` (read-only, sees all rows).
* ``progress_check_key()`` returns the key of the check codes (查询码) printed beside case
  numbers; stations may call it too, to keep the key and print codes offline. It is made here
  once, at random; changing it would void every code already printed.
* ``outbound_message`` is the outbox of SMS notices and of 好差评 forwarded to the province: one
  row per message, keyed by an idempotency key made from the case and the event that caused it,
  so a re-scan never adds a second row. ``outbound_cursor`` is where the scan of ``case_event``
  stands. Both belong to ``zhanhe_outbound``, the role of ``zhanhe-admin outbound run``.
* An index finds a case by its number (``payload ->> 'case_number'`` of RECEIVED).

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c0005_applicant"
down_revision: str | Sequence[str] | None = "c0004_audit_kinds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROGRESS_ROLE = "zhanhe_progress"
OUTBOUND_ROLE = "zhanhe_outbound"
STATION_ROLE = "zhanhe_station"
REPORTING_ROLE = "zhanhe_reporting"


class _Xid8(sa.types.UserDefinedType[str]):
    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "xid8"


_FUNCTIONS = r"""
-- One case's steps for the progress page, found by its number. Personal data is cut here, in
-- the database: the web service never holds more than the name it masks.
CREATE FUNCTION progress_case(p_case_number text)
RETURNS TABLE (p_event_id uuid, p_case_id uuid, p_kind text, p_occurred_at timestamptz,
               p_hlc bigint, p_origin text, p_payload jsonb, p_matter_name text,
               p_department_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  WITH opened AS (
    SELECT e.case_id, e.payload ->> 'matter_id' AS matter_id
      FROM public.case_event AS e
     WHERE e.kind = 'received' AND (e.payload ->> 'case_number') = p_case_number
     ORDER BY e.server_seq LIMIT 1),
  about AS (
    SELECT m.name AS matter_name, d.name AS department_name
      FROM opened AS o
      JOIN public.matter AS m ON m.matter_id = o.matter_id
      LEFT JOIN public.catalogue_version AS v ON v.version = m.version
      LEFT JOIN public.department AS d ON d.department_id = m.department_id
     ORDER BY v.is_current DESC NULLS LAST, m.version DESC LIMIT 1)
  SELECT e.event_id, e.case_id, e.kind, e.occurred_at, e.hlc, e.origin,
         CASE e.kind
           WHEN 'received' THEN (e.payload - 'applicant')
             || jsonb_build_object('applicant',
                  jsonb_build_object('name', e.payload -> 'applicant' -> 'name'))
           WHEN 'delivered' THEN e.payload || CASE WHEN e.payload ? 'signer'
             AND jsonb_typeof(e.payload -> 'signer') = 'string'
             THEN jsonb_build_object('signer', '*') ELSE '{}'::jsonb END
           WHEN 'inspected' THEN e.payload || jsonb_build_object('findings', '-')
           WHEN 'rating_followed_up' THEN e.payload || jsonb_build_object('note', '-')
           WHEN 'withdrawn' THEN e.payload || jsonb_build_object('reason', NULL)
           WHEN 'rated' THEN e.payload - 'staff_id'
           ELSE e.payload
         END,
         (SELECT a.matter_name FROM about AS a), (SELECT a.department_name FROM about AS a)
    FROM public.case_event AS e
    JOIN opened AS o ON o.case_id = e.case_id
   WHERE e.kind NOT IN ('case_viewed', 'document_printed', 'document_reprinted',
                        'id_revealed', 'case_exported', 'consulted')
   ORDER BY e.hlc, e.event_id
$$;

CREATE FUNCTION progress_check_key() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT value FROM public.central_setting WHERE key = 'progress_check_key'
$$;
"""


#: ``case_event`` is the busiest table of a live centre: its index is built CONCURRENTLY, outside
#: the migration's transaction, and a build interrupted half-way (an invalid index) is rebuilt.
_DROP_INVALID = """
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
              WHERE c.relname = 'ix_case_event_case_number' AND NOT i.indisvalid) THEN
    DROP INDEX ix_case_event_case_number;
  END IF;
END $$
"""


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute(_DROP_INVALID)
        op.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_case_event_case_number ON case_event "
            "((payload ->> 'case_number')) WHERE kind = 'received'"
        )
    op.create_table(
        "outbound_message",
        sa.Column("message_key", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("source_event_id", sa.Uuid(), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("remote_id", sa.String(200), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "channel IN ('sms', 'province')", name=op.f("ck_outbound_message_channel_known")
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'sending', 'sent', 'failed', 'cancelled')",
            name=op.f("ck_outbound_message_state_known"),
        ),
        sa.PrimaryKeyConstraint("message_key", name=op.f("pk_outbound_message")),
    )
    op.create_index(
        "ix_outbound_message_due", "outbound_message", ["channel", "state", "not_before"]
    )
    op.create_index(op.f("ix_outbound_message_case_id"), "outbound_message", ["case_id"])
    op.create_table(
        "outbound_cursor",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("xid", _Xid8(), nullable=False),
        sa.Column("server_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_outbound_cursor")),
    )
    op.execute(_FUNCTIONS)
    op.execute(
        f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{PROGRESS_ROLE}') THEN
    CREATE ROLE {PROGRESS_ROLE} NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{OUTBOUND_ROLE}') THEN
    CREATE ROLE {OUTBOUND_ROLE} NOLOGIN;
  END IF;
  -- Handing a function to another owner needs membership of that role (superusers have it).
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
     AND NOT pg_has_role(current_user, '{REPORTING_ROLE}', 'MEMBER') THEN
    EXECUTE 'GRANT {REPORTING_ROLE} TO ' || quote_ident(current_user);
  END IF;
END $$;
ALTER FUNCTION progress_case(text) OWNER TO {REPORTING_ROLE};
REVOKE ALL ON FUNCTION progress_case(text), progress_check_key() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION progress_case(text), progress_check_key() TO {PROGRESS_ROLE};
GRANT EXECUTE ON FUNCTION progress_check_key() TO {STATION_ROLE}, {OUTBOUND_ROLE};
GRANT SELECT ON case_event, case_file, matter, department, catalogue_version
  TO {OUTBOUND_ROLE};
GRANT SELECT (staff_id, name) ON staff TO {OUTBOUND_ROLE};
GRANT SELECT, INSERT, UPDATE ON outbound_message, outbound_cursor TO {OUTBOUND_ROLE};
CREATE POLICY cf_outbound_read ON case_file FOR SELECT TO {OUTBOUND_ROLE} USING (true);
CREATE POLICY ev_outbound_read ON case_event FOR SELECT TO {OUTBOUND_ROLE} USING (true);
"""
    )
    setting = sa.table("central_setting", sa.column("key", sa.String), sa.column("value", sa.Text))
    op.bulk_insert(setting, [{"key": "progress_check_key", "value": secrets.token_hex(32)}])


def downgrade() -> None:
    op.execute("DELETE FROM central_setting WHERE key = 'progress_check_key'")
    op.execute("DROP POLICY IF EXISTS ev_outbound_read ON case_event")
    op.execute("DROP POLICY IF EXISTS cf_outbound_read ON case_file")
    op.execute(
        "REVOKE ALL ON case_event, case_file, matter, department, catalogue_version, staff "
        f"FROM {OUTBOUND_ROLE}"
    )
    op.execute("DROP FUNCTION IF EXISTS progress_check_key()")
    op.execute("DROP FUNCTION IF EXISTS progress_case(text)")
    op.drop_table("outbound_cursor")
    op.drop_table("outbound_message")
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_case_event_case_number")
