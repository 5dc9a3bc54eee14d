"""The progress page under load: p95 latency at 200 concurrent requests on loopback.

The server is the real one command (``zhanhe-admin progress serve``) in its own process, against
the real centre; the load comes from 200 concurrent keep-alive connections, each asking 10
lookups of seeded cases (every request from its own forwarded address, so the per-address limit
does not turn the benchmark into a test of 429s). The floor is the same server's bare static
answer (``/healthz``) at the same concurrency, measured in the same run.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import pg
from tests.centre_cases import add_matter, login_in_role, open_case
from tests.web.live_server import free_port
from zhanhe_counter.adapters.centre.progress_source import PostgresProgressSource
from zhanhe_counter.domain import payloads
from zhanhe_counter.domain.check_code import check_code
from zhanhe_counter.domain.events import EventKind

pg_cluster = pg.pg_cluster
central_url = pg.central_url

CONCURRENCY = 200
PER_CONNECTION = 10
CASES = 50
ROOT = Path(__file__).resolve().parents[2]


async def _worker(port: int, paths: list[str], worker: int, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for n, path in enumerate(paths):
            ip = f"10.{worker // 250}.{worker % 250}.{n + 1}"
            request = (
                f"GET {path} HTTP/1.1\r\nHost: bench\r\nX-Forwarded-For: {ip}\r\n\r\n"
            ).encode()
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            assert status == 200, status
    finally:
        writer.close()
        await writer.wait_closed()


def _load(port: int, paths_of: list[list[str]]) -> list[float]:
    latencies: list[float] = []

    async def run() -> None:
        await asyncio.gather(
            *(_worker(port, paths, w, latencies) for w, paths in enumerate(paths_of))
        )

    asyncio.run(run())
    return latencies


def _wait_listening(port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


@pytest.mark.bench
def test_bench_progress_p95_at_200_concurrent(central_url: str) -> None:
    add_matter(central_url)
    lookups = []
    login = login_in_role(central_url, "zhanhe_progress")
    source = PostgresProgressSource(login, pool_size=1)
    key = source.check_key()
    source.close()
    for _ in range(CASES):
        case = open_case(central_url)
        case.step(
            EventKind.NOTIFIED_ONCE,
            payloads.NotifiedOnce(
                items=[payloads.MaterialItem("3", "经营场所证明", None)], deadline=None
            ).to_payload(),
        )
        lookups.append(f"/q?no={case.number}&c={check_code(key, case.number)}")
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zhanhe_counter.cli.app",
            "progress",
            "serve",
            "--url",
            login,
            "--port",
            str(port),
            "--proxy-ips",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert "办件进度查询页" in server.stdout.readline()
        _wait_listening(port)
        _load(port, [["/healthz"] * 2 for _ in range(20)])  # warm up: connections, code paths
        _load(port, [[lookups[i % CASES]] * 2 for i in range(20)])
        floor = _load(port, [["/healthz"] * PER_CONNECTION for _ in range(CONCURRENCY)])
        paths = [
            [lookups[(w * PER_CONNECTION + n) % CASES] for n in range(PER_CONNECTION)]
            for w in range(CONCURRENCY)
        ]
        started = time.perf_counter()
        measured = _load(port, paths)
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=20)
        if server.stdout is not None:
            server.stdout.close()
    assert len(measured) == len(floor) == CONCURRENCY * PER_CONNECTION
    p95, floor_p95 = _p95(measured), _p95(floor)
    print(
        f"\nprogress lookups at {CONCURRENCY} concurrent: p95 {p95 * 1000:.0f} ms, "
        f"median {statistics.median(measured) * 1000:.0f} ms, "
        f"{len(measured) / elapsed:.0f} lookups/s; floor (/healthz, same server, same "
        f"concurrency): p95 {floor_p95 * 1000:.0f} ms; ratio {p95 / floor_p95:.1f}"
    )
