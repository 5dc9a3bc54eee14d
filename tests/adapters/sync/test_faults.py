"""Two-way sync under faults (docs/sync.md, Fault injection): the Jepsen-style set invariant.

A station records cases while its sync client (a separate process) loops through a chaos proxy
and a back-office writer commits decisions in small, overlapping transactions. A chaos thread
cuts, refuses and blackholes connections, restarts PostgreSQL with ``-m immediate`` and SIGKILLs
the sync client. After the faults stop and sync drains, for each direction:
acknowledged ⊆ present, present ⊆ attempted, no id twice; the station's numbers at the centre are
1..N without a gap; every own event is confirmed locally.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
import sqlalchemy as sa

from tests.adapters.sync.chaos_proxy import ChaosProxy
from tests.adapters.sync.helpers import StationPC, backoffice_event, make_station
from tests.pg import PgCluster
from zhanhe_counter.adapters.storage.tables import case_event
from zhanhe_counter.adapters.sync.connection import CentralAddress
from zhanhe_counter.domain.events import EventKind

REPO = Path(__file__).resolve().parents[3]
CLIENT = Path(__file__).with_name("sync_client_process.py")


@dataclass
class Ledger:
    """What each side attempted and what it saw acknowledged."""

    local_acked: set[UUID] = field(default_factory=set)
    central_attempted: set[UUID] = field(default_factory=set)
    central_acked: set[UUID] = field(default_factory=set)
    faults: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class SyncClient:
    """The sync loop in a child process that the chaos thread may SIGKILL."""

    def __init__(self, station: StationPC, via: CentralAddress, db_path: Path) -> None:
        self._argv = [sys.executable, str(CLIENT), str(db_path), station.station_id]
        address = CentralAddress(
            via.host,
            via.port,
            station.address.dbname,
            station.address.user,
            station.address.password,
        )
        self._env = {
            **os.environ,
            "ZHANHE_TEST_CENTRAL": address.url(with_password=True),
            "PYTHONPATH": str(REPO),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            self._argv, env=self._env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.start()

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None


def _writer(station: StationPC, ledger: Ledger, stop: threading.Event) -> None:
    rng = random.Random(1)
    while not stop.is_set():
        ids = station.record_cases(rng.randint(1, 3))
        with ledger.lock:
            ledger.local_acked.update(ids)  # the clerk saw "saved"
        time.sleep(rng.uniform(0.005, 0.02))


def _backoffice(central_url: str, station_id: str, ledger: Ledger, stop: threading.Event) -> None:
    rng = random.Random(2)
    decided: set[UUID] = set()
    conn: psycopg.Connection[Any] | None = None
    while not stop.is_set():
        try:
            if conn is None or conn.closed:
                conn = psycopg.connect(central_url, autocommit=True, connect_timeout=3)
                conn.execute("SET synchronous_commit = on")  # durable across -m immediate
            rows = conn.execute(
                "SELECT case_id FROM case_file WHERE station_id = %s ORDER BY random() LIMIT 5",
                (station_id,),
            ).fetchall()
            todo = [r[0] for r in rows if r[0] not in decided][: rng.randint(1, 3)]
            if not todo:
                time.sleep(0.05)
                continue
            ids: list[UUID] = []
            with conn.transaction():
                for case_id in todo:
                    decided.add(case_id)
                    event_id = backoffice_event(conn, case_id, EventKind.ACCEPTED)
                    ids.append(event_id)
                    with ledger.lock:
                        ledger.central_attempted.add(event_id)
                time.sleep(rng.uniform(0, 0.03))  # hold it open: commit-order gaps
            with ledger.lock:
                ledger.central_acked.update(ids)
        except psycopg.Error:
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.2)
    if conn is not None:
        conn.close()


def _chaos(
    proxy: ChaosProxy,
    cluster: PgCluster,
    client: SyncClient,
    ledger: Ledger,
    stop: threading.Event,
    *,
    restarts: int,
) -> None:
    rng = random.Random(3)
    done_restarts = 0
    while not stop.wait(rng.uniform(0.15, 0.4)):
        fault = rng.choice(["cut", "cut", "refuse", "blackhole", "kill", "restart"])
        if fault == "restart":
            if done_restarts >= restarts:
                fault = "cut"
            else:
                done_restarts += 1
                cluster.restart_immediate()
        if fault == "cut":
            proxy.cut()
        elif fault in ("refuse", "blackhole"):
            proxy.mode = fault
            time.sleep(rng.uniform(0.2, 0.4))
            proxy.mode = "pass"
            proxy.cut()
        elif fault == "kill":
            client.kill()
        ledger.faults[fault] = ledger.faults.get(fault, 0) + 1


def _two_way_run(
    central_url: str, cluster: PgCluster, tmp_path: Path, seconds: float, restarts: int
) -> None:
    station = make_station(central_url, tmp_path, "410411-05")
    ledger = Ledger()
    # Cases the back office can decide on from the first moment of the run.
    ledger.local_acked.update(station.record_cases(10))
    assert station.run().errors == []
    stop = threading.Event()
    with ChaosProxy("127.0.0.1", cluster.port) as proxy:
        via = CentralAddress("127.0.0.1", proxy.port, station.address.dbname)
        client = SyncClient(station, via, tmp_path / "410411-05" / "station.sqlite3")
        threads = [
            threading.Thread(target=_writer, args=(station, ledger, stop)),
            threading.Thread(
                target=_backoffice, args=(central_url, station.station_id, ledger, stop)
            ),
            threading.Thread(
                target=_chaos,
                args=(proxy, cluster, client, ledger, stop),
                kwargs={"restarts": restarts},
            ),
        ]
        try:
            for thread in threads:
                thread.start()
            time.sleep(seconds)
            # On a loaded machine make sure both directions really carried traffic.
            deadline = time.monotonic() + 30
            while len(ledger.central_acked) < 5 and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
            client.stop()
            proxy.mode = "pass"

    # Sessions the chaos orphaned (a peer that vanished mid-transaction) would hold their row
    # locks until the server's own timeouts notice; end them, as server keepalives would.
    with psycopg.connect(central_url, autocommit=True) as conn:
        orphans = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = %s",
            (station.address.user,),
        ).fetchone()
    print(f"orphaned station sessions ended: {orphans[0] if orphans else 0}")
    # Drain directly (faults over): sync until nothing moves.
    for _ in range(30):
        report = station.run()
        summary = station.outbox.summary()
        if (
            report.ok
            and report.pushed == 0
            and report.pulled == 0
            and summary.pending == 0
            and summary.sent_unconfirmed == 0
        ):
            break
    else:  # pragma: no cover - a failure path
        pytest.fail(f"sync did not drain: {report}, {summary}")

    with psycopg.connect(central_url) as conn:
        central = conn.execute(
            "SELECT event_id, origin_seq FROM case_event WHERE origin = %s", (station.station_id,)
        ).fetchall()
    with station.engine.connect() as conn:
        local = conn.execute(
            sa.select(case_event.c.event_id, case_event.c.station_id, case_event.c.sync_state)
        ).all()
    own = [r for r in local if r[1] == station.station_id]
    pulled = [r for r in local if r[1] == "central"]
    central_ids = [r[0] for r in central]
    own_ids = {r[0] for r in own}
    pulled_ids = [r[0] for r in pulled]

    print(
        f"faults={ledger.faults} station_events={len(own)} acked={len(ledger.local_acked)} "
        f"backoffice attempted={len(ledger.central_attempted)} acked={len(ledger.central_acked)}"
    )
    # station → centre
    assert ledger.local_acked <= set(central_ids)
    assert set(central_ids) <= own_ids
    assert len(central_ids) == len(set(central_ids))
    assert sorted(r[1] for r in central) == list(range(1, len(own) + 1))
    assert {r[2] for r in own} == {"confirmed"}
    # centre → station
    missing = ledger.central_acked - set(pulled_ids)
    if missing:
        with psycopg.connect(central_url) as conn:
            held = conn.execute(
                "SELECT event_id, server_seq, xid::text FROM case_event WHERE event_id = ANY(%s)",
                (list(missing),),
            ).fetchall()
        with station.engine.connect() as conn:
            conflicts = conn.execute(
                sa.text("SELECT reason, message FROM sync_conflict LIMIT 5")
            ).all()
            cursors = conn.execute(sa.text("SELECT * FROM sync_state")).all()
        pytest.fail(
            f"{len(missing)} acknowledged back-office events never reached the station; "
            f"held by the centre: {held[:5]}; conflicts: {conflicts}; cursors: {cursors}"
        )
    assert set(pulled_ids) <= ledger.central_attempted
    assert len(pulled_ids) == len(set(pulled_ids))
    assert len(ledger.local_acked) > 20
    assert ledger.faults.get("cut", 0) + ledger.faults.get("kill", 0) > 0
    assert len(ledger.central_acked) > 5
    station.dispose()


def test_two_way_run_under_faults_short(
    central_url: str, pg_cluster: PgCluster, tmp_path: Path
) -> None:
    _two_way_run(central_url, pg_cluster, tmp_path, seconds=5.0, restarts=1)


@pytest.mark.slow
def test_two_way_run_under_faults_long(
    central_url: str, pg_cluster: PgCluster, tmp_path: Path
) -> None:
    _two_way_run(central_url, pg_cluster, tmp_path, seconds=90.0, restarts=8)
