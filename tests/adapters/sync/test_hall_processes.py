"""The hall with each PC in its own process (issue 16's proof, as PCs really run).

Three station processes — counter, back-office desk, delivery window — each with its own
encrypted data folder, services and background sync worker woken by the centre's NOTIFY, each
behind its own proxy that the test takes down: nobody presses *sync*. The test only acts as the
people at the three PCs and waits for what they would see.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.sync.chaos_proxy import ChaosProxy
from tests.adapters.sync.hall_station_process import serve
from tests.pg import PgCluster
from zhanhe_counter.adapters.centre.schema import register_station
from zhanhe_counter.adapters.sync.connection import CentralAddress
from zhanhe_counter.services.station_roles import parse_roles

POLICE = "平顶山市公安局湛河分局（辖区派出所）"
CIVIL = "湛河区民政局"
ARRIVES_WITHIN = 10.0  # generous on a loaded machine; the bench measures the real figure
# After an outage the worker's back-off (1 s, 2 s, 4 s … with jitter) has grown with every
# attempt the dead link refused, and on a loaded machine the writes made meanwhile take long.
AFTER_OUTAGE_WITHIN = 25.0


@dataclass
class PC:
    name: str
    conn: Connection
    process: multiprocessing.process.BaseProcess
    link: ChaosProxy

    def __call__(self, command: str, *args: Any) -> Any:
        self.conn.send((command, args))
        status, value = self.conn.recv()
        assert status == "ok", f"{self.name} {command}: {value}"
        return value

    def until(self, probe: Callable[[], Any], what: str, within: float = ARRIVES_WITHIN) -> float:
        """Seconds until ``probe()`` is true (no sync is requested: the workers do it)."""
        started = time.monotonic()
        while not probe():
            assert time.monotonic() - started < within, f"{self.name}: never saw {what}"
            time.sleep(0.05)
        return time.monotonic() - started


def _start(  # noqa: PLR0917 - one PC's coordinates
    central_url: str, pg_cluster: PgCluster, root: Path, name: str, code: str, roles: str
) -> PC:
    registration = register_station(central_url, name, roles=parse_roles(roles), hall="QZX")
    link = ChaosProxy(pg_cluster.host, pg_cluster.port).__enter__()
    a = registration.address
    via = CentralAddress("127.0.0.1", link.port, a.dbname, a.user, a.password)
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=serve,
        args=(child, str(root / name), name, code, via.url(with_password=True)),
        daemon=True,
    )
    process.start()
    assert parent.poll(120), f"{name} did not start"
    assert parent.recv() == ("ok", "ready")
    return PC(name, parent, process, link)


@pytest.fixture
def hall(central_url: str, pg_cluster: PgCluster, tmp_path: Path) -> Iterator[list[PC]]:
    pcs = [
        _start(central_url, pg_cluster, tmp_path, "QZX-W03", "41041103", "counter"),
        _start(
            central_url,
            pg_cluster,
            tmp_path,
            "QZX-BO-01",
            "41041121",
            f"backoffice={POLICE},{CIVIL}",
        ),
        _start(central_url, pg_cluster, tmp_path, "QZX-DLV", "41041131", "delivery=QZX"),
    ]
    yield pcs
    for pc in pcs:
        pc.link.mode = "pass"
        pc.conn.send(("stop", ()))
        pc.conn.poll(30)
        pc.process.join(30)
        pc.link.stop()


def test_three_station_processes_work_one_case_through_the_hall(hall: list[PC]) -> None:
    counter, desk, delivery = hall
    waiting = counter("open_case", "ZH-018")  # 当场受理: the 20-minute answer from the desk
    received = counter("open_case", "ZH-005")  # 当场收件
    refused = counter("open_case", "ZH-018")
    hops = [desk.until(lambda: refused in desk("queue", "answer"), "the 20-minute request")]

    desk.link.mode = "refuse"  # the desk's link goes down: it keeps working on its own PC
    desk.link.cut()
    desk("accept", waiting)
    desk("refuse", refused, ["申请事项不属于本机关职权范围"])
    desk("notify_once", received)
    time.sleep(1.0)
    assert counter("status", waiting) == "pending_backoffice"
    desk.link.mode = "pass"  # back: the worker reconnects and pushes; the counter is woken
    hops.append(
        counter.until(
            lambda: counter("status", waiting) == "accepted", "the answer", AFTER_OUTAGE_WITHIN
        )
    )
    answer = counter("answer", waiting)
    assert answer == {"accepted": True, "reasons": [], "printed": ["acceptance_notice"]}
    hops.append(counter.until(lambda: counter("status", refused) == "refused", "the refusal"))
    assert counter("answer", refused)["reasons"] == ["申请事项不属于本机关职权范围"]
    hops.append(counter.until(lambda: counter("status", received) == "notified", "the notice"))

    counter.link.mode = "refuse"  # the counter offline takes the supplement in
    counter.link.cut()
    counter("supplement", received, ["2"])
    counter.link.mode = "pass"
    hops.append(
        desk.until(
            lambda: desk("status", received) == "received", "the supplement", AFTER_OUTAGE_WITHIN
        )
    )
    for step in ("accept", "approve", "certificate", "handover"):
        desk(step, received)

    delivery.link.mode = "refuse"  # the delivery window offline: it catches up when back
    delivery.link.cut()
    time.sleep(1.0)
    delivery.link.mode = "pass"
    hops.append(
        delivery.until(
            lambda: delivery("status", received) == "ready_for_delivery",
            "the hand-over",
            AFTER_OUTAGE_WITHIN,
        )
    )
    assert delivery("deliver", counter("number", received)) == "delivered"
    for pc in (counter, desk):
        hops.append(pc.until(lambda pc=pc: pc("status", received) == "delivered", "delivery"))
    print(f"\nhops between the processes (s): {[round(h, 2) for h in hops]}")
    steps = [k for k in counter("kinds", received) if k not in ("document_printed", "case_viewed")]
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
            k for k in pc("kinds", received) if k not in ("document_printed", "case_viewed")
        ] == steps
    for pc in hall:
        pc.until(lambda pc=pc: tuple(pc("summary")) == (0, 0, 0), "nothing waiting")
