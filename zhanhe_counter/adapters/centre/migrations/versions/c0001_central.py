"""Central schema: stations, cases, events, reference data, roles and row-level security.

Revision ID: c0001_central
Revises:
Create Date: 2026-11-27

Written out in full (never importing the live models) so it stays what it was when released.
Roles are cluster-wide, so they are created if missing and left in place by the downgrade;
everything else (tables, functions, policies, grants) belongs to this database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c0001_central"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATION_ROLE = "zhanhe_station"
BACKOFFICE_ROLE = "zhanhe_backoffice"
REPORTING_ROLE = "zhanhe_reporting"

_EVENT_KINDS = {
    # kind: (a station may record it, the back office may record it)
    "consulted": (True, False),
    "received": (True, False),
    "rongque_pledged": (True, False),
    "notified_once": (True, False),
    "backoffice_requested": (True, False),
    "accepted": (True, True),
    "refused": (True, True),
    "supplement_received": (True, True),
    "inspected": (True, True),
    "decided": (True, True),
    "certificate_made": (True, True),
    "handed_to_delivery": (True, True),
    "delivered": (True, False),
    "rated": (True, False),
    "withdrawn": (True, True),
}

_REFERENCE_KEYS = {
    "department": ("department_id",),
    "catalogue_version": ("version",),
    "matter": ("matter_id", "version"),
    "staff": ("staff_id",),
    "window_config": ("window_id",),
    "holiday_override": ("day",),
}


class _Xid8(sa.types.UserDefinedType[str]):
    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "xid8"


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _create_tables() -> None:
    op.create_table(
        "station",
        sa.Column("station_id", sa.String(32), nullable=False),
        sa.Column("role_name", sa.String(63), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("last_hello_at", _utc(), nullable=True),
        sa.Column("last_push_at", _utc(), nullable=True),
        sa.Column("last_pull_at", _utc(), nullable=True),
        sa.Column("clock_offset_ms", sa.BigInteger(), nullable=True),
        sa.Column("app_version", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("station_id", name=op.f("pk_station")),
        sa.UniqueConstraint("role_name", name=op.f("uq_station_role_name")),
    )
    op.create_table(
        "case_file",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("station_id", sa.String(32), nullable=False),
        sa.Column("matter_id", sa.String(64), nullable=True),
        sa.Column("service_day", sa.Date(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["station.station_id"], name=op.f("fk_case_file_station_id_station")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_file")),
    )
    op.create_index(op.f("ix_case_file_station_id"), "case_file", ["station_id"])
    op.create_table(
        "case_event",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("origin_seq", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("occurred_at", _utc(), nullable=False),
        sa.Column("service_day", sa.Date(), nullable=False),
        sa.Column("hlc", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("schema_version", sa.SmallInteger(), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("server_seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("xid", _Xid8(), server_default=sa.text("pg_current_xact_id()"), nullable=False),
        sa.Column("received_at", _utc(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.case_id"], name=op.f("fk_case_event_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_case_event")),
        sa.UniqueConstraint("origin", "origin_seq", name=op.f("uq_case_event_origin_origin_seq")),
    )
    op.create_index("ix_case_event_pull", "case_event", ["xid", "server_seq"])
    op.create_index("ix_case_event_tally", "case_event", ["service_day", "origin", "kind"])
    op.create_index("ix_case_event_case", "case_event", ["case_id", "hlc"])
    op.create_table(
        "ref_change",
        sa.Column("server_seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("xid", _Xid8(), server_default=sa.text("pg_current_xact_id()"), nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_key", sa.String(200), nullable=False),
        sa.Column("op", sa.String(8), nullable=False),
        sa.Column("scope", sa.String(32), server_default="all", nullable=False),
        sa.Column("data", postgresql.JSONB(), nullable=True),
        sa.CheckConstraint("op IN ('upsert', 'delete')", name=op.f("ck_ref_change_op_known")),
        sa.PrimaryKeyConstraint("server_seq", name=op.f("pk_ref_change")),
    )
    op.create_index("ix_ref_change_pull", "ref_change", ["xid", "server_seq"])
    op.create_table(
        "sync_rejection",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("origin_seq", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("at", _utc(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_sync_rejection")),
    )
    op.create_index(
        op.f("ix_sync_rejection_origin_origin_seq"), "sync_rejection", ["origin", "origin_seq"]
    )
    op.create_table(
        "sync_epoch",
        sa.Column("epoch", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("started_at", _utc(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("epoch", name=op.f("pk_sync_epoch")),
    )
    op.create_table(
        "central_setting",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_central_setting")),
    )
    op.create_table(
        "event_kind_policy",
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("station_may_emit", sa.Boolean(), nullable=False),
        sa.Column("central_may_emit", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_event_kind_policy")),
    )
    op.create_table(
        "department",
        sa.Column("department_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("department_id", name=op.f("pk_department")),
    )
    op.create_table(
        "catalogue_version",
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("imported_at", _utc(), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("is_current", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_catalogue_version")),
    )
    op.create_table(
        "matter",
        sa.Column("matter_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("department_id", sa.String(64), nullable=True),
        sa.Column("body", postgresql.JSONB(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version"],
            ["catalogue_version.version"],
            name=op.f("fk_matter_version_catalogue_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("matter_id", "version", name=op.f("pk_matter")),
    )
    op.create_index(op.f("ix_matter_department_id"), "matter", ["department_id"])
    op.create_table(
        "staff",
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("roles", postgresql.JSONB(), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff")),
    )
    op.create_table(
        "window_config",
        sa.Column("window_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("station_id", sa.String(32), nullable=False),
        sa.Column("can_accept", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("matter_ids", postgresql.JSONB(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("window_id", name=op.f("pk_window_config")),
    )
    op.create_table(
        "holiday_override",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.CheckConstraint(
            "kind IN ('holiday', 'workday')", name=op.f("ck_holiday_override_kind_known")
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_holiday_override")),
    )


_FUNCTIONS = r"""
-- PL/pgSQL keeps its plan for the session; policies call it as "(SELECT my_station())" so it
-- runs once per statement (an InitPlan), not once per row.
CREATE FUNCTION my_station() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  RETURN (SELECT station_id FROM public.station WHERE role_name = session_user AND active);
END $$;

-- One round trip at the start of every sync session (docs/sync.md, Push transaction).
CREATE FUNCTION sync_hello(p_app_version text, p_client_time timestamptz)
RETURNS TABLE (h_station text, h_server_time timestamptz, h_epoch integer, h_system_id text,
               h_current_xid text, h_min_client_version text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  me text := public.my_station();
  sysid text;
BEGIN
  IF me IS NULL THEN
    RAISE EXCEPTION 'role % is not an active station', session_user
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  BEGIN
    SELECT s.system_identifier::text INTO sysid FROM pg_control_system() AS s;
  EXCEPTION WHEN insufficient_privilege THEN
    sysid := NULL;
  END;
  UPDATE public.station AS st
     SET last_hello_at = now(), app_version = p_app_version,
         clock_offset_ms = (extract(epoch FROM (now() - p_client_time)) * 1000)::bigint
   WHERE st.station_id = me;
  RETURN QUERY SELECT me, now(),
    (SELECT coalesce(max(e.epoch), 0) FROM public.sync_epoch AS e),
    sysid, pg_current_xact_id()::text,
    (SELECT cs.value FROM public.central_setting AS cs WHERE cs.key = 'min_client_version');
END $$;

CREATE FUNCTION sync_mark(p_what text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF p_what = 'push' THEN
    UPDATE public.station SET last_push_at = now() WHERE station_id = public.my_station();
  ELSIF p_what = 'pull' THEN
    UPDATE public.station SET last_pull_at = now() WHERE station_id = public.my_station();
  END IF;
END $$;

-- The central screen: an event its origin may not record, or of a newer schema than this
-- database understands, goes to sync_rejection and is skipped; the batch still commits.
CREATE FUNCTION case_event_screen() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  reason_code text;
  reason text;
  max_schema integer;
BEGIN
  SELECT value::integer INTO max_schema FROM public.central_setting
   WHERE key = 'max_event_schema_version';
  IF NEW.origin = 'central' THEN
    IF NOT EXISTS (SELECT 1 FROM public.event_kind_policy
                    WHERE kind = NEW.kind AND central_may_emit) THEN
      RAISE EXCEPTION 'back office may not record kind %', NEW.kind
        USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public.event_kind_policy WHERE kind = NEW.kind AND station_may_emit)
  THEN
    reason_code := 'kind_not_allowed';
    reason := format('中心不接收窗口提交的“%s”类记录', NEW.kind);
  ELSIF max_schema IS NOT NULL AND NEW.schema_version > max_schema THEN
    reason_code := 'schema_too_new';
    reason := format('记录格式版本 %s 高于中心支持的版本 %s，请升级中心库', NEW.schema_version,
                     max_schema);
  ELSIF jsonb_typeof(NEW.payload) IS DISTINCT FROM 'object' THEN
    reason_code := 'payload_invalid';
    reason := '记录内容格式错误';
  END IF;
  IF reason_code IS NULL
     OR EXISTS (SELECT 1 FROM public.case_event WHERE event_id = NEW.event_id) THEN
    RETURN NEW;
  END IF;
  INSERT INTO public.sync_rejection (event_id, origin, origin_seq, code, message, payload)
  VALUES (NEW.event_id, NEW.origin, NEW.origin_seq, reason_code, reason, NEW.payload)
  ON CONFLICT (event_id) DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER case_event_screen BEFORE INSERT ON case_event
  FOR EACH ROW EXECUTE FUNCTION case_event_screen();

-- Appends every change of a reference table to ref_change (arguments: the key columns).
CREATE FUNCTION ref_change_feed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  old_row jsonb;
  new_row jsonb;
  old_key text;
  new_key text;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    old_row := to_jsonb(OLD);
    SELECT string_agg(old_row ->> k, '|' ORDER BY n) INTO old_key
      FROM unnest(TG_ARGV) WITH ORDINALITY AS a(k, n);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    new_row := to_jsonb(NEW);
    SELECT string_agg(new_row ->> k, '|' ORDER BY n) INTO new_key
      FROM unnest(TG_ARGV) WITH ORDINALITY AS a(k, n);
  END IF;
  IF old_key IS NOT NULL AND old_key IS DISTINCT FROM new_key THEN
    INSERT INTO public.ref_change (entity, entity_key, op, scope, data)
    VALUES (TG_TABLE_NAME, old_key, 'delete', coalesce(old_row ->> 'station_id', 'all'), NULL);
  END IF;
  IF new_key IS NOT NULL THEN
    INSERT INTO public.ref_change (entity, entity_key, op, scope, data)
    VALUES (TG_TABLE_NAME, new_key, 'upsert', coalesce(new_row ->> 'station_id', 'all'), new_row);
  END IF;
  RETURN NULL;
END $$;
"""

_ROLES = f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{STATION_ROLE}') THEN
    CREATE ROLE {STATION_ROLE} NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{BACKOFFICE_ROLE}') THEN
    CREATE ROLE {BACKOFFICE_ROLE} NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{REPORTING_ROLE}') THEN
    CREATE ROLE {REPORTING_ROLE} NOLOGIN;
  END IF;
END $$;
"""

_SECURITY = f"""
REVOKE ALL ON FUNCTION my_station(), sync_hello(text, timestamptz), sync_mark(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION my_station(), sync_hello(text, timestamptz), sync_mark(text)
  TO {STATION_ROLE};
GRANT EXECUTE ON FUNCTION my_station() TO {BACKOFFICE_ROLE}, {REPORTING_ROLE};

-- Stations append; nobody but the owner updates or deletes synced facts.
GRANT SELECT, INSERT ON case_file, case_event TO {STATION_ROLE};
GRANT SELECT ON ref_change, sync_rejection TO {STATION_ROLE};
GRANT SELECT, INSERT ON case_event TO {BACKOFFICE_ROLE};
GRANT SELECT ON case_file, station, ref_change, sync_rejection, sync_epoch, event_kind_policy
  TO {BACKOFFICE_ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE
  ON department, catalogue_version, matter, staff, window_config, holiday_override
  TO {BACKOFFICE_ROLE};
GRANT SELECT ON station, case_file, case_event, ref_change, sync_rejection, department,
  catalogue_version, matter, window_config, holiday_override TO {REPORTING_ROLE};

ALTER TABLE case_file ENABLE ROW LEVEL SECURITY;
ALTER TABLE case_file FORCE ROW LEVEL SECURITY;
ALTER TABLE case_event ENABLE ROW LEVEL SECURITY;
ALTER TABLE case_event FORCE ROW LEVEL SECURITY;
ALTER TABLE ref_change ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_rejection ENABLE ROW LEVEL SECURITY;

CREATE POLICY cf_station ON case_file TO {STATION_ROLE}
  USING (station_id = (SELECT my_station())) WITH CHECK (station_id = (SELECT my_station()));
CREATE POLICY cf_read_all ON case_file FOR SELECT TO {BACKOFFICE_ROLE}, {REPORTING_ROLE}
  USING (true);

-- case_file, not case_event, answers "is this my case": a case_event policy that reads
-- case_event recurses (docs/sync.md, Security). EXISTS by primary key, not IN (…): an IN list would
-- be rebuilt from all the station's cases for every inserted row.
CREATE POLICY ev_station_write ON case_event FOR INSERT TO {STATION_ROLE}
  WITH CHECK (origin = (SELECT my_station())
              AND EXISTS (SELECT 1 FROM case_file AS cf
                           WHERE cf.case_id = case_event.case_id
                             AND cf.station_id = (SELECT my_station())));
CREATE POLICY ev_station_read ON case_event FOR SELECT TO {STATION_ROLE}
  USING (origin = (SELECT my_station())
         OR EXISTS (SELECT 1 FROM case_file AS cf
                     WHERE cf.case_id = case_event.case_id
                       AND cf.station_id = (SELECT my_station())));
CREATE POLICY ev_backoffice_write ON case_event FOR INSERT TO {BACKOFFICE_ROLE}
  WITH CHECK (origin = 'central');
CREATE POLICY ev_read_all ON case_event FOR SELECT TO {BACKOFFICE_ROLE}, {REPORTING_ROLE}
  USING (true);

CREATE POLICY ref_station_read ON ref_change FOR SELECT TO {STATION_ROLE}
  USING (scope = 'all' OR scope = (SELECT my_station()));
CREATE POLICY ref_read_all ON ref_change FOR SELECT TO {BACKOFFICE_ROLE}, {REPORTING_ROLE}
  USING (true);

CREATE POLICY rej_station_read ON sync_rejection FOR SELECT TO {STATION_ROLE}
  USING (origin = (SELECT my_station()));
CREATE POLICY rej_read_all ON sync_rejection FOR SELECT TO {BACKOFFICE_ROLE}, {REPORTING_ROLE}
  USING (true);
"""


def upgrade() -> None:
    _create_tables()
    op.execute(_FUNCTIONS)
    for table, keys in _REFERENCE_KEYS.items():
        arguments = ", ".join(f"'{key}'" for key in keys)
        op.execute(
            f"CREATE TRIGGER {table}_feed AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION ref_change_feed({arguments})"
        )
    op.execute(_ROLES)
    op.execute(_SECURITY)
    policy = sa.table(
        "event_kind_policy",
        sa.column("kind", sa.String),
        sa.column("station_may_emit", sa.Boolean),
        sa.column("central_may_emit", sa.Boolean),
    )
    op.bulk_insert(
        policy,
        [
            {"kind": kind, "station_may_emit": station, "central_may_emit": central}
            for kind, (station, central) in _EVENT_KINDS.items()
        ],
    )
    setting = sa.table("central_setting", sa.column("key", sa.String), sa.column("value", sa.Text))
    op.bulk_insert(
        setting,
        [
            {"key": "min_client_version", "value": "0.1.0"},
            {"key": "max_event_schema_version", "value": "1"},
        ],
    )
    op.execute("INSERT INTO sync_epoch (epoch) VALUES (1)")


def downgrade() -> None:
    for table in _REFERENCE_KEYS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_feed ON {table}")
    op.execute("DROP TRIGGER IF EXISTS case_event_screen ON case_event")
    for table in (
        "holiday_override",
        "window_config",
        "staff",
        "matter",
        "catalogue_version",
        "department",
        "event_kind_policy",
        "central_setting",
        "sync_epoch",
        "sync_rejection",
        "ref_change",
        "case_event",
        "case_file",
        "station",
    ):
        # Dropping a table drops its policies and grants with it.
        op.drop_table(table)
    op.execute("DROP FUNCTION IF EXISTS ref_change_feed()")
    op.execute("DROP FUNCTION IF EXISTS case_event_screen()")
    op.execute("DROP FUNCTION IF EXISTS sync_mark(text)")
    op.execute("DROP FUNCTION IF EXISTS sync_hello(text, timestamptz)")
    op.execute("DROP FUNCTION IF EXISTS my_station()")
