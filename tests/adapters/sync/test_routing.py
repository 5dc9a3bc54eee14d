"""The hall as one system at the centre (issue 16): roles, routes, RLS by routes, wake-ups.

Six stations of two halls against the real PostgreSQL: a counter of the district hall (QZX), the
market-supervision back office, the hall's delivery window, the district supervisor, another
department's back office and another hall's delivery window. A case opened at the counter
reaches exactly the first four; what they record reaches the others; the rest can neither read
it nor write to it until their roles change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
import uuid6

from tests.adapters.sync.chaos_proxy import ChaosProxy
from tests.adapters.sync.helpers import StationPC, admin, backoffice_event, make_station
from zhanhe_counter.adapters.centre.schema import (
    UnknownStation,
    register_station,
    set_station_roles,
    upgrade_central,
)
from zhanhe_counter.adapters.storage.tables import case_event, case_status
from zhanhe_counter.adapters.sync.central_client import PostgresSyncTarget
from zhanhe_counter.adapters.sync.connection import CentralAddress
from zhanhe_counter.adapters.sync.wakeup import PostgresWakeups
from zhanhe_counter.domain import payloads
from zhanhe_counter.domain.events import EventDraft, EventKind
from zhanhe_counter.services.ports.sync import OutboundEvent, PullCursor, PushBatch
from zhanhe_counter.services.station_roles import parse_roles

MARKET = "湛河区市场监督管理局"
CIVIL = "湛河区民政局"


@dataclass
class Hall:
    counter: StationPC
    market_desk: StationPC
    delivery: StationPC
    supervisor: StationPC
    civil_desk: StationPC
    other_delivery: StationPC

    def all(self) -> list[StationPC]:
        return [
            self.counter,
            self.market_desk,
            self.delivery,
            self.supervisor,
            self.civil_desk,
            self.other_delivery,
        ]


@pytest.fixture
def hall(central_url: str, tmp_path: Path) -> Iterator[Hall]:
    def station(station_id: str, roles: str, hall: str) -> StationPC:
        return make_station(
            central_url,
            tmp_path,
            station_id,
            roles=roles,
            hall=hall,
            departments={"M-001": MARKET},
        )

    built = Hall(
        counter=station("QZX-W03", "counter", "QZX"),
        market_desk=station("QZX-BO-SJ", f"backoffice={MARKET}", "QZX"),
        delivery=station("QZX-DLV", "delivery=QZX", "QZX"),
        supervisor=station("DIST-SUP", "supervisor=district", "QZX"),
        civil_desk=station("QZX-BO-MZ", f"backoffice={CIVIL}", "QZX"),
        other_delivery=station("CHJ-DLV", "delivery=CHJ", "CHJ"),
    )
    yield built
    for pc in built.all():
        pc.dispose()


def _draft(pc: StationPC, case_id: Any, kind: EventKind, payload: dict[str, Any]) -> EventDraft:
    return EventDraft(
        event_id=uuid6.uuid7(),
        case_id=case_id,
        kind=kind,
        station_id=pc.station_id,
        actor=f"{pc.station_id}-staff",
        occurred_at=datetime.now(UTC),
        payload=payload,
    )


def _as(pc: StationPC) -> psycopg.Connection[Any]:
    return psycopg.connect(pc.address.conninfo("test"), autocommit=True)


def _kinds(pc: StationPC, case_id: Any) -> list[tuple[str, str]]:
    with pc.engine.connect() as conn:
        rows = conn.execute(
            sa.select(case_event.c.kind, case_event.c.station_id)
            .where(case_event.c.case_id == case_id)
            .order_by(case_event.c.case_pos)
        ).all()
    return [(r.kind, r.station_id) for r in rows]


def test_a_new_case_is_routed_to_its_counter_department_hall_and_supervisor(
    central_url: str, hall: Hall
) -> None:
    hall.counter.record_cases(1)
    assert hall.counter.run().errors == []
    case_id = hall.counter.case_ids[0]
    with admin(central_url) as conn:
        routes = conn.execute(
            "SELECT station_id, access, reasons FROM case_route WHERE case_id = %s "
            "ORDER BY station_id",
            (case_id,),
        ).fetchall()
        place = conn.execute(
            "SELECT department, hall FROM case_file WHERE case_id = %s", (case_id,)
        ).fetchone()
    assert place == (MARKET, "QZX")
    assert routes == [
        ("DIST-SUP", "read", "supervisor"),
        ("QZX-BO-SJ", "write", "backoffice"),
        ("QZX-DLV", "write", "delivery"),
        ("QZX-W03", "write", "counter"),
    ]


def test_back_office_answers_on_its_own_pc_reach_the_counter_and_delivery(hall: Hall) -> None:
    hall.counter.record_cases(1)
    case_id = hall.counter.case_ids[0]
    assert hall.counter.run().errors == []

    # The desk pulls a case it never saw: the first event opens it there.
    report = hall.market_desk.run()
    assert (report.errors, report.added, report.conflicts) == ([], 1, 0)
    with hall.market_desk.engine.connect() as conn:
        opened_by = conn.execute(
            sa.select(case_status.c.station_id).where(case_status.c.case_id == case_id)
        ).scalar_one()
    assert opened_by == "QZX-W03"
    hall.market_desk.store.append(
        _draft(hall.market_desk, case_id, EventKind.ACCEPTED, payloads.Accepted().to_payload())
    )
    pushed = hall.market_desk.run()
    assert (pushed.errors, pushed.pushed, pushed.rejected) == ([], 1, 0)

    for pc in (hall.counter, hall.delivery, hall.supervisor):
        assert pc.run().errors == []
        assert _kinds(pc, case_id) == [("received", "QZX-W03"), ("accepted", "QZX-BO-SJ")]
        assert pc.store.case_state(case_id) is not None
    # The other department's desk and the other hall's window pulled nothing of it.
    for pc in (hall.civil_desk, hall.other_delivery):
        assert pc.run().added == 0
        assert _kinds(pc, case_id) == []


def test_a_station_can_neither_read_nor_write_a_case_not_routed_to_it(hall: Hall) -> None:
    hall.counter.record_cases(1)
    case_id = hall.counter.case_ids[0]
    assert hall.counter.run().errors == []
    for pc in (hall.civil_desk, hall.other_delivery):
        with _as(pc) as conn:
            for table in ("case_file", "case_event", "case_route", "route_log"):
                assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
            assert conn.execute("SELECT count(*) FROM pull_routed('0', 0, 100)").fetchone() == (0,)
        event = OutboundEvent(
            event_id=uuid6.uuid7(),
            case_id=case_id,
            origin=pc.station_id,
            origin_seq=1,
            kind="accepted",
            occurred_at=datetime.now(UTC),
            service_day=datetime.now(UTC).date(),
            hlc=1,
            actor="intruder",
            schema_version=1,
            payload=payloads.Accepted().to_payload(),
        )
        session = PostgresSyncTarget(pc.address).connect()
        try:
            result = session.push(PushBatch((), (event,)))
        finally:
            session.close()
        assert result.inserted == 0
        assert [r.code for r in result.rejected] == ["not_routed"]
    with _as(hall.counter) as conn:
        assert conn.execute(
            "SELECT count(*) FROM case_event WHERE case_id = %s", (case_id,)
        ).fetchone() == (1,)
    # Writing under another station's origin is refused by RLS itself.
    with _as(hall.market_desk) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(
            "INSERT INTO case_event (event_id, case_id, origin, origin_seq, kind, occurred_at, "
            "service_day, hlc, actor, schema_version, payload) "
            "VALUES (%s, %s, 'QZX-W03', 99, 'accepted', now(), now()::date, 1, 'x', 1, '{}')",
            (uuid6.uuid7(), case_id),
        )


def test_a_supervisor_reads_and_audits_but_cannot_move_a_case(hall: Hall) -> None:
    hall.counter.record_cases(1)
    case_id = hall.counter.case_ids[0]
    assert hall.counter.run().errors == []
    assert hall.supervisor.run().added == 1
    step = _draft(hall.supervisor, case_id, EventKind.ACCEPTED, payloads.Accepted().to_payload())
    viewed = _draft(
        hall.supervisor, case_id, EventKind.CASE_VIEWED, payloads.CaseViewed().to_payload()
    )
    hall.supervisor.store.append_many([step, viewed])
    report = hall.supervisor.run()
    assert (report.pushed, report.rejected) == (1, 1)
    states = hall.supervisor.states()
    assert (states[step.event_id], states[viewed.event_id]) == ("rejected", "confirmed")
    assert hall.counter.run().errors == []
    assert _kinds(hall.counter, case_id) == [("received", "QZX-W03"), ("case_viewed", "DIST-SUP")]


def test_a_role_change_routes_the_whole_history_in_commit_order(
    central_url: str, hall: Hall
) -> None:
    hall.counter.record_cases(2)
    first, second = hall.counter.case_ids
    assert hall.counter.run().errors == []
    assert hall.market_desk.run().errors == []
    hall.market_desk.store.append(
        _draft(hall.market_desk, first, EventKind.ACCEPTED, payloads.Accepted().to_payload())
    )
    assert hall.market_desk.run().errors == []
    assert hall.civil_desk.run().added == 0

    changed = set_station_roles(
        central_url, "QZX-BO-MZ", parse_roles(f"backoffice={CIVIL},{MARKET}")
    )
    assert changed.routes_added == 3
    assert [str(r) for r in changed.roles] == [f"backoffice={MARKET}", f"backoffice={CIVIL}"]
    report = hall.civil_desk.run()
    assert (report.errors, report.added, report.conflicts) == ([], 3, 0)
    assert _kinds(hall.civil_desk, first) == [("received", "QZX-W03"), ("accepted", "QZX-BO-SJ")]
    assert _kinds(hall.civil_desk, second) == [("received", "QZX-W03")]

    # Taken away again: the desk keeps what it pulled, sees nothing new, may write no more.
    set_station_roles(central_url, "QZX-BO-MZ", parse_roles(f"backoffice={CIVIL}"))
    with _as(hall.civil_desk) as conn:
        assert conn.execute("SELECT count(*) FROM case_route").fetchone() == (0,)
    with pytest.raises(UnknownStation):
        set_station_roles(central_url, "NOPE", parse_roles("counter"))


def test_the_centre_wakes_a_routed_station_within_a_second(hall: Hall) -> None:
    woken = threading.Event()
    connected_wakes: list[float] = []

    def wake() -> None:
        connected_wakes.append(time.monotonic())
        if len(connected_wakes) > 1:  # the first call is the (re)connect catch-up
            woken.set()

    wakeups = PostgresWakeups(hall.delivery.address, hall.delivery.address.user or "")
    listener = threading.Thread(target=wakeups.listen, args=(wake,), daemon=True)
    listener.start()
    try:
        assert wakeups.connected.wait(10)
        # Another hall's case wakes nobody here.
        hall.other_delivery.record_cases(1)
        assert hall.other_delivery.run().errors == []
        time.sleep(0.5)
        assert not woken.is_set()
        hall.counter.record_cases(1)
        started = time.monotonic()
        assert hall.counter.run().errors == []
        assert woken.wait(5)
        assert connected_wakes[-1] - started < timedelta(seconds=1).total_seconds()
    finally:
        wakeups.close()
        listener.join(5)
    assert not listener.is_alive()


def test_upgrading_a_centre_with_history_routes_it_to_the_opening_stations(
    empty_central_url: str,
) -> None:
    upgrade_central(empty_central_url, "c0004_audit_kinds")
    registration = register_station(empty_central_url, "410411-01")  # no roles before c0006
    assert registration.roles == ()
    cases = [uuid6.uuid7() for _ in range(3)]
    at = datetime.now(UTC)
    with admin(empty_central_url) as conn, conn.transaction():
        for seq, case_id in enumerate(cases, start=1):
            conn.execute(
                "INSERT INTO case_file (case_id, station_id, service_day, created_at) "
                "VALUES (%s, '410411-01', %s, %s)",
                (case_id, at.date(), at),
            )
            conn.execute(
                "INSERT INTO case_event (event_id, case_id, origin, origin_seq, kind, "
                "occurred_at, service_day, hlc, actor, schema_version, payload) VALUES "
                "(%s, %s, '410411-01', %s, 'received', %s, %s, %s, 'clerk', 1, '{}')",
                (uuid6.uuid7(), case_id, seq, at, at.date(), seq),
            )
    with admin(empty_central_url) as conn:
        backoffice_event(conn, cases[0])

    upgrade_central(empty_central_url)

    with admin(empty_central_url) as conn:
        routes = conn.execute("SELECT count(*) FROM case_route").fetchone()
        roles = conn.execute("SELECT station_id, role FROM station_role").fetchall()
    assert routes == (3,)
    assert roles == [("410411-01", "counter")]
    # The station's pull now walks its own log, which holds its whole history in commit order.
    session = PostgresSyncTarget(registration.address).connect()
    try:
        page = session.pull_events(PullCursor(), 100)
    finally:
        session.close()
    assert [(e.origin, e.kind) for e in page.rows] == [
        ("410411-01", "received"),
        ("410411-01", "received"),
        ("410411-01", "received"),
        ("central", "accepted"),
    ]


def test_the_wake_up_channel_comes_back_after_its_link_drops(hall: Hall, pg_cluster: Any) -> None:
    wakes: list[float] = []
    with ChaosProxy(pg_cluster.host, pg_cluster.port) as proxy:
        a = hall.delivery.address
        via = CentralAddress("127.0.0.1", proxy.port, a.dbname, a.user, a.password)
        wakeups = PostgresWakeups(via, a.user or "")
        listener = threading.Thread(target=wakeups.listen, args=(lambda: wakes.append(1),))
        listener.start()
        try:
            assert wakeups.connected.wait(10)
            proxy.mode = "refuse"
            proxy.cut()
            deadline = time.monotonic() + 10
            while wakeups.connected.is_set() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not wakeups.connected.is_set()
            proxy.mode = "pass"
            assert wakeups.connected.wait(20)
            before = len(wakes)  # the reconnect itself woke the worker once
            hall.counter.record_cases(1)
            assert hall.counter.run().errors == []
            deadline = time.monotonic() + 5
            while len(wakes) == before and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(wakes) > before
        finally:
            wakeups.close()
            listener.join(10)
