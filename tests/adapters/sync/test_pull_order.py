"""The pull walks both central streams in numeric (xid, server_seq) order (issue 16).

The pull's cursor is the last row of a page. When the page was sorted by the text of the xid
(``ORDER BY xid`` bound to the output column ``xid::text``), a page that spanned 999 → 1000 ended
on '1xxx' rows and the cursor jumped over every pending row with a three-digit xid: in the fault
soak hundreds of back-office answers never reached the counter. These tests give rows xids on
both sides of such boundaries (the owner may set the column; the server's xid counter cannot be
moved to a boundary quickly) and pull them through pages smaller than the backlog.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import sqlalchemy as sa

from tests.adapters.sync.helpers import admin, backoffice_event, make_station
from zhanhe_counter.adapters.storage.tables import case_event
from zhanhe_counter.adapters.sync.central_client import PostgresSyncTarget
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.ports.sync import PullCursor, PullPage

# Unordered on purpose, and on both sides of three digit boundaries: as text '10' < '9',
# '100' < '98' and '1000' < '999'.
_XIDS = [999, 98, 1000, 100, 99, 1001, 9, 10]


def _past_the_test_xids(central_url: str) -> None:
    """Move the cluster's xid counter past ``_XIDS``, so the xmin horizon lets them through.

    A fresh test cluster starts near 750; each autocommitted call takes a new xid.
    """
    with admin(central_url) as conn:
        while True:
            row = conn.execute("SELECT pg_current_xact_id()::text").fetchone()
            assert row is not None
            if int(row[0]) > max(_XIDS) + 10:
                return


def test_back_office_events_across_digit_boundaries_all_reach_the_station(
    central_url: str, tmp_path: Path
) -> None:
    _past_the_test_xids(central_url)
    station = make_station(central_url, tmp_path, pull_page=3)
    station.record_cases(len(_XIDS))
    assert station.run().errors == []
    expected: dict[UUID, int] = {}
    with admin(central_url) as conn:
        for case_id, xid in zip(station.case_ids, _XIDS, strict=True):
            with conn.transaction():
                event_id = backoffice_event(conn, case_id, EventKind.ACCEPTED)
                # The pull follows the station's routing log (c0006); its rows carry the xid.
                for table in ("case_event", "route_log"):
                    conn.execute(
                        f"UPDATE {table} SET xid = %s::text::xid8 WHERE event_id = %s",
                        (str(xid), event_id),
                    )
            expected[event_id] = xid
    # The rows' xids sit below the station's own (pushed just now): start its pull from scratch,
    # as a station that has not pulled yet would.
    station.outbox.apply_events(PullPage((), PullCursor()), datetime.now(UTC))

    report = station.run()

    assert report.errors == []
    with station.engine.connect() as conn:
        pulled = set(
            conn.execute(
                sa.select(case_event.c.event_id).where(case_event.c.station_id == "central")
            ).scalars()
        )
    assert pulled == set(expected)
    assert report.added == len(_XIDS)
    station.dispose()


def test_pages_follow_numeric_xid_order_for_events_and_reference_changes(
    central_url: str, tmp_path: Path
) -> None:
    _past_the_test_xids(central_url)
    station = make_station(central_url, tmp_path)
    station.record_cases(len(_XIDS))
    assert station.run().errors == []
    with admin(central_url) as conn:
        for case_id, xid in zip(station.case_ids, _XIDS, strict=True):
            with conn.transaction():
                event_id = backoffice_event(conn, case_id, EventKind.ACCEPTED)
                # The pull follows the station's routing log (c0006); its rows carry the xid.
                for table in ("case_event", "route_log"):
                    conn.execute(
                        f"UPDATE {table} SET xid = %s::text::xid8 WHERE event_id = %s",
                        (str(xid), event_id),
                    )
            conn.execute(
                "INSERT INTO ref_change (xid, entity, entity_key, op, data) "
                "VALUES (%s::text::xid8, 'department', %s, 'delete', NULL)",
                (str(xid), f"D{xid}"),
            )
    session = PostgresSyncTarget(station.address).connect()
    try:
        events: list[int] = []
        cursor = PullCursor()
        while page := session.pull_events(cursor, 3).rows:
            events.extend(row.xid for row in page if row.origin == "central")
            cursor = PullCursor(page[-1].xid, page[-1].server_seq)
        changes: list[int] = []
        cursor = PullCursor()
        while ref_page := session.pull_reference(cursor, 3).rows:
            changes.extend(row.xid for row in ref_page if row.entity_key.startswith("D"))
            cursor = PullCursor(ref_page[-1].xid, ref_page[-1].server_seq)
    finally:
        session.close()

    assert events == sorted(_XIDS)
    assert changes == sorted(_XIDS)
    station.dispose()
