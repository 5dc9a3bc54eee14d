"""Material images to the centre (issue 21): chunked, resumable, deduplicated, routed with the case.

A counter and two back-office desks of different departments against the real PostgreSQL
(``tests/pg.py``); cuts and blackholes come from the fault proxy (``chaos_proxy.py``).
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
import uuid6

from tests.adapters.sync.chaos_proxy import ChaosProxy
from tests.adapters.sync.helpers import StationPC, admin, make_station
from zhanhe_counter.adapters.storage.material_store import SqliteMaterialPages
from zhanhe_counter.adapters.sync.connection import CentralAddress
from zhanhe_counter.adapters.sync.material_upload import PostgresMaterialChannel
from zhanhe_counter.services.materials import MaterialUploadWorker
from zhanhe_counter.services.ports.capture import PreparedPage
from zhanhe_counter.services.ports.materials import StoredPage, UploadReport
from zhanhe_counter.services.ports.sync import SyncError

MARKET = "湛河区市场监督管理局"
CIVIL = "湛河区民政局"
CHUNK = 4096


@dataclass
class Desks:
    counter: StationPC
    market: StationPC
    civil: StationPC


@pytest.fixture
def desks(central_url: str, tmp_path: Path) -> Iterator[Desks]:
    def station(station_id: str, roles: str) -> StationPC:
        return make_station(
            central_url,
            tmp_path,
            station_id,
            roles=roles,
            hall="QZX",
            departments={"M-001": MARKET},
        )

    built = Desks(
        station("QZX-W03", "counter"),
        station("QZX-BO-SJ", f"backoffice={MARKET}"),
        station("QZX-BO-MZ", f"backoffice={CIVIL}"),
    )
    yield built
    for pc in (built.counter, built.market, built.civil):
        pc.dispose()


def _page(size: int, seed: int) -> PreparedPage:
    image = random.Random(seed).randbytes(size)
    return PreparedPage(image, "image/jpeg", hashlib.sha256(image).hexdigest(), 800, 1100)


def _case_with_pages(pc: StationPC, *sizes: int) -> tuple[UUID, SqliteMaterialPages]:
    pc.record_cases(1)
    case_id = pc.case_ids[-1]
    pages = SqliteMaterialPages(pc.engine)
    kept = [_page(size, seed) for seed, size in enumerate(sizes)]
    pages.keep(case_id, uuid6.uuid7(), "m-id", kept, datetime.now(UTC))
    return case_id, pages


_open_channels: list[PostgresMaterialChannel] = []


@pytest.fixture(autouse=True)
def _close_channels() -> Iterator[None]:
    yield
    while _open_channels:
        _open_channels.pop().close()


def _channel(address: CentralAddress, **options: Any) -> PostgresMaterialChannel:
    channel = PostgresMaterialChannel(address, chunk_size=CHUNK, **options)
    _open_channels.append(channel)
    return channel


def _centre_chunks(central_url: str, sha256: str) -> list[int]:
    with admin(central_url) as conn:
        rows = conn.execute(
            "SELECT seq FROM material_chunk WHERE sha256 = %s ORDER BY seq", (sha256,)
        ).fetchall()
    return [row[0] for row in rows]


def test_the_back_office_sees_the_images_of_a_case_routed_to_it_and_no_one_else(
    desks: Desks, central_url: str
) -> None:
    case_id, pages = _case_with_pages(desks.counter, 10_000, 3_000)
    assert desks.counter.run().errors == []
    channel = _channel(desks.counter.address)

    report = channel.upload_pending(pages)

    assert (report.uploaded, report.waiting, report.chunks_sent) == (2, 0, 3 + 1)
    assert pages.pending(10) == []
    local = {p.sha256: p.image for p in pages.pages(case_id)}
    seen = _channel(desks.market.address).case_pages(case_id)
    assert {p.sha256: p.image for p in seen} == local
    assert [(p.material_id, p.page_no) for p in seen] == [("m-id", 1), ("m-id", 2)]
    assert _channel(desks.civil.address).case_pages(case_id) == []
    # The other department's desk can neither link a page to the case nor read the chunks.
    with psycopg.connect(desks.civil.address.conninfo("t"), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM material_chunk").fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO material_blob (origin, sha256, size, chunk_size, chunk_count,"
                " media_type) VALUES ('QZX-W03', repeat('0', 64), 1, 1, 1, 'image/jpeg')"
            )


def test_a_page_uploaded_twice_is_stored_once_and_sent_once(desks: Desks, central_url: str) -> None:
    case_id, pages = _case_with_pages(desks.counter, 20_000)
    assert desks.counter.run().errors == []
    channel = _channel(desks.counter.address)
    [page] = pages.pending(10)
    channel.upload(page, pages)
    channel.upload(page, pages)  # e.g. the answer to the first was lost
    assert channel.chunks_sent == 5
    assert _centre_chunks(central_url, page.sha256) == [0, 1, 2, 3, 4]
    # The same image in a second case of the station: linked, not sent again.
    desks.counter.record_cases(1)
    second = desks.counter.case_ids[-1]
    assert desks.counter.run().errors == []
    pages.keep(second, uuid6.uuid7(), "m-id", [_page(20_000, 0)], datetime.now(UTC))
    assert channel.upload_pending(pages).chunks_sent == 0
    assert [p.sha256 for p in _channel(desks.market.address).case_pages(second)] == [page.sha256]
    assert case_id != second


def test_a_page_whose_case_is_not_at_the_centre_waits_for_it(desks: Desks) -> None:
    case_id, pages = _case_with_pages(desks.counter, 5_000)
    channel = _channel(desks.counter.address)
    assert channel.upload_pending(pages) == UploadReport(uploaded=0, waiting=1, chunks_sent=0)
    assert len(pages.pending(10)) == 1  # still owed
    assert desks.counter.run().errors == []
    assert channel.upload_pending(pages) == UploadReport(uploaded=1, waiting=0, chunks_sent=2)
    assert len(_channel(desks.market.address).case_pages(case_id)) == 1


class CuttingProgress:
    """The station's progress store, cutting the link after every ``every``-th chunk."""

    def __init__(self, pages: SqliteMaterialPages, proxy: ChaosProxy, every: int) -> None:
        self.pages = pages
        self.proxy = proxy
        self.every = every
        self.first_after_cut: list[int] = []
        self._cut = False
        self._count = 0

    def pending(self, limit: int) -> list[StoredPage]:
        return self.pages.pending(limit)

    def sent(self, case_id: UUID, sha256: str, chunks: int) -> None:
        if self._cut:
            self.first_after_cut.append(chunks - 1)
            self._cut = False
        self.pages.sent(case_id, sha256, chunks)
        self._count += 1
        if self._count % self.every == 0:
            self.proxy.cut()
            self._cut = True

    def uploaded(self, case_id: UUID, sha256: str, at: datetime) -> None:
        self.pages.uploaded(case_id, sha256, at)


@pytest.mark.parametrize("fault", ["cut", "blackhole"])
def test_an_upload_under_faults_resumes_from_the_last_chunk_and_loses_none(
    desks: Desks, central_url: str, pg_cluster: Any, fault: str
) -> None:
    case_id, pages = _case_with_pages(desks.counter, 40 * CHUNK + 17, 9 * CHUNK)
    assert desks.counter.run().errors == []
    with ChaosProxy("127.0.0.1", pg_cluster.port) as proxy:
        via = CentralAddress(
            host="127.0.0.1",
            port=proxy.port,
            dbname=desks.counter.address.dbname,
            user=desks.counter.address.user,
            password=desks.counter.address.password,
        )
        channel = _channel(via, operation_timeout=1.5)
        progress = CuttingProgress(pages, proxy, every=7)
        if fault == "blackhole":
            progress.proxy = _Blackholer(proxy)  # type: ignore[assignment]
        failures = 0
        while pages.pending(10):
            try:
                channel.upload_pending(progress)
            except SyncError:
                failures += 1
                proxy.mode = "pass"
                _drop_dead_sessions(central_url, desks.counter.address.user)
            assert failures < 40
    assert failures >= 5
    held = {p.sha256: p for p in pages.pages(case_id)}
    for sha256, page in held.items():
        chunks = -(-page.size // CHUNK)
        assert _centre_chunks(central_url, sha256) == list(range(chunks))  # none lost, none twice
        assert page.uploaded_at is not None
        assert page.sent_chunks == chunks
    # Each retry started at the chunk after the last one the centre held: at most the chunk in
    # flight when the link died was sent again.
    total = sum(-(-p.size // CHUNK) for p in held.values())
    assert total <= channel.chunks_sent <= total + failures
    seen = _channel(desks.market.address).case_pages(case_id)
    assert {p.sha256: hashlib.sha256(p.image).hexdigest() for p in seen} == {s: s for s in held}


def _drop_dead_sessions(central_url: str, role: str | None) -> None:
    """What the server's TCP keepalives do after ~20 s (tcp_keepalives_*): the sessions whose
    link died go, so the station's connection limit (4) does not refuse the retry."""
    with admin(central_url) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
            (role,),
        )


class _Blackholer:
    """Turns the proxy into a blackhole instead of cutting: the deadline has to notice."""

    def __init__(self, proxy: ChaosProxy) -> None:
        self._proxy = proxy

    def cut(self) -> None:
        self._proxy.mode = "blackhole"


def test_the_chunks_of_a_blob_must_hash_to_its_name(desks: Desks, central_url: str) -> None:
    _case_id, pages = _case_with_pages(desks.counter, 3 * CHUNK)
    assert desks.counter.run().errors == []
    [page] = pages.pending(10)
    with psycopg.connect(desks.counter.address.conninfo("t"), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO material_blob (origin, sha256, size, chunk_size, chunk_count, media_type)"
            " VALUES (my_station(), %s, %s, %s, 3, 'image/jpeg')",
            (page.sha256, page.size, CHUNK),
        )
        for seq in range(3):
            conn.execute(
                "INSERT INTO material_chunk (origin, sha256, seq, data) VALUES (my_station(), %s,"
                " %s, %s)",
                (page.sha256, seq, os.urandom(CHUNK)),  # damaged on the way
            )
        assert conn.execute("SELECT material_complete(%s)", (page.sha256,)).fetchone() == (
            "corrupt",
        )
    channel = _channel(desks.counter.address)
    channel.upload(page, pages)  # sends every chunk again, now intact
    assert channel.chunks_sent == 3
    assert _centre_chunks(central_url, page.sha256) == [0, 1, 2]


UPLOADER = Path(__file__).with_name("material_upload_process.py")
REPO = Path(__file__).resolve().parents[3]


def test_an_upload_killed_mid_page_resumes_and_loses_nothing(
    desks: Desks, central_url: str, tmp_path: Path
) -> None:
    chunk = 1024
    case_id, pages = _case_with_pages(desks.counter, 300 * chunk + 5, 120 * chunk)
    assert desks.counter.run().errors == []
    database = tmp_path / desks.counter.station_id / "station.sqlite3"
    env = {
        **os.environ,
        "ZHANHE_TEST_CENTRAL": desks.counter.address.url(with_password=True),
        "PYTHONPATH": str(REPO),
    }
    argv = [sys.executable, str(UPLOADER), str(database), str(chunk)]
    big = max(pages.pending(10), key=lambda p: p.size)
    told: list[int] = []
    kills = 0
    for kill_after in (40, 100, 100, None):  # of 421 chunks
        held_before = len(_centre_chunks(central_url, big.sha256))
        process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        seen: list[tuple[str, int]] = []
        for line in process.stdout:
            if line.startswith("CHUNK"):
                _, _case, sha256, number = line.split()
                seen.append((sha256, int(number)))
                if kill_after is not None and len(seen) >= kill_after:
                    process.send_signal(signal.SIGKILL)
                    kills += 1
                    break
            elif line.startswith("DONE"):
                break
        process.wait(timeout=60)
        process.stdout.close()
        told += [n for _, n in seen]
        # The restarted upload began right after the last chunk the centre held.
        first_of_big = next((n for sha256, n in seen if sha256 == big.sha256), None)
        if first_of_big is not None and held_before < -(-big.size // chunk):
            assert first_of_big == held_before + 1
        _drop_dead_sessions(central_url, desks.counter.address.user)
    assert kills == 3
    held = pages.pages(case_id)
    assert all(p.uploaded_at is not None for p in held)
    total = sum(-(-p.size // chunk) for p in held)
    for page in held:
        assert _centre_chunks(central_url, page.sha256) == list(range(-(-page.size // chunk)))
    # Each kill costs at most the chunk in flight: sent again, or landed without being told.
    assert total - kills <= len(told) <= total + kills
    seen_pages = _channel(desks.market.address).case_pages(case_id)
    assert {hashlib.sha256(p.image).hexdigest() for p in seen_pages} == {p.sha256 for p in held}


def test_the_background_upload_sends_pages_when_the_sync_worker_kicks_it(desks: Desks) -> None:
    case_id, pages = _case_with_pages(desks.counter, 9_000)
    assert desks.counter.run().errors == []
    worker = MaterialUploadWorker(_channel(desks.counter.address), pages)
    worker.start()
    try:
        worker.kick()
        deadline = time.monotonic() + 10
        while pages.pending(1) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    assert pages.pending(1) == []
    assert len(_channel(desks.market.address).case_pages(case_id)) == 1
