"""The tally projection (统计投影): one row per case event, carrying what the tally counts by.

Every tally figure belongs to its case's *opening* event (station, clerk, matter;
``docs/tally.md``). Joining each event of a day to its case's opening event cost the day's tally
4–20× a plain ``GROUP BY`` of the day's events (issue 20). This table holds, for every event,
its service day, the opening's coordinates and the little its payload tells the tally
(``variant``: 当场办结, 决定不予办理, the rating level; ``due``: promised date, answer deadline
or 容缺 deadline; ``settled_at``: when a received case stopped, a back-office request was
answered, a rating was followed up), so a day's tally is one index range read whatever the
history before it, and the states it judges at as-of are a comparison with ``settled_at``.

Written by the event store in the event's own transaction, by :data:`INSERT_TALLY_EVENT` from
the stored rows (the same SQL as the backfill of migration ``0014_tally_projection``); deleted
with its case by retention (its ``case_id`` column).
"""

from __future__ import annotations

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.tables import UtcDateTime, metadata

tally_event = sa.Table(
    "tally_event",
    metadata,
    sa.Column("case_id", sa.Uuid, primary_key=True),
    sa.Column("event_id", sa.Uuid, primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("service_day", sa.Date, nullable=False),  # the UTC+8 day of occurred_at
    sa.Column("station", sa.String(32), nullable=False),  # the opening event's
    sa.Column("clerk", sa.String(64), nullable=False),  # the opening event's actor
    sa.Column("matter", sa.String(64), nullable=False),  # the opening's matter_id, or ""
    sa.Column("variant", sa.String(32), nullable=True),
    sa.Column("due", sa.String(40), nullable=True),
    # When the row's state was settled, whatever the as-of (:data:`SETTLE_CASE`).
    sa.Column("settled_at", UtcDateTime, nullable=True),
    # A day's counts: one index-only range per kind (adapters/tally/facts_sql.py); kind first,
    # as the period is a range of days and would end the index search.
    sa.Index(None, "kind", "service_day", "station", "clerk", "matter", "variant"),
    # The promised-date figure's cases due in a period, with their coordinates.
    sa.Index(
        "ix_tally_event_promised_due",
        "due",
        "case_id",
        "station",
        "clerk",
        "matter",
        sqlite_where=sa.text("kind IN ('received', 'accepted')"),
    ),
    # Clustered by case: the states judged at the tally's as-of read a case's rows together.
    sqlite_with_rowid=False,
)

#: The projection's rows for the ``case_event`` rows ``e`` that ``{where}`` picks.
TALLY_ROWS_SQL = """
SELECT e.case_id, e.event_id, e.kind, e.occurred_at, date(e.occurred_at, '+8 hours'),
  o.station_id, o.actor, coalesce(json_extract(o.payload, '$.matter_id'), ''),
  CASE e.kind
    WHEN 'received' THEN CASE WHEN json_extract(e.payload, '$.flow') = 'complete_on_spot'
                              THEN 'complete_on_spot' END
    WHEN 'decided' THEN CASE WHEN json_extract(e.payload, '$.approved') = 0
                             THEN 'decided_refused' END
    WHEN 'rated' THEN 'rating_' || json_extract(e.payload, '$.level')
  END,
  CASE e.kind
    WHEN 'received' THEN json_extract(e.payload, '$.promised_due')
    WHEN 'accepted' THEN json_extract(e.payload, '$.promised_due')
    WHEN 'backoffice_requested' THEN json_extract(e.payload, '$.answer_due')
    WHEN 'rongque_pledged' THEN json_extract(e.payload, '$.deadline')
  END
FROM case_event e JOIN case_event o ON o.case_id = e.case_id AND o.case_pos = 1
WHERE {where}"""

_COLUMNS = "case_id, event_id, kind, occurred_at, service_day, station, clerk, matter, variant, due"

#: One event's row, written right after the event in its transaction (``?``: the event id).
INSERT_TALLY_EVENT = f"INSERT INTO tally_event ({_COLUMNS})" + TALLY_ROWS_SQL.format(
    where="e.event_id = ?"
)

#: Every event's row (the bench fixture fills the table as the store would have).
FILL_TALLY_EVENTS = f"INSERT INTO tally_event ({_COLUMNS})" + TALLY_ROWS_SQL.format(where="1")

#: The kinds of the rows that carry a ``settled_at``, and of the rows that settle them.
SETTLED_KINDS = ("received", "backoffice_requested", "rated")
SETTLING_KINDS = ("decided", "refused", "withdrawn", "accepted", "rating_followed_up")

#: ``settled_at`` of the row ``t`` from its case's rows ``x`` (the first of them, ever; the
#: tally takes it only if it came before its as-of, which is the same as the first before
#: as-of): a RECEIVED's stop (decision, refusal or withdrawal), a back-office request's answer
#: (ACCEPTED or REFUSED at or after it), a rating's follow-up (差评回访: any step, whatever its
#: ``action``; the state machine allows one only after a bad rating). Migrations 0014
#: and c0015 (the central trigger) write the same out in full.
_SETTLED_AT = """CASE {t}.kind
    WHEN 'received' THEN (SELECT min(x.occurred_at) FROM {table} x
      WHERE x.case_id = {t}.case_id AND x.kind IN ('decided', 'refused', 'withdrawn'))
    WHEN 'backoffice_requested' THEN (SELECT min(x.occurred_at) FROM {table} x
      WHERE x.case_id = {t}.case_id AND x.kind IN ('accepted', 'refused')
        AND x.occurred_at >= {t}.occurred_at)
    WHEN 'rated' THEN (SELECT min(x.occurred_at) FROM {table} x
      WHERE x.case_id = {t}.case_id AND x.kind = 'rating_followed_up'
        AND x.occurred_at >= {t}.occurred_at)
  END"""

_SETTLE = (
    "UPDATE tally_event SET settled_at = "
    + _SETTLED_AT.format(t="tally_event", table="tally_event")
    + " WHERE tally_event.kind IN ('received', 'backoffice_requested', 'rated')"
)

#: A case's settled states again, after an event of :data:`SETTLED_KINDS` or
#: :data:`SETTLING_KINDS` (``?``: the case id; its rows are clustered together).
SETTLE_CASE = _SETTLE + " AND tally_event.case_id = ?"

#: Every case's settled states (after :data:`FILL_TALLY_EVENTS`).
SETTLE_ALL = _SETTLE
