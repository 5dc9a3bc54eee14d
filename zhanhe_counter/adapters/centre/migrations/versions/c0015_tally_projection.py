"""Central: the tally projection, one row per event with its case's opening coordinates (issue 20).

Revision ID: c0015_tally_projection
Revises: c0014_set_wise_push
Create Date: 2026-12-02

``tally_event`` holds, for each ``case_event`` row, its service day, its own origin (for the
station's read policy), the opening event's station, clerk and matter, and what its payload
tells the tally (``variant``: 当场办结, 决定不予办理, ``rating_<level>``; ``due``: promised date,
answer deadline or 容缺 deadline; ``settled_at``: when a received case stopped, a request was
answered, a rating was followed up, set again by the trigger when a batch brings such events).
A day's tally reads one index range of it instead of joining
every event of the day to its case's opening event (adapters/tally/facts_sql.py).

* Kept by the statement-level trigger ``case_event_tally``: once per INSERT statement (a push
  batch), from its transition table, in the same transaction as the events. Its rows go with
  their events by ``case_event_tally_forget``, set-wise too (a foreign key would cost a check
  per pushed row).
* Read like ``case_event``: a station reads the rows of the cases routed to it and its own
  events of the cases it opened; the back office and reporting read all.
* Filled for the events already stored after the trigger exists (in its own statement, so
  pushes are not held up for the length of the fill; a row the trigger wrote meanwhile is kept),
  then indexed ``CONCURRENTLY``: the trigger makes it a live table the moment it commits.

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "c0015_tally_projection"
down_revision: str | Sequence[str] | None = "c0014_set_wise_push"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATION_ROLE = "zhanhe_station"
BACKOFFICE_ROLE = "zhanhe_backoffice"
REPORTING_ROLE = "zhanhe_reporting"

_COLUMNS = (
    "event_id, case_id, kind, origin, occurred_at, service_day,"
    " station, clerk, matter, variant, due"
)


#: A case's one opening event (the state machine allows RECEIVED or CONSULTED only first).
_JOIN_OPENING = """
  JOIN public.case_event AS o ON o.case_id = n.case_id AND o.kind IN ('received', 'consulted')"""
#: The same, looked up by case for each event: a transition table has no statistics, and the
#: planner took the join above as a hash join over every opening event in the history.
_LOOK_UP_OPENING = """
  CROSS JOIN LATERAL (
    SELECT e.origin, e.actor, e.payload FROM public.case_event AS e
     WHERE e.case_id = n.case_id AND e.kind IN ('received', 'consulted') LIMIT 1) AS o"""


def _rows(events: str, opening: str) -> str:
    """The projection's rows of the events ``n`` in ``events``, each with its case's opening."""
    return f"""
SELECT n.event_id, n.case_id, n.kind, n.origin, n.occurred_at, n.service_day,
       o.origin, o.actor, coalesce(o.payload ->> 'matter_id', ''),
       CASE n.kind
         WHEN 'received' THEN CASE WHEN (n.payload ->> 'flow') = 'complete_on_spot'
                                   THEN 'complete_on_spot' END
         WHEN 'decided' THEN CASE WHEN (n.payload ->> 'approved') = 'false'
                                  THEN 'decided_refused' END
         WHEN 'rated' THEN 'rating_' || (n.payload ->> 'level')
       END,
       CASE n.kind
         WHEN 'received' THEN n.payload ->> 'promised_due'
         WHEN 'accepted' THEN n.payload ->> 'promised_due'
         WHEN 'backoffice_requested' THEN n.payload ->> 'answer_due'
         WHEN 'rongque_pledged' THEN n.payload ->> 'deadline'
       END
  FROM {events} AS n{opening}"""


#: When the row ``t`` was settled, from its case's rows (the first such row ever; the tally
#: takes it if it came before its as-of): a RECEIVED's stop (decision, refusal, withdrawal), a
#: back-office request's answer (ACCEPTED or REFUSED at or after it), a rating's follow-up.
def _settle(cases: str = "") -> str:
    """Set ``settled_at`` anew on the rows of the cases that ``cases`` picks (all by default)."""
    return f"""
UPDATE public.tally_event AS r SET settled_at = CASE r.kind
    WHEN 'received' THEN (SELECT min(x.occurred_at) FROM public.tally_event AS x
      WHERE x.case_id = r.case_id AND x.kind IN ('decided', 'refused', 'withdrawn'))
    WHEN 'backoffice_requested' THEN (SELECT min(x.occurred_at) FROM public.tally_event AS x
      WHERE x.case_id = r.case_id AND x.kind IN ('accepted', 'refused')
        AND x.occurred_at >= r.occurred_at)
    WHEN 'rated' THEN (SELECT min(x.occurred_at) FROM public.tally_event AS x
      WHERE x.case_id = r.case_id AND x.kind = 'rating_followed_up'
        AND x.occurred_at >= r.occurred_at)
  END
 WHERE r.kind IN ('received', 'backoffice_requested', 'rated'){cases}"""


#: The cases of a pushed batch whose rows may be settled anew: an array, so that the planner
#: looks each up by ``ix_tally_event_case`` (a transition table has no statistics).
_SETTLED_CASES = """
     AND r.case_id = ANY (ARRAY(
       SELECT DISTINCT n.case_id FROM new_events AS n
        WHERE n.kind IN ('received', 'backoffice_requested', 'rated', 'decided', 'refused',
                         'withdrawn', 'accepted', 'rating_followed_up')))"""

_UP = f"""
CREATE TABLE tally_event (
  event_id uuid NOT NULL,
  case_id uuid NOT NULL,
  kind varchar(32) NOT NULL,
  origin varchar(32) NOT NULL,
  occurred_at timestamptz NOT NULL,
  service_day date NOT NULL,
  station varchar(32) NOT NULL,
  clerk varchar(64) NOT NULL,
  matter varchar(64) NOT NULL,
  variant varchar(32),
  due varchar(40),
  settled_at timestamptz,
  CONSTRAINT pk_tally_event PRIMARY KEY (event_id)
);

CREATE FUNCTION case_event_tally() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  INSERT INTO public.tally_event ({_COLUMNS}){_rows("new_events", _LOOK_UP_OPENING)}
  ON CONFLICT (event_id) DO NOTHING;{_settle(_SETTLED_CASES)};
  RETURN NULL;
END $$;

CREATE TRIGGER case_event_tally AFTER INSERT ON case_event
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION case_event_tally();

-- Rows go with their events, set-wise too (a foreign key would check every pushed row).
CREATE FUNCTION case_event_tally_forget() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  DELETE FROM public.tally_event AS t USING gone_events AS g WHERE t.event_id = g.event_id;
  RETURN NULL;
END $$;

CREATE TRIGGER case_event_tally_forget AFTER DELETE ON case_event
  REFERENCING OLD TABLE AS gone_events
  FOR EACH STATEMENT EXECUTE FUNCTION case_event_tally_forget();

GRANT SELECT ON tally_event TO {STATION_ROLE}, {BACKOFFICE_ROLE}, {REPORTING_ROLE};
ALTER TABLE tally_event ENABLE ROW LEVEL SECURITY;
-- As case_event's ev_station_read, for rows whose opening event the station may read too.
CREATE POLICY tally_station_read ON tally_event FOR SELECT TO {STATION_ROLE}
  USING ((origin = (SELECT my_station()) AND station = (SELECT my_station()))
         OR EXISTS (SELECT 1 FROM case_route AS cr
                     WHERE cr.case_id = tally_event.case_id
                       AND cr.station_id = (SELECT my_station())));
CREATE POLICY tally_read_all ON tally_event FOR SELECT TO {BACKOFFICE_ROLE}, {REPORTING_ROLE}
  USING (true);
"""

_FILL = (
    f"INSERT INTO tally_event ({_COLUMNS}){_rows('public.case_event', _JOIN_OPENING)}"
    " ON CONFLICT (event_id) DO NOTHING"
)

_INDEXES = {
    "ix_tally_event_day": "(kind, service_day, station, clerk, matter, variant)",
    "ix_tally_event_promised_due": (
        "(due, case_id, station, clerk, matter) WHERE kind IN ('received', 'accepted')"
    ),
    # The states judged at the tally's as-of, case by case.
    "ix_tally_event_case": "(case_id, kind, occurred_at)",
}


def _drop_invalid(name: str) -> str:
    """A build interrupted half-way leaves an invalid index: drop it to build it again."""
    return f"""
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
              WHERE c.relname = '{name}' AND NOT i.indisvalid) THEN
    DROP INDEX {name};
  END IF;
END $$"""


def upgrade() -> None:
    op.execute(_UP)
    with op.get_context().autocommit_block():
        op.execute(_FILL)
        op.execute(_settle())
        for name, columns in _INDEXES.items():
            op.execute(_drop_invalid(name))
            op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON tally_event {columns}")
        op.execute("ANALYZE tally_event")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS case_event_tally_forget ON case_event")
    op.execute("DROP TRIGGER IF EXISTS case_event_tally ON case_event")
    op.execute("DROP FUNCTION IF EXISTS case_event_tally_forget()")
    op.execute("DROP FUNCTION IF EXISTS case_event_tally()")
    op.execute("DROP TABLE IF EXISTS tally_event")
