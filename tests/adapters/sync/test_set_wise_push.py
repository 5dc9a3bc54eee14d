"""The centre's push triggers work per statement (c0014), with the rules they had per row.

Many cases and events land in one ``INSERT`` each, as a push lands them: every case gets the
routes its places call for, a number claimed twice in one statement goes to the event that
landed first, and a refused event in the middle of a batch is filed without stopping the rest.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import uuid6
from psycopg.types.json import Jsonb

from tests import pg
from tests.adapters.sync.helpers import admin, make_station
from zhanhe_counter.adapters.centre.schema import register_station
from zhanhe_counter.adapters.sync.central_client import PostgresSyncTarget
from zhanhe_counter.services.ports.sync import (
    OutboundCase,
    OutboundEvent,
    PushBatch,
    SyncError,
    SyncProblem,
)
from zhanhe_counter.services.station_roles import parse_roles

pg_cluster = pg.pg_cluster
central_url = pg.central_url

MARKET = "市场监管局"
DAY = date(2026, 12, 2)
AT = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def _event(case_id: Any, seq: int, kind: str, payload: Any) -> tuple[Any, ...]:
    return (uuid6.uuid7(), case_id, "QZX-W03", seq, kind, AT, DAY, seq, "clerk01", 1, payload)


def _land_events(conn: psycopg.Connection[Any], rows: list[tuple[Any, ...]]) -> None:
    conn.execute(
        "INSERT INTO case_event (event_id, case_id, origin, origin_seq, kind, occurred_at, "
        "service_day, hlc, actor, schema_version, payload) "
        "SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::bigint[], %s::text[], "
        "%s::timestamptz[], %s::date[], %s::bigint[], %s::text[], %s::smallint[], %s::jsonb[])",
        [list(column) for column in zip(*rows, strict=True)],
    )


def test_one_statement_routes_every_case_and_numbers_in_landing_order(central_url: str) -> None:
    register_station(central_url, "QZX-W03", hall="QZX")
    register_station(central_url, "QZX-BO-SJ", roles=parse_roles(f"backoffice={MARKET}"))
    register_station(central_url, "QZX-BO-MZ", roles=parse_roles("backoffice=民政局"))
    register_station(central_url, "QZX-DLV", roles=parse_roles("delivery=QZX"))
    register_station(central_url, "CHJ-DLV", roles=parse_roles("delivery=CHJ"))
    register_station(central_url, "DIST-SUP", roles=parse_roles("supervisor=district"))
    market, other, again = uuid6.uuid7(), uuid6.uuid7(), uuid6.uuid7()
    with admin(central_url) as conn:
        # The centre knows M-002 belongs to the civil affairs bureau (newest catalogue version).
        conn.execute(
            "INSERT INTO catalogue_version (version, imported_at, source, checksum) "
            "VALUES ('v1', now(), 't', 'x'), ('v2', now(), 't', 'y')"
        )
        conn.execute("INSERT INTO department (department_id, name) VALUES ('MZ', '民政局')")
        conn.execute(
            "INSERT INTO matter (matter_id, version, name, department_id, body) VALUES "
            "('M-002', 'v1', '旧', 'OLD', '{}'), ('M-002', 'v2', '新', 'MZ', '{}')"
        )
        conn.execute(
            "INSERT INTO case_file (case_id, station_id, matter_id, service_day, created_at, "
            "department, hall) VALUES (%s, 'QZX-W03', 'M-001', %s, %s, %s, NULL), "
            "(%s, 'QZX-W03', 'M-002', %s, %s, NULL, 'QZX'), "
            "(%s, 'QZX-W03', 'M-003', %s, %s, '民政局', 'QZX')",
            (market, DAY, AT, MARKET, other, DAY, AT, again, DAY, AT),
        )
        routes = conn.execute(
            "SELECT case_id, station_id, access, reasons FROM case_route ORDER BY 1, 2"
        ).fetchall()
        places = dict(
            conn.execute("SELECT case_id, (hall, department)::text FROM case_file").fetchall()
        )
        _land_events(
            conn,
            [
                _event(market, 1, "received", Jsonb({"case_number": "N1"})),
                _event(other, 2, "received", Jsonb({"case_number": "N2"})),
                _event(again, 3, "received", Jsonb({"case_number": "N2"})),  # same number
                _event(market, 4, "received", Jsonb({"case_number": ""})),  # none claimed
            ],
        )
        numbers = conn.execute("SELECT case_number, case_id FROM case_number ORDER BY 1").fetchall()
        clashes = conn.execute(
            "SELECT case_number, case_id, first_case_id FROM case_number_collision"
        ).fetchall()

    # Missing places filled in from the station's hall and the matter's department, as before.
    assert places == {
        market: f"(QZX,{MARKET})",
        other: "(QZX,民政局)",
        again: "(QZX,民政局)",
    }
    expected = {
        (market, "QZX-W03", "write", "counter"),
        (market, "QZX-BO-SJ", "write", "backoffice"),
        (market, "QZX-DLV", "write", "delivery"),
        (market, "DIST-SUP", "read", "supervisor"),
        (other, "QZX-W03", "write", "counter"),
        (other, "QZX-BO-MZ", "write", "backoffice"),  # by the department the centre filled in
        (other, "QZX-DLV", "write", "delivery"),
        (other, "DIST-SUP", "read", "supervisor"),
        (again, "QZX-W03", "write", "counter"),
        (again, "QZX-BO-MZ", "write", "backoffice"),
        (again, "QZX-DLV", "write", "delivery"),
        (again, "DIST-SUP", "read", "supervisor"),
    }
    assert set(routes) == expected
    assert len(routes) == len(expected)  # one row per case and station: CHJ's desk has none
    assert numbers == [("N1", market), ("N2", other)]
    assert clashes == [("N2", again, other)]


def test_a_refused_event_in_a_batch_is_filed_and_the_rest_lands(central_url: str) -> None:
    register_station(central_url, "QZX-W03")
    case_id = uuid6.uuid7()
    with admin(central_url) as conn:
        conn.execute(
            "INSERT INTO case_file (case_id, station_id, matter_id, service_day, created_at) "
            "VALUES (%s, 'QZX-W03', 'M-001', %s, %s)",
            (case_id, DAY, AT),
        )
        good = _event(case_id, 1, "received", Jsonb({"case_number": "N1"}))
        bad = _event(case_id, 2, "no_such_kind", Jsonb({}))
        late = _event(case_id, 3, "case_viewed", Jsonb({}))
        _land_events(conn, [good, bad, late])
        landed = conn.execute("SELECT origin_seq FROM case_event ORDER BY 1").fetchall()
        filed = conn.execute("SELECT event_id, code FROM sync_rejection").fetchall()
    assert landed == [(1,), (3,)]
    assert filed == [(bad[0], "kind_not_allowed")]


def test_a_failing_batch_lands_nothing_and_the_session_pushes_on(
    central_url: str, tmp_path: Path
) -> None:
    # One pipeline, one implicit transaction: the UNIQUE (origin, origin_seq) failure of the
    # second event takes the batch's new case and first event with it.
    station = make_station(central_url, tmp_path, "QZX-W03")
    session = PostgresSyncTarget(station.address).connect()
    try:
        held = OutboundCase(uuid6.uuid7(), "QZX-W03", "M-001", DAY, AT)
        first = _outbound(held.case_id, 1)
        assert session.push(PushBatch((held,), (first,))).inserted == 1
        fresh = OutboundCase(uuid6.uuid7(), "QZX-W03", "M-001", DAY, AT)
        clash = PushBatch((fresh,), (_outbound(fresh.case_id, 2), _outbound(fresh.case_id, 1)))
        with pytest.raises(SyncError) as failed:
            session.push(clash)
        assert failed.value.problem is SyncProblem.STATION_MISMATCH
        with admin(central_url) as conn:
            cases = conn.execute("SELECT count(*) FROM case_file").fetchone()
            events = conn.execute("SELECT origin_seq FROM case_event").fetchall()
        assert (cases, events) == ((1,), [(1,)])
        again = PushBatch((fresh,), (_outbound(fresh.case_id, 2),))
        assert session.push(again).inserted == 1  # the stage is empty again, the session fine
    finally:
        session.close()
        station.dispose()


def _outbound(case_id: Any, seq: int) -> OutboundEvent:
    return OutboundEvent(
        uuid6.uuid7(), case_id, "QZX-W03", seq, "received", AT, DAY, seq, "clerk01", 1, {}
    )
