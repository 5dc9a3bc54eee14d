"""What encryption at rest costs a clerk: intakes committed per second through the real
``IntakeService`` into the SQLCipher station database, against the same service writing into a
plain SQLite file, measured in the same run.

Both sides are fsync-bound (WAL + ``synchronous=FULL``), and a shared virtual disk's fsync time
drifts, so they run in alternating chunks and the ratio compares like with like.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.services.test_intake import NOW, FixedClock, _request
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.composition import build_station
from zhanhe_counter.services.intake import IntakeRequest, IntakeService, new_action

N = 200  # intakes per side
CHUNK = 25


def _chunk(intake: IntakeService, template: IntakeRequest, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        intake.commit(replace(template, action=new_action()))
    return time.perf_counter() - start


def _cases(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM case_status").scalar_one())


@pytest.mark.bench
def test_bench_encrypted_intake_writes(tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    station = build_station(tmp_path / "encrypted", demo=True, clock=clock, start_queue=False)
    plain_engine = open_local_database(tmp_path / "plain" / "station.sqlite3")
    try:
        plain = IntakeService(
            catalogue=station.catalogue,
            directory=station.directory,
            station=station.identity,
            calendar=station.calendar,
            store=SqliteEventStore(plain_engine),
            clock=clock,
        )
        template = _request(station, "ZH-005")
        _chunk(station.intake, template, 5)  # warm both: statement caches, first pages
        _chunk(plain, template, 5)
        encrypted_s = plain_s = 0.0
        for _ in range(N // CHUNK):
            encrypted_s += _chunk(station.intake, template, CHUNK)
            plain_s += _chunk(plain, template, CHUNK)
        written = (_cases(station.engine), _cases(plain_engine))
    finally:
        station.close()
        plain_engine.dispose()
    encrypted_rate = N / encrypted_s
    plain_rate = N / plain_s
    ratio = encrypted_rate / plain_rate
    print(
        f"\nBENCH encrypted_intake_writes {encrypted_rate:.0f} intakes/s (SQLCipher) vs "
        f"{plain_rate:.0f} intakes/s (plain SQLite) ratio={ratio:.2f}"
    )
    # Not a speed assertion: both sides really wrote every intake.
    assert written == (N + 5, N + 5)
