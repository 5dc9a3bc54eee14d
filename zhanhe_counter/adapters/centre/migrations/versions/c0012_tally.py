"""Supervisor desks tally their scope from the centre (issue 16, Deliver 7).

Revision ID: c0012_tally
Revises: c0011_sync_speed
Create Date: 2026-12-02

* ``my_station_roles()``: a station reads its own roles and hall (a supervisor desk offers the
  scopes its role allows: 本厅 for ``supervisor=HALL``, 本厅 and 全区 for ``supervisor=district``).
  The station login may not read ``station_role`` itself (it would see every station's roles).
* The station login reads ``station.training``: the central tally leaves the cases of training
  stations (registered demo folders) out, also when a supervisor desk counts with its own login.

No index: the tally's queries use the existing ones (``ix_case_event_tally``,
``ix_case_event_promised_due``, ``ix_case_event_case``).

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "c0012_tally"
down_revision: str | Sequence[str] | None = "c0011_sync_speed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATION_ROLE = "zhanhe_station"

_UP = f"""
CREATE FUNCTION my_station_roles()
RETURNS TABLE (r_role text, r_scope text, r_hall text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT r.role::text, r.scope::text, s.hall::text
    FROM public.station AS s
    LEFT JOIN public.station_role AS r ON r.station_id = s.station_id
   WHERE s.station_id = public.my_station()
$$;
REVOKE ALL ON FUNCTION my_station_roles() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION my_station_roles() TO {STATION_ROLE};
GRANT SELECT (training) ON station TO {STATION_ROLE};
"""

_DOWN = f"""
REVOKE SELECT (training) ON station FROM {STATION_ROLE};
DROP FUNCTION my_station_roles();
"""


def upgrade() -> None:
    op.execute(_UP)


def downgrade() -> None:
    op.execute(_DOWN)
