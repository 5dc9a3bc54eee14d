"""Tally projection: one row per event with its case's opening coordinates (issue 20).

Revision ID: 0014_tally_projection
Revises: 0013_material_images
Create Date: 2026-12-02

``tally_event`` holds, for each ``case_event`` row, its service day (UTC+8), the opening
event's station, clerk and matter, and what its payload tells the tally (``variant``: 当场办结,
决定不予办理, ``rating_<level>``; ``due``: promised date, answer deadline or 容缺 deadline;
``settled_at``: when a received case stopped, a request was answered, a rating followed up).
A day's tally reads one index range of it instead of joining every event of the day to its
case's opening event (adapters/storage/tally_tables.py). The event store writes the row in the
event's own transaction from now on; this migration fills it for the events already stored.

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014_tally_projection"
down_revision: str | Sequence[str] | None = "0013_material_images"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE tally_event ("
        " case_id CHAR(32) NOT NULL, event_id CHAR(32) NOT NULL, kind VARCHAR(32) NOT NULL,"
        " occurred_at DATETIME NOT NULL, service_day DATE NOT NULL,"
        " station VARCHAR(32) NOT NULL, clerk VARCHAR(64) NOT NULL, matter VARCHAR(64) NOT NULL,"
        " variant VARCHAR(32), due VARCHAR(40), settled_at DATETIME,"
        " CONSTRAINT pk_tally_event PRIMARY KEY (case_id, event_id)) WITHOUT ROWID"
    )
    op.execute(
        "INSERT INTO tally_event (case_id, event_id, kind, occurred_at, service_day, station,"
        " clerk, matter, variant, due)"
        " SELECT e.case_id, e.event_id, e.kind, e.occurred_at, date(e.occurred_at, '+8 hours'),"
        " o.station_id, o.actor, coalesce(json_extract(o.payload, '$.matter_id'), ''),"
        " CASE e.kind"
        "  WHEN 'received' THEN CASE WHEN json_extract(e.payload, '$.flow') = 'complete_on_spot'"
        "   THEN 'complete_on_spot' END"
        "  WHEN 'decided' THEN CASE WHEN json_extract(e.payload, '$.approved') = 0"
        "   THEN 'decided_refused' END"
        "  WHEN 'rated' THEN 'rating_' || json_extract(e.payload, '$.level')"
        " END,"
        " CASE e.kind"
        "  WHEN 'received' THEN json_extract(e.payload, '$.promised_due')"
        "  WHEN 'accepted' THEN json_extract(e.payload, '$.promised_due')"
        "  WHEN 'backoffice_requested' THEN json_extract(e.payload, '$.answer_due')"
        "  WHEN 'rongque_pledged' THEN json_extract(e.payload, '$.deadline')"
        " END"
        " FROM case_event e JOIN case_event o ON o.case_id = e.case_id AND o.case_pos = 1"
    )
    # When a received case stopped, a back-office request was answered, a rating was followed up.
    op.execute(
        "UPDATE tally_event SET settled_at = CASE tally_event.kind"
        " WHEN 'received' THEN (SELECT min(x.occurred_at) FROM tally_event x"
        "  WHERE x.case_id = tally_event.case_id AND x.kind IN ('decided', 'refused', 'withdrawn'))"
        " WHEN 'backoffice_requested' THEN (SELECT min(x.occurred_at) FROM tally_event x"
        "  WHERE x.case_id = tally_event.case_id AND x.kind IN ('accepted', 'refused')"
        "   AND x.occurred_at >= tally_event.occurred_at)"
        " WHEN 'rated' THEN (SELECT min(x.occurred_at) FROM tally_event x"
        "  WHERE x.case_id = tally_event.case_id AND x.kind = 'rating_followed_up'"
        "   AND x.occurred_at >= tally_event.occurred_at)"
        " END"
        " WHERE tally_event.kind IN ('received', 'backoffice_requested', 'rated')"
    )
    # Built after the fill: one sort per index instead of a page split per row.
    op.execute(
        "CREATE INDEX ix_tally_event_kind_service_day_station_clerk_matter_variant"
        " ON tally_event (kind, service_day, station, clerk, matter, variant)"
    )
    op.execute(
        "CREATE INDEX ix_tally_event_promised_due"
        " ON tally_event (due, case_id, station, clerk, matter)"
        " WHERE kind IN ('received', 'accepted')"
    )


def downgrade() -> None:
    op.execute("DROP TABLE tally_event")
