"""Central: one station cannot stop another; no password history; rejections forget payloads.

Revision ID: c0007_station_isolation
Revises: c0004_audit_kinds
Create Date: 2026-12-01

* ``case_event_screen`` runs with the owner's rights *before* row-level security looks at the
  row. It used to file any refused event in ``sync_rejection``, whoever sent it: station A could
  insert an event marked as B's with a refused kind, and B's next handshake then found a higher
  ``origin_seq`` at the centre than it had and stopped uploading. The screen now files a
  refusal only when the event's origin is the session's own station (or the session is the
  owner or a superuser); anything else is handed on unchanged so that the row-level security
  check refuses it with an error. Which cases a station may write to stays RLS's question (its
  own, or those routed to it): a refusal filed under the sender's own origin can only ever stop
  the sender.
* ``ref_change_feed`` keeps one row per reference key and scope: a newer change deletes the rows
  it supersedes (pulls are state-based upserts, so a station that missed the older row loses
  nothing), and a staff member's password hash travels only while the person is active.
  Existing history is pruned the same way. The reporting and back-office roles no longer read
  staff rows in ``ref_change`` (the back office edits the ``staff`` table itself).
* ``purge_rejection_payloads(days)``: the retention job for ``sync_rejection``. A refused
  event's payload holds personal data; after the retention period it is replaced by ``{}``. The
  row itself stays: it tells the station why its event was refused and keeps the handshake's
  highest number.
* Station roles get a connection limit, and roles of deactivated stations lose LOGIN.

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "c0007_station_isolation"
down_revision: str | Sequence[str] | None = "c0006_hall_routing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATION_ROLE = "zhanhe_station"
BACKOFFICE_ROLE = "zhanhe_backoffice"
REPORTING_ROLE = "zhanhe_reporting"
STATION_CONNECTION_LIMIT = 4

_SCREEN = r"""
CREATE OR REPLACE FUNCTION case_event_screen() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  reason_code text;
  reason text;
  max_schema integer;
  trusted boolean;
BEGIN
  IF NEW.origin = 'central' THEN
    IF NOT EXISTS (SELECT 1 FROM public.event_kind_policy
                    WHERE kind = NEW.kind AND central_may_emit) THEN
      RAISE EXCEPTION 'back office may not record kind %', NEW.kind
        USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  -- Only the station that owns the event (and its case) may have it refused on its account.
  -- Anything else goes on to row-level security, which refuses it with an error: this function
  -- runs with the owner's rights, before RLS, so it must not act on another station's behalf.
  SELECT r.rolsuper OR r.rolname = (SELECT pg_get_userbyid(c.relowner) FROM pg_class AS c
                                      WHERE c.oid = 'public.case_event'::regclass)
    INTO trusted FROM pg_roles AS r WHERE r.rolname = session_user;
  IF NOT coalesce(trusted, false)
     AND NEW.origin IS DISTINCT FROM public.my_station() THEN
    RETURN NEW;
  END IF;
  SELECT value::integer INTO max_schema FROM public.central_setting
   WHERE key = 'max_event_schema_version';
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
"""

_FEED = r"""
CREATE OR REPLACE FUNCTION ref_change_feed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  old_row jsonb;
  new_row jsonb;
  old_key text;
  new_key text;
  old_scope text;
  new_scope text;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    old_row := to_jsonb(OLD);
    old_scope := coalesce(old_row ->> 'station_id', 'all');
    SELECT string_agg(old_row ->> k, '|' ORDER BY n) INTO old_key
      FROM unnest(TG_ARGV) WITH ORDINALITY AS a(k, n);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    new_row := to_jsonb(NEW);
    new_scope := coalesce(new_row ->> 'station_id', 'all');
    SELECT string_agg(new_row ->> k, '|' ORDER BY n) INTO new_key
      FROM unnest(TG_ARGV) WITH ORDINALITY AS a(k, n);
    -- A station needs a password hash only to let an active person log in.
    IF TG_TABLE_NAME = 'staff' AND NOT coalesce((new_row ->> 'active')::boolean, false) THEN
      new_row := new_row - 'password_hash';
    END IF;
  END IF;
  -- The key left, or left this scope: the stations that had it are told to drop it.
  IF old_key IS NOT NULL
     AND (old_key IS DISTINCT FROM new_key OR old_scope IS DISTINCT FROM new_scope) THEN
    DELETE FROM public.ref_change
     WHERE entity = TG_TABLE_NAME AND entity_key = old_key AND scope = old_scope;
    INSERT INTO public.ref_change (entity, entity_key, op, scope, data)
    VALUES (TG_TABLE_NAME, old_key, 'delete', old_scope, NULL);
  END IF;
  IF new_key IS NOT NULL THEN
    -- One row per key and scope: the newest state supersedes every older one.
    DELETE FROM public.ref_change
     WHERE entity = TG_TABLE_NAME AND entity_key = new_key AND scope = new_scope;
    INSERT INTO public.ref_change (entity, entity_key, op, scope, data)
    VALUES (TG_TABLE_NAME, new_key, 'upsert', new_scope, new_row);
  END IF;
  RETURN NULL;
END $$;
"""

_PRUNE_HISTORY = r"""
DELETE FROM ref_change AS old
 WHERE EXISTS (SELECT 1 FROM ref_change AS newer
                WHERE newer.entity = old.entity AND newer.entity_key = old.entity_key
                  AND newer.scope = old.scope AND newer.server_seq > old.server_seq);
UPDATE ref_change SET data = data - 'password_hash'
 WHERE entity = 'staff' AND data ? 'password_hash'
   AND NOT coalesce((data ->> 'active')::boolean, false);
"""

_RETENTION = f"""
CREATE FUNCTION purge_rejection_payloads(p_days integer) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  purged integer;
BEGIN
  IF p_days IS NULL OR p_days < 1 THEN
    RAISE EXCEPTION 'retention must be at least one day' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE public.sync_rejection SET payload = '{{}}'::jsonb
   WHERE at < now() - make_interval(days => p_days) AND payload <> '{{}}'::jsonb;
  GET DIAGNOSTICS purged = ROW_COUNT;
  RETURN purged;
END $$;
REVOKE ALL ON FUNCTION purge_rejection_payloads(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_rejection_payloads(integer) TO {BACKOFFICE_ROLE};
"""

_POLICIES = f"""
DROP POLICY ref_read_all ON ref_change;
CREATE POLICY ref_read_all ON ref_change FOR SELECT TO {BACKOFFICE_ROLE}, {REPORTING_ROLE}
  USING (entity <> 'staff');
"""

_OLD_POLICIES = f"""
DROP POLICY ref_read_all ON ref_change;
CREATE POLICY ref_read_all ON ref_change FOR SELECT TO {BACKOFFICE_ROLE}, {REPORTING_ROLE}
  USING (true);
"""

_ROLE_LIMITS = f"""
DO $$
DECLARE
  s record;
BEGIN
  FOR s IN SELECT st.role_name, st.active FROM station AS st
            JOIN pg_roles AS r ON r.rolname = st.role_name LOOP
    EXECUTE format('ALTER ROLE %I CONNECTION LIMIT {STATION_CONNECTION_LIMIT}', s.role_name);
    IF NOT s.active THEN
      EXECUTE format('ALTER ROLE %I NOLOGIN', s.role_name);
    END IF;
  END LOOP;
END $$;
"""

# c0001's functions, for the downgrade.
_OLD_SCREEN = r"""
CREATE OR REPLACE FUNCTION case_event_screen() RETURNS trigger
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
"""

_OLD_FEED = r"""
CREATE OR REPLACE FUNCTION ref_change_feed() RETURNS trigger
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


def upgrade() -> None:
    # The feed's DELETE finds superseded rows by key; ref_change is live, so CONCURRENTLY.
    with op.get_context().autocommit_block():
        op.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_ref_change_key "
            "ON ref_change (entity, entity_key, scope)"
        )
    op.execute(_SCREEN)
    op.execute(_FEED)
    op.execute(_PRUNE_HISTORY)
    op.execute(_POLICIES)
    op.execute(_RETENTION)
    op.execute(_ROLE_LIMITS)


def downgrade() -> None:
    # Pruned history and purged payloads are gone for good; the old behaviour returns.
    op.execute("DROP FUNCTION IF EXISTS purge_rejection_payloads(integer)")
    op.execute(_OLD_POLICIES)
    op.execute(_OLD_FEED)
    op.execute(_OLD_SCREEN)
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_ref_change_key")
