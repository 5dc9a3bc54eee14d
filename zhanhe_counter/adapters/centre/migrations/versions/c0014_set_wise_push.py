"""Central: a push batch's routing and case numbers set-wise, the screen's common case cheap.

Revision ID: c0014_set_wise_push
Revises: c0013_password_change
Create Date: 2026-12-02

A push lands 2,000 cases and events in two statements; per-row trigger work was most of the
centre's time (issue 20, docs/sync.md "Where push time goes"). The rules stay the same, and
so do the function and trigger names:

* ``case_file_route`` is a statement trigger over the inserted cases (``REFERENCING NEW TABLE
  AS new_cases``). It is one ``INSERT … SELECT`` for the whole statement, with the same
  ``counter`` / ``backoffice`` / ``delivery`` / ``supervisor`` rules as c0006. Rows skipped by
  ``ON CONFLICT DO NOTHING`` are not in the transition table, as they never fired the row
  trigger either.
* ``case_event_number`` is a statement trigger over the inserted events (``REFERENCING NEW
  TABLE AS landed``). The first received event of a number takes it, in insertion order
  (``server_seq``), as the row trigger did. Every later one whose case differs from the
  holder's is recorded in ``case_number_collision``.
* ``case_file_places`` (BEFORE, per row) is gone: the statement trigger fills a missing
  ``hall`` (the station's) or ``department`` (the matter's, newest version) by the same rules,
  writes back only the rows that gain a place, and routes by the filled places. The centre's
  owner must bypass row-level security for that write, as every owner-rights function here
  already requires (docs/hall.md).
* ``case_event_screen`` (BEFORE, per row: it must be able to drop the row it refuses) looks up
  the kind policy and schema limit in one query first. A valid event passes whoever sent it, as
  before. Only an event with a reason to refuse it pays for the trust check (``pg_roles``,
  ``my_station()``) and the duplicate lookup. What is refused, filed or handed on to row-level
  security is unchanged.

Row-level security is untouched: every write is still checked by ``ev_station_write`` /
``cf_station_write``, and reads by their policies.

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "c0014_set_wise_push"
down_revision: str | Sequence[str] | None = "c0013_password_change"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SCREEN = r"""
CREATE OR REPLACE FUNCTION case_event_screen() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  reason_code text;
  reason text;
  allowed boolean;
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
  -- One query for the common case: an event with nothing to refuse passes, whoever sent it.
  SELECT EXISTS (SELECT 1 FROM public.event_kind_policy
                  WHERE kind = NEW.kind AND station_may_emit),
         (SELECT value::integer FROM public.central_setting
           WHERE key = 'max_event_schema_version')
    INTO allowed, max_schema;
  IF NOT allowed THEN
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
  IF reason_code IS NULL THEN
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
  IF EXISTS (SELECT 1 FROM public.case_event WHERE event_id = NEW.event_id) THEN
    RETURN NEW;
  END IF;
  INSERT INTO public.sync_rejection (event_id, origin, origin_seq, code, message, payload)
  VALUES (NEW.event_id, NEW.origin, NEW.origin_seq, reason_code, reason, NEW.payload)
  ON CONFLICT (event_id) DO NOTHING;
  RETURN NULL;
END $$;
"""

_ROUTE = r"""
-- The new cases' places and routes, from the new rows, the station and matter rows and the (small)
-- role table: no scan of the cases. A place the opening station did not push comes from the
-- centre's own knowledge (c0006's case_file_places rules): the station's hall, the matter's
-- department. Only rows that gain a place are written again.
CREATE OR REPLACE FUNCTION case_file_route() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  WITH placed AS (
    SELECT n.case_id, n.station_id,
           coalesce(n.hall, s.hall) AS hall,
           CASE WHEN n.department IS NULL AND n.matter_id IS NOT NULL THEN
             (SELECT coalesce(d.name, m.department_id)
                FROM public.matter AS m
                LEFT JOIN public.department AS d ON d.department_id = m.department_id
               WHERE m.matter_id = n.matter_id
               ORDER BY m.version DESC LIMIT 1)
           ELSE n.department END AS department,
           n.hall AS pushed_hall, n.department AS pushed_department
      FROM new_cases AS n
      LEFT JOIN public.station AS s ON s.station_id = n.station_id
  ), filled AS (
    UPDATE public.case_file AS cf SET hall = p.hall, department = p.department
      FROM placed AS p
     WHERE cf.case_id = p.case_id
       AND (p.hall, p.department) IS DISTINCT FROM (p.pushed_hall, p.pushed_department)
  )
  INSERT INTO public.case_route (case_id, station_id, access, reasons)
  SELECT c.case_id, c.station_id, max(c.access), string_agg(DISTINCT c.reason, ',')
    FROM (
      SELECT p.case_id, p.station_id::text AS station_id, 'write' AS access, 'counter' AS reason
        FROM placed AS p
      UNION ALL
      SELECT p.case_id, r.station_id,
             CASE WHEN r.role = 'supervisor' THEN 'read' ELSE 'write' END, r.role
        FROM placed AS p
        JOIN public.station_role AS r
          ON (r.role = 'backoffice' AND r.scope = p.department)
          OR (r.role = 'delivery' AND r.scope = p.hall)
          OR (r.role = 'supervisor' AND (r.scope = p.hall OR r.scope = 'district'))
    ) AS c
   GROUP BY c.case_id, c.station_id;
  RETURN NULL;
END $$;
"""

_CASE_NUMBERS = r"""
-- The batch's received events claim their case numbers in the order they landed; a number
-- already held by another case is recorded as a collision (it never stops the event).
CREATE OR REPLACE FUNCTION case_number_record() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  INSERT INTO public.case_number (case_number, case_id, station_id)
  SELECT DISTINCT ON (l.payload ->> 'case_number') l.payload ->> 'case_number', l.case_id,
         l.origin
    FROM landed AS l
   WHERE l.kind = 'received' AND coalesce(l.payload ->> 'case_number', '') <> ''
   ORDER BY l.payload ->> 'case_number', l.server_seq
  ON CONFLICT (case_number) DO NOTHING;
  INSERT INTO public.case_number_collision (case_number, case_id, station_id, first_case_id)
  SELECT n.case_number, l.case_id, l.origin, n.case_id
    FROM landed AS l
    JOIN public.case_number AS n ON n.case_number = l.payload ->> 'case_number'
   WHERE l.kind = 'received' AND coalesce(l.payload ->> 'case_number', '') <> ''
     AND n.case_id IS DISTINCT FROM l.case_id
   ORDER BY l.server_seq;
  RETURN NULL;
END $$;
"""

_TRIGGERS = """
DROP TRIGGER case_file_places ON case_file;
DROP FUNCTION case_file_places();
DROP TRIGGER case_file_route ON case_file;
CREATE TRIGGER case_file_route AFTER INSERT ON case_file
  REFERENCING NEW TABLE AS new_cases FOR EACH STATEMENT EXECUTE FUNCTION case_file_route();
DROP TRIGGER case_event_number ON case_event;
CREATE TRIGGER case_event_number AFTER INSERT ON case_event
  REFERENCING NEW TABLE AS landed FOR EACH STATEMENT EXECUTE FUNCTION case_number_record();
"""

# c0007's screen, c0006's routing and c0009's case numbers, for the downgrade.
_OLD_SCREEN = r"""
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

_OLD_ROUTE = r"""
CREATE OR REPLACE FUNCTION case_file_route() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  INSERT INTO public.case_route (case_id, station_id, access, reasons)
  SELECT NEW.case_id, c.station_id, max(c.access), string_agg(DISTINCT c.reason, ',')
    FROM (
      SELECT NEW.station_id::text AS station_id, 'write' AS access, 'counter' AS reason
      UNION ALL
      SELECT r.station_id, CASE WHEN r.role = 'supervisor' THEN 'read' ELSE 'write' END, r.role
        FROM public.station_role AS r
       WHERE (r.role = 'backoffice' AND r.scope = NEW.department)
          OR (r.role = 'delivery' AND r.scope = NEW.hall)
          OR (r.role = 'supervisor' AND (r.scope = NEW.hall OR r.scope = 'district'))
    ) AS c
   GROUP BY c.station_id;
  RETURN NULL;
END $$;
"""

_OLD_CASE_NUMBERS = r"""
CREATE OR REPLACE FUNCTION case_number_record() RETURNS trigger
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
"""

_OLD_TRIGGERS = """
DROP TRIGGER case_event_number ON case_event;
DROP TRIGGER case_file_route ON case_file;
"""

_OLD_PLACES = r"""
CREATE FUNCTION case_file_places() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF NEW.hall IS NULL THEN
    NEW.hall := (SELECT s.hall FROM public.station AS s WHERE s.station_id = NEW.station_id);
  END IF;
  IF NEW.department IS NULL AND NEW.matter_id IS NOT NULL THEN
    NEW.department := (SELECT coalesce(d.name, m.department_id)
                         FROM public.matter AS m
                         LEFT JOIN public.department AS d ON d.department_id = m.department_id
                        WHERE m.matter_id = NEW.matter_id
                        ORDER BY m.version DESC LIMIT 1);
  END IF;
  RETURN NEW;
END $$;
"""

_OLD_TRIGGERS_BACK = """
CREATE TRIGGER case_file_places BEFORE INSERT ON case_file
  FOR EACH ROW EXECUTE FUNCTION case_file_places();
CREATE TRIGGER case_file_route AFTER INSERT ON case_file
  FOR EACH ROW EXECUTE FUNCTION case_file_route();
CREATE TRIGGER case_event_number AFTER INSERT ON case_event
  FOR EACH ROW WHEN (NEW.kind = 'received') EXECUTE FUNCTION case_number_record();
"""


def upgrade() -> None:
    # Bodies and triggers change in the one migration transaction: no insert sees a mix.
    op.execute(_SCREEN)
    op.execute(_ROUTE)
    op.execute(_CASE_NUMBERS)
    op.execute(_TRIGGERS)


def downgrade() -> None:
    op.execute(_OLD_TRIGGERS)
    op.execute(_OLD_SCREEN)
    op.execute(_OLD_ROUTE)
    op.execute(_OLD_CASE_NUMBERS)
    op.execute(_OLD_PLACES)
    op.execute(_OLD_TRIGGERS_BACK)
