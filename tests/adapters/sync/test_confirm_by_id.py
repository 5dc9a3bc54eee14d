"""Confirmation by event id and the pull after a central crash restart (issue 7).

The pull's echo is not the only way an own event gets confirmed: at the handshake and with
every push answer the centre says which of the station's "sent" events it holds. And a pull
cursor whose row the centre lost in a crash moves back, so rows that reuse the lost
transaction ids are still pulled.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import psycopg
import sqlalchemy as sa

from tests.adapters.sync.helpers import admin, backoffice_event, central_rows, make_station
from tests.pg import PgCluster
from zhanhe_counter.adapters.storage.tables import case_event
from zhanhe_counter.adapters.sync.central_client import PostgresSyncTarget
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.ports.sync import PullCursor, PullPage, PushResult


def _now() -> datetime:
    return datetime.now(UTC)


def test_sent_events_the_echo_skipped_are_confirmed_and_missing_ones_pushed_again(
    central_url: str, tmp_path: Path
) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(20)
    at_centre = station.outbox.next_batch(20)
    assert at_centre is not None
    session = PostgresSyncTarget(station.address).connect()
    try:
        session.push(at_centre)
    finally:
        session.close()
    # An answer that confirmed nothing (the old behaviour), then a pull cursor already past
    # the rows: their echo will never come.
    station.outbox.acknowledge(at_centre, PushResult(inserted=20, duplicates=0), _now())
    with psycopg.connect(central_url) as conn:
        row = conn.execute("SELECT max(xid)::text, max(server_seq) FROM case_event").fetchone()
    assert row is not None
    station.outbox.apply_events(PullPage((), PullCursor(int(row[0]), int(row[1]))), _now())
    # Five more marked "sent" that never reached the centre (the batch was lost on the way).
    station.record_cases(5)
    never_arrived = station.outbox.next_batch(5)
    assert never_arrived is not None
    station.outbox.acknowledge(never_arrived, PushResult(inserted=5, duplicates=0), _now())
    assert station.outbox.summary().sent_unconfirmed == 25

    report = station.run()

    assert report.errors == []
    assert report.resent == 5
    assert report.pushed == 5
    assert report.confirmed == 25
    assert set(station.states().values()) == {"confirmed"}
    assert station.outbox.summary().sent_unconfirmed == 0
    rows = central_rows(central_url, station.station_id)
    assert sorted(r[2] for r in rows) == list(range(1, 26))
    with station.engine.connect() as conn:
        unnumbered = conn.execute(
            sa.select(sa.func.count()).where(case_event.c.server_seq.is_(None))
        ).scalar_one()
    assert unnumbered == 0  # confirmed by id carries the centre's number too
    station.dispose()


def test_a_cursor_past_rows_lost_in_a_crash_moves_back(
    central_url: str, pg_cluster: PgCluster, tmp_path: Path
) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(3)
    assert station.run().errors == []
    with admin(central_url) as conn:
        lost = backoffice_event(conn, station.case_ids[0], EventKind.ACCEPTED)
    assert station.run().errors == []
    assert lost in station.states()
    with admin(central_url) as conn:
        own_xid = conn.execute(
            "SELECT max(xid)::text FROM case_event WHERE origin = %s", (station.station_id,)
        ).fetchone()
        lost_xid = conn.execute(
            "SELECT xid::text FROM case_event WHERE event_id = %s", (lost,)
        ).fetchone()
        assert own_xid is not None
        assert lost_xid is not None
        assert int(lost_xid[0]) - int(own_xid[0]) >= 2
        # The crash loses the commit the station already pulled ...
        conn.execute("DELETE FROM case_event WHERE event_id = %s", (lost,))
    pg_cluster.restart_immediate()
    with admin(central_url) as conn, conn.transaction():
        # ... and its transaction id range is handed out again: a new row sorts behind the
        # station's cursor.
        reused = backoffice_event(conn, station.case_ids[1], EventKind.ACCEPTED)
        conn.execute(
            "UPDATE case_event SET xid = %s::text::xid8 WHERE event_id = %s",
            (str(int(lost_xid[0]) - 1), reused),
        )

    report = station.run()

    assert report.errors == []
    assert reused in station.states()
    assert report.added == 1
    station.dispose()
