"""Central: a station's pull page in one statement, without its own payloads (issue 20).

Revision ID: c0011_sync_speed
Revises: c0010_materials
Create Date: 2026-12-02

``pull_page(xid, seq, limit)`` is ``pull_routed`` plus the pull mark, so a page costs a station
one round trip instead of four (BEGIN, the page, the mark, COMMIT). Rows of the station's own
events carry no payload: the station wrote them and holds them (its push confirmed them from
the answer already), and sending every own event back in full doubled what a push moves over
the wire. An own event the station no longer holds is still returned, by id, kind and position,
and the station sets it aside for a person (``unknown_own_event``); the centre keeps it whole.

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "c0011_sync_speed"
down_revision: str | Sequence[str] | None = "c0010_materials"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATION_ROLE = "zhanhe_station"

_PULL_PAGE = f"""
CREATE FUNCTION pull_page(p_xid text, p_seq bigint, p_limit integer)
RETURNS TABLE (event_id uuid, case_id uuid, origin text, origin_seq bigint, kind text,
               occurred_at timestamptz, hlc bigint, actor text, schema_version smallint,
               payload jsonb, route_seq bigint, route_xid text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  me text := public.my_station();
BEGIN
  PERFORM public.sync_mark('pull');
  RETURN QUERY
  SELECT p.event_id, p.case_id, p.origin, p.origin_seq, p.kind, p.occurred_at, p.hlc, p.actor,
         p.schema_version, CASE WHEN p.origin = me THEN NULL ELSE p.payload END,
         p.route_seq, p.route_xid
    FROM public.pull_routed(p_xid, p_seq, p_limit) AS p;
END $$;
REVOKE ALL ON FUNCTION pull_page(text, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pull_page(text, bigint, integer) TO {STATION_ROLE};
"""


def upgrade() -> None:
    op.execute(_PULL_PAGE)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS pull_page(text, bigint, integer)")
