"""One hall, three PCs, one real centre (issue 16's proof).

A counter (综合窗口), a back-office desk of the departments concerned (后台审批) and the hall's
unified delivery window (统一出件), each a full station with its own encrypted data folder, its
own services and its own path to the centre through a proxy that can take it offline:

* a 当场受理 needing the 20-minute answer, answered at the back-office desk and printed at the
  counter;
* a 当场收件 accepted within 5 working days after a 一次性告知 and the counter's supplement;
* a refusal with reasons;
* a decision, certificate and hand-over at the desk, found by number and handed out against a
  signature at the delivery window, and seen delivered at the counter and the desk;

with each station offline at some point, its work kept and sent when it is back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from tests.adapters.sync.chaos_proxy import ChaosProxy
from tests.adapters.sync.helpers import APP_VERSION, SystemClock
from tests.pg import PgCluster
from tests.services.followthrough_support import (
    APPLICANT_ID,
    CLERK,
    DELIVERY_CLERK,
    REVIEWER,
    Followthrough,
    MovableClock,
    build_followthrough,
)
from zhanhe_counter.adapters.centre.schema import register_station
from zhanhe_counter.adapters.storage.database_key import open_station_database
from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
from zhanhe_counter.adapters.storage.sync_outbox import SqliteSyncOutbox
from zhanhe_counter.adapters.sync.central_client import PostgresSyncTarget
from zhanhe_counter.adapters.sync.connection import CentralAddress
from zhanhe_counter.domain.case import CaseStatus
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.domain.payloads import MaterialItem
from zhanhe_counter.services.backoffice_queues import QueueKind
from zhanhe_counter.services.ports.sync import CasePlaces, SyncProblem
from zhanhe_counter.services.station_roles import parse_roles
from zhanhe_counter.services.sync_engine import SyncEngine, SyncReport

POLICE = "平顶山市公安局湛河分局（辖区派出所）"  # ZH-018's department
CIVIL = "湛河区民政局"  # ZH-005's
PNG = b"\x89PNG\r\n\x1a\n" + b"signature" * 8


@dataclass
class HallPC:
    """One PC of the hall: its services, its sync engine and the link that can go down."""

    station_id: str
    ft: Followthrough
    sync: SyncEngine
    link: ChaosProxy

    def run(self) -> SyncReport:
        report = self.sync.run_once()
        assert report.errors == [], (self.station_id, report.errors)
        return report

    def offline(self) -> None:
        self.link.mode = "refuse"
        self.link.cut()

    def online(self) -> None:
        self.link.mode = "pass"

    def status(self, case_id: UUID) -> CaseStatus:
        state = self.ft.station.store.case_state(case_id)
        assert state is not None, f"{self.station_id} does not hold case {case_id}"
        return state.status

    def kinds(self, case_id: UUID) -> list[str]:
        return [e.kind.value for e in self.ft.station.store.events_for_case(case_id)]


def _pc(  # noqa: PLR0917 - the fixture passes one PC's coordinates
    central_url: str,
    pg_cluster: PgCluster,
    root: Path,
    clock: MovableClock,
    station_id: str,
    station_code: str,
    roles: str,
) -> HallPC:
    folder = root / station_id
    folder.mkdir(parents=True)
    # This PC's identity before the demo seeding (which keeps values already set).
    engine = open_station_database(folder, demo=True)
    settings = SqliteReferenceStore(engine)
    settings.set_setting("station_id", station_id)
    settings.set_setting("station_code", station_code)
    settings.set_setting("window_id", "QZX-03")
    engine.dispose()
    ft = build_followthrough(folder, clock)
    registration = register_station(central_url, station_id, roles=parse_roles(roles), hall="QZX")
    link = ChaosProxy(pg_cluster.host, pg_cluster.port).__enter__()
    address = registration.address
    via = CentralAddress(
        host="127.0.0.1",
        port=link.port,
        dbname=address.dbname,
        user=address.user,
        password=address.password,
    )
    outbox = SqliteSyncOutbox(ft.station.engine, station_id)
    outbox.places = CasePlaces(
        hall=ft.station.identity.window.hall.id,
        departments={m.id: m.department for m in ft.station.catalogue.matters.values()},
    )
    sync = SyncEngine(
        PostgresSyncTarget(via, application_name=station_id), outbox, SystemClock(), APP_VERSION
    )
    return HallPC(station_id, ft, sync, link)


@dataclass
class Hall:
    counter: HallPC
    desk: HallPC
    delivery: HallPC


@pytest.fixture
def hall(central_url: str, pg_cluster: PgCluster, tmp_path: Path) -> Iterator[Hall]:
    clock = MovableClock()
    built = Hall(
        counter=_pc(central_url, pg_cluster, tmp_path, clock, "QZX-W03", "41041103", "counter"),
        desk=_pc(
            central_url,
            pg_cluster,
            tmp_path,
            clock,
            "QZX-BO-01",
            "41041121",
            f"backoffice={POLICE},{CIVIL}",
        ),
        delivery=_pc(
            central_url, pg_cluster, tmp_path, clock, "QZX-DLV", "41041131", "delivery=QZX"
        ),
    )
    yield built
    for pc in (built.counter, built.desk, built.delivery):
        pc.link.stop()
        pc.ft.station.close()


def _print(pc: HallPC, case_id: UUID, documents: object) -> list[str]:
    jobs = pc.ft.station.document_printer.print(
        case_id,
        documents,  # type: ignore[arg-type]
        request_id=uuid4(),
        actor=CLERK.staff_id,
    )
    return [job.kind for job in jobs]


def test_a_case_travels_across_the_hall_with_each_pc_offline_at_some_point(hall: Hall) -> None:
    counter, desk, delivery = hall.counter, hall.desk, hall.delivery

    # 1. 当场受理 at a window that may not accept: the 20-minute answer comes from the desk.
    waiting = counter.ft.open_case("ZH-018")
    assert waiting.status is CaseStatus.PENDING_BACKOFFICE
    # 3. A second request the desk will refuse, and 2. a 当场收件 for the 5-day queue.
    to_refuse = counter.ft.open_case("ZH-018")
    received = counter.ft.open_case("ZH-005")
    counter.run()

    desk.offline()  # the desk's link is down: its pull fails, nothing is lost
    report = desk.sync.run_once()
    assert report.problem is SyncProblem.OFFLINE
    desk.online()
    assert desk.run().added == 5  # three cases received, two of them sent to the back office
    [item] = desk.ft.backoffice.queue(QueueKind.ANSWER)[:1]
    assert {i.case_id for i in desk.ft.backoffice.queue(QueueKind.ANSWER)} == {
        waiting.case_id,
        to_refuse.case_id,
    }
    assert item.countdown.startswith("剩余")
    [five_day] = desk.ft.backoffice.queue(QueueKind.ACCEPTANCE)
    assert five_day.case_id == received.case_id
    counter.ft.clock.advance(minutes=6)
    desk.ft.backoffice.accept(waiting.case_id, REVIEWER.staff_id)
    desk.ft.backoffice.refuse(
        to_refuse.case_id, ["申请事项不属于本机关职权范围"], REVIEWER.staff_id
    )
    desk.ft.backoffice.notify_once(
        received.case_id, [MaterialItem("2", "户口簿", "复印件不清晰")], REVIEWER.staff_id
    )
    assert desk.run().pushed == 3

    # The counter gets the answers and prints the acceptance notice while the applicant waits.
    assert counter.run().added == 3
    answer = counter.ft.backoffice.answer_for(waiting.case_id)
    assert answer is not None
    assert answer.accepted
    assert answer.answered_by == REVIEWER.staff_id
    assert _print(counter, waiting.case_id, answer.documents) == ["acceptance_notice"]
    refusal = counter.ft.backoffice.answer_for(to_refuse.case_id)
    assert refusal is not None
    assert not refusal.accepted
    assert refusal.reasons == ("申请事项不属于本机关职权范围",)
    assert [d.kind for d in refusal.documents] == [DocumentKind.REFUSAL_NOTICE]
    assert counter.status(to_refuse.case_id) is CaseStatus.REFUSED
    assert counter.status(received.case_id) is CaseStatus.NOTIFIED

    # The counter, offline, takes in the supplement; it travels when the link is back.
    counter.offline()
    counter.ft.supplements.receive(received.case_id, ["2"], CLERK.staff_id)
    assert counter.sync.run_once().problem is SyncProblem.OFFLINE
    counter.online()
    assert counter.run().pushed == 2  # the supplement, and the record of the printed notice
    assert desk.run().added == 2
    assert desk.status(received.case_id) is CaseStatus.RECEIVED

    # Accepted within the 5 working days, decided, certificate made, handed to delivery.
    counter.ft.clock.advance(days=2)
    desk.ft.backoffice.accept(received.case_id, REVIEWER.staff_id)
    desk.ft.backoffice.approve(received.case_id, REVIEWER.staff_id)
    desk.ft.backoffice.make_certificate(
        received.case_id, REVIEWER.staff_id, certificate_number="ZH2026-0042"
    )
    handover = desk.ft.backoffice.hand_to_delivery(received.case_id, REVIEWER.staff_id)
    assert handover.case.status is CaseStatus.READY_FOR_DELIVERY
    assert desk.run().pushed == 4

    # The delivery window, offline at first, then finds the case by its number.
    delivery.offline()
    assert delivery.sync.run_once().problem is SyncProblem.OFFLINE
    delivery.online()
    delivery.run()
    number = handover.case.case_number
    assert number is not None
    [found] = delivery.ft.delivery.find(number)
    assert found.case_id == received.case_id
    # …or by a tap of the applicant's card: every case of theirs routed to this window.
    by_card = {c.case_id for c in delivery.ft.delivery.find_by_card(APPLICANT_ID)}
    assert by_card == {waiting.case_id, to_refuse.case_id, received.case_id}
    state = delivery.ft.station.store.case_state(received.case_id)
    assert state is not None
    receiver = delivery.ft.delivery.verify_receiver(received.case_id, "刘䶮", APPLICANT_ID)
    result = delivery.ft.delivery.pickup(
        received.case_id,
        receiver,
        list(state.collect_at_delivery),
        DELIVERY_CLERK.staff_id,
        actor_name=DELIVERY_CLERK.name,
        signature_png=PNG,
    )
    assert result.case.status is CaseStatus.DELIVERED
    delivery.offline()  # handed out offline: kept, sent later
    assert delivery.sync.run_once().problem is SyncProblem.OFFLINE
    delivery.online()
    assert delivery.run().pushed >= 1

    # Everyone sees it delivered; every PC holds the same steps in the same order.
    for pc in (counter, desk):
        pc.run()
        assert pc.status(received.case_id) is CaseStatus.DELIVERED
    steps = [
        k
        for k in counter.kinds(received.case_id)
        if EventKind(k) not in (EventKind.DOCUMENT_PRINTED, EventKind.CASE_VIEWED)
    ]
    assert steps == [
        "received",
        "notified_once",
        "supplement_received",
        "accepted",
        "decided",
        "certificate_made",
        "handed_to_delivery",
        "delivered",
    ]
    for pc in (desk, delivery):
        assert [
            k
            for k in pc.kinds(received.case_id)
            if EventKind(k) not in (EventKind.DOCUMENT_PRINTED, EventKind.CASE_VIEWED)
        ] == steps
    for pc in (counter, desk, delivery):
        summary = pc.sync.outbox.summary()
        assert (summary.pending, summary.rejected, summary.conflicts) == (0, 0, 0)
