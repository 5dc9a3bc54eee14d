"""Central: the hall as one system — station roles, case routes, a per-station pull log.

Revision ID: c0006_hall_routing
Revises: c0004_audit_kinds
Create Date: 2026-12-01

* ``station.hall``: the service hall (服务场所) a station stands in; a case's hall is its opening
  station's. ``station.training``: a demo data folder registered as a station (培训站点).
* ``station_role``: what a station does (counter; backoffice of a department; delivery window of
  a hall; supervisor of a hall or the district), several per station.
* ``case_file.department`` / ``case_file.hall``: where a case belongs, pushed by the opening
  station (the centre falls back to its own matter table and the station's hall).
* ``case_route``: which stations hold each case, and whether they may write to it. Filled when a
  case arrives (the opening counter, the department's desks, the hall's delivery windows, the
  supervisors in scope, read-only) and recomputed for a station when its roles change.
* ``route_log``: every event routed to a station, in the order it was routed, with its own
  ``(xid, server_seq)``; a pull is one index range of the station's rows (``pull_routed``), so it
  never reads another station's history. Filled by a statement trigger on ``case_event``, which
  also wakes the routed stations with ``NOTIFY`` on their login name (the channel carries no data).
* Row-level security by the same routes: a station reads the cases and events routed to it and
  writes only events of cases routed to it for writing. In a push, an event of a case not routed
  to the writing station (or routed read-only, for a step that moves the case) is recorded in
  ``sync_rejection`` by ``refuse_unrouted`` and left out of the batch, so it comes back to the
  station as a refusal instead of blocking its queue; any other such write is refused by RLS.

Existing cases are routed to their opening station and every existing event logged for it, so
each station pulls its history once more after the upgrade (applied by event id: harmless).
Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "c0006_hall_routing"
down_revision: str | Sequence[str] | None = "c0005_applicant"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATION_ROLE = "zhanhe_station"
BACKOFFICE_ROLE = "zhanhe_backoffice"
REPORTING_ROLE = "zhanhe_reporting"


class _Xid8(sa.types.UserDefinedType[str]):
    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "xid8"


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _tables() -> None:
    op.add_column("station", sa.Column("hall", sa.String(32), nullable=True))
    op.add_column(
        "station", sa.Column("training", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("case_file", sa.Column("department", sa.String(200), nullable=True))
    op.add_column("case_file", sa.Column("hall", sa.String(32), nullable=True))
    op.create_table(
        "station_role",
        sa.Column("station_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(200), server_default="", nullable=False),
        sa.CheckConstraint(
            "role IN ('counter', 'backoffice', 'delivery', 'supervisor')",
            name=op.f("ck_station_role_role_known"),
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["station.station_id"],
            name=op.f("fk_station_role_station_id_station"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("station_id", "role", "scope", name=op.f("pk_station_role")),
    )
    op.create_index("ix_station_role_scope", "station_role", ["role", "scope"])
    op.create_table(
        "case_route",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("station_id", sa.String(32), nullable=False),
        sa.Column("access", sa.String(8), nullable=False),
        sa.Column("reasons", sa.String(64), nullable=False),
        sa.Column("routed_at", _utc(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("access IN ('read', 'write')", name=op.f("ck_case_route_access_known")),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.case_id"],
            name=op.f("fk_case_route_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["station.station_id"],
            name=op.f("fk_case_route_station_id_station"),
        ),
        sa.PrimaryKeyConstraint("case_id", "station_id", name=op.f("pk_case_route")),
    )
    op.create_index("ix_case_route_station", "case_route", ["station_id", "case_id"])
    op.create_table(
        "route_log",
        sa.Column("server_seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("xid", _Xid8(), server_default=sa.text("pg_current_xact_id()"), nullable=False),
        sa.Column("station_id", sa.String(32), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["case_event.event_id"],
            name=op.f("fk_route_log_event_id_case_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("server_seq", name=op.f("pk_route_log")),
        sa.UniqueConstraint(
            "station_id", "event_id", name=op.f("uq_route_log_station_id_event_id")
        ),
    )
    op.create_index("ix_route_log_pull", "route_log", ["station_id", "xid", "server_seq"])


_FUNCTIONS = r"""
-- Where a new case belongs: what the opening station pushed, else the centre's own knowledge.
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

-- The routes one station should hold, case by case (its roles against the cases' places).
CREATE FUNCTION wanted_routes(p_station text)
RETURNS TABLE (w_case uuid, w_access text, w_reasons text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT c.case_id, max(c.access), string_agg(DISTINCT c.reason, ',')
    FROM (
      SELECT cf.case_id, 'write' AS access, 'counter' AS reason
        FROM public.case_file AS cf WHERE cf.station_id = p_station
      UNION ALL
      SELECT cf.case_id, CASE WHEN r.role = 'supervisor' THEN 'read' ELSE 'write' END, r.role
        FROM public.station_role AS r
        JOIN public.case_file AS cf
          ON (r.role = 'backoffice' AND cf.department = r.scope)
          OR (r.role = 'delivery' AND cf.hall = r.scope)
          OR (r.role = 'supervisor' AND (cf.hall = r.scope OR r.scope = 'district'))
       WHERE r.station_id = p_station
    ) AS c
   GROUP BY c.case_id
$$;

-- A new case's routes, from the new row and the (small) role table alone: no scan of the cases.
CREATE FUNCTION case_file_route() RETURNS trigger
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

-- Recompute one station's routes after its roles changed: routes it no longer should hold go
-- (it keeps what it already pulled), new ones bring the case's whole history once, in the order
-- the centre committed it.
CREATE FUNCTION reroute_station(p_station text) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  added integer;
  channel text;
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS reroute_wanted
    (w_case uuid PRIMARY KEY, w_access text, w_reasons text) ON COMMIT DROP;
  TRUNCATE reroute_wanted;
  INSERT INTO reroute_wanted
  SELECT w_case, w_access, w_reasons FROM public.wanted_routes(p_station);
  DELETE FROM public.case_route AS cr
   WHERE cr.station_id = p_station
     AND NOT EXISTS (SELECT 1 FROM reroute_wanted AS w WHERE w.w_case = cr.case_id);
  UPDATE public.case_route AS cr SET access = w.w_access, reasons = w.w_reasons
    FROM reroute_wanted AS w
   WHERE cr.station_id = p_station AND cr.case_id = w.w_case
     AND (cr.access, cr.reasons) IS DISTINCT FROM (w.w_access, w.w_reasons);
  INSERT INTO public.case_route (case_id, station_id, access, reasons)
  SELECT w_case, p_station, w_access, w_reasons FROM reroute_wanted
  ON CONFLICT (case_id, station_id) DO NOTHING;
  INSERT INTO public.route_log (station_id, event_id)
  SELECT p_station, e.event_id
    FROM reroute_wanted AS w JOIN public.case_event AS e ON e.case_id = w.w_case
   ORDER BY e.xid, e.server_seq
  ON CONFLICT (station_id, event_id) DO NOTHING;
  GET DIAGNOSTICS added = ROW_COUNT;
  IF added > 0 THEN
    SELECT role_name INTO channel FROM public.station WHERE station_id = p_station;
    PERFORM pg_notify(channel, 'events');
  END IF;
  RETURN added;
END $$;

-- A push batch's events for cases not routed to the pushing station (or routed read-only, for a
-- step that moves the case) are refused set-wise before the batch lands: recorded in
-- sync_rejection and reported back, never raised (a raise would block every later event of that
-- PC, e.g. a desk whose role was taken away while it worked offline). Takes the batch's rows as
-- JSON (a function cannot rely on reading the caller's temp table); a direct INSERT that skips
-- this is refused by RLS itself.
CREATE FUNCTION refuse_unrouted(p_batch jsonb) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  me text := public.my_station();
  refused integer;
BEGIN
  IF me IS NULL THEN
    RAISE EXCEPTION 'role % is not an active station', session_user
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO public.sync_rejection (event_id, origin, origin_seq, code, message, payload)
  SELECT s.event_id, s.origin, s.origin_seq,
         CASE WHEN cr.access IS NULL THEN 'not_routed' ELSE 'read_only_route' END,
         CASE WHEN cr.access IS NULL THEN '该办件未分派到本站，中心不接收本站对它的记录'
              ELSE format('本站对该办件只有查阅权限，不能记录“%s”', s.kind) END,
         s.payload
    FROM jsonb_to_recordset(coalesce(p_batch, '[]'))
         AS s(event_id uuid, case_id uuid, origin text, origin_seq bigint, kind text,
              payload jsonb)
    LEFT JOIN public.case_route AS cr ON cr.case_id = s.case_id AND cr.station_id = me
   WHERE s.origin = me
     AND (cr.access IS NULL
          OR (cr.access = 'read'
              AND s.kind NOT IN ('case_viewed', 'document_printed', 'document_reprinted',
                                 'id_revealed', 'case_exported', 'rating_followed_up')))
     AND NOT EXISTS (SELECT 1 FROM public.case_event AS e WHERE e.event_id = s.event_id)
  ON CONFLICT (event_id) DO NOTHING;
  GET DIAGNOSTICS refused = ROW_COUNT;
  RETURN refused;
END $$;

-- Every landed event goes to the log of each station its case is routed to, and wakes them.
CREATE FUNCTION case_event_route() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  channel text;
BEGIN
  INSERT INTO public.route_log (station_id, event_id)
  SELECT cr.station_id, l.event_id
    FROM landed AS l JOIN public.case_route AS cr ON cr.case_id = l.case_id
   ORDER BY l.server_seq, cr.station_id
  ON CONFLICT (station_id, event_id) DO NOTHING;
  -- The writing station is not woken by its own events: its push already confirmed them.
  FOR channel IN
    SELECT DISTINCT s.role_name
      FROM landed AS l
      JOIN public.case_route AS cr ON cr.case_id = l.case_id AND cr.station_id <> l.origin
      JOIN public.station AS s ON s.station_id = cr.station_id
  LOOP
    PERFORM pg_notify(channel, 'events');
  END LOOP;
  RETURN NULL;
END $$;

-- A station's pull: one range of its own log from the cursor, then each row's event by primary
-- key. Only rows whose transaction is older than every running one, so a late commit is never
-- skipped. The page is taken first and each event fetched by key (OFFSET 0 keeps the planner
-- from turning the lookups into a hash join over the whole event table, which it prefers while
-- the table is small): the pull reads what it returns, never another station's history.
CREATE FUNCTION pull_routed(p_xid text, p_seq bigint, p_limit integer)
RETURNS TABLE (event_id uuid, case_id uuid, origin text, origin_seq bigint, kind text,
               occurred_at timestamptz, hlc bigint, actor text, schema_version smallint,
               payload jsonb, route_seq bigint, route_xid text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  me text := public.my_station();
BEGIN
  IF me IS NULL THEN
    RAISE EXCEPTION 'role % is not an active station', session_user
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN QUERY
  SELECT e.event_id, e.case_id, e.origin::text, e.origin_seq, e.kind::text, e.occurred_at,
         e.hlc, e.actor::text, e.schema_version, e.payload, page.server_seq, page.xid::text
    FROM (SELECT r.server_seq, r.xid, r.event_id
            FROM public.route_log AS r
           WHERE r.station_id = me
             AND (r.xid, r.server_seq) > (p_xid::xid8, p_seq)
             AND r.xid < pg_snapshot_xmin(pg_current_snapshot())
           ORDER BY r.xid, r.server_seq
           LIMIT p_limit) AS page
    CROSS JOIN LATERAL (SELECT * FROM public.case_event AS ce
                         WHERE ce.event_id = page.event_id OFFSET 0) AS e
   ORDER BY page.xid, page.server_seq;
END $$;
"""

_TRIGGERS = """
CREATE TRIGGER case_file_places BEFORE INSERT ON case_file
  FOR EACH ROW EXECUTE FUNCTION case_file_places();
CREATE TRIGGER case_file_route AFTER INSERT ON case_file
  FOR EACH ROW EXECUTE FUNCTION case_file_route();
CREATE TRIGGER case_event_route AFTER INSERT ON case_event
  REFERENCING NEW TABLE AS landed FOR EACH STATEMENT EXECUTE FUNCTION case_event_route();
"""

_BACKFILL = """
INSERT INTO station_role (station_id, role, scope) SELECT station_id, 'counter', '' FROM station;
INSERT INTO case_route (case_id, station_id, access, reasons)
SELECT case_id, station_id, 'write', 'counter' FROM case_file;
INSERT INTO route_log (station_id, event_id)
SELECT cf.station_id, e.event_id
  FROM case_event AS e JOIN case_file AS cf ON cf.case_id = e.case_id
 ORDER BY e.xid, e.server_seq;
"""

_SECURITY = f"""
REVOKE ALL ON FUNCTION wanted_routes(text), reroute_station(text),
  pull_routed(text, bigint, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION refuse_unrouted(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pull_routed(text, bigint, integer), refuse_unrouted(jsonb)
  TO {STATION_ROLE};

GRANT SELECT ON case_route, route_log TO {STATION_ROLE};
-- A supervisor desk's tally from the centre (its scope by RLS) names the stations not synced.
GRANT SELECT (station_id, name, active, hall, last_hello_at, last_push_at, last_pull_at)
  ON station TO {STATION_ROLE};
GRANT SELECT ON station_role, case_route, route_log TO {BACKOFFICE_ROLE}, {REPORTING_ROLE};
ALTER TABLE case_route ENABLE ROW LEVEL SECURITY;
ALTER TABLE route_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY route_station_read ON case_route FOR SELECT TO {STATION_ROLE}
  USING (station_id = (SELECT my_station()));
CREATE POLICY route_read_all ON case_route FOR SELECT TO {BACKOFFICE_ROLE}, {REPORTING_ROLE}
  USING (true);
CREATE POLICY log_station_read ON route_log FOR SELECT TO {STATION_ROLE}
  USING (station_id = (SELECT my_station()));
CREATE POLICY log_read_all ON route_log FOR SELECT TO {BACKOFFICE_ROLE}, {REPORTING_ROLE}
  USING (true);

-- The opening station writes its case rows; every routed station reads them.
DROP POLICY cf_station ON case_file;
CREATE POLICY cf_station_write ON case_file FOR INSERT TO {STATION_ROLE}
  WITH CHECK (station_id = (SELECT my_station()));
CREATE POLICY cf_station_read ON case_file FOR SELECT TO {STATION_ROLE}
  USING (station_id = (SELECT my_station())
         OR EXISTS (SELECT 1 FROM case_route AS cr
                     WHERE cr.case_id = case_file.case_id
                       AND cr.station_id = (SELECT my_station())));

-- Events: written only for cases routed for writing (read-only routes: audit and follow-up
-- only); read for cases routed at all, and always one's own.
DROP POLICY ev_station_write ON case_event;
DROP POLICY ev_station_read ON case_event;
CREATE POLICY ev_station_write ON case_event FOR INSERT TO {STATION_ROLE}
  WITH CHECK (origin = (SELECT my_station())
              AND EXISTS (SELECT 1 FROM case_route AS cr
                           WHERE cr.case_id = case_event.case_id
                             AND cr.station_id = (SELECT my_station())
                             AND (cr.access = 'write'
                                  OR case_event.kind IN ('case_viewed', 'document_printed',
                                     'document_reprinted', 'id_revealed', 'case_exported',
                                     'rating_followed_up'))));
CREATE POLICY ev_station_read ON case_event FOR SELECT TO {STATION_ROLE}
  USING (origin = (SELECT my_station())
         OR EXISTS (SELECT 1 FROM case_route AS cr
                     WHERE cr.case_id = case_event.case_id
                       AND cr.station_id = (SELECT my_station())));
"""

_UNDO_SECURITY = f"""
REVOKE SELECT (station_id, name, active, hall, last_hello_at, last_push_at, last_pull_at)
  ON station FROM {STATION_ROLE};
DROP POLICY ev_station_write ON case_event;
DROP POLICY ev_station_read ON case_event;
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
DROP POLICY cf_station_write ON case_file;
DROP POLICY cf_station_read ON case_file;
CREATE POLICY cf_station ON case_file TO {STATION_ROLE}
  USING (station_id = (SELECT my_station())) WITH CHECK (station_id = (SELECT my_station()));
"""


def upgrade() -> None:
    _tables()
    op.execute(_FUNCTIONS)
    op.execute(_TRIGGERS)
    op.execute(_BACKFILL)
    op.execute(_SECURITY)


def downgrade() -> None:
    op.execute(_UNDO_SECURITY)
    for trigger, table in (
        ("case_event_route", "case_event"),
        ("case_file_route", "case_file"),
        ("case_file_places", "case_file"),
    ):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    op.drop_table("route_log")
    op.drop_table("case_route")
    op.drop_table("station_role")
    op.drop_column("case_file", "hall")
    op.drop_column("case_file", "department")
    op.drop_column("station", "training")
    op.drop_column("station", "hall")
    for function in (
        "pull_routed(text, bigint, integer)",
        "case_event_route()",
        "refuse_unrouted(jsonb)",
        "reroute_station(text)",
        "case_file_route()",
        "wanted_routes(text)",
        "case_file_places()",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
