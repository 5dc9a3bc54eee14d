"""Publish at the centre → applied at the counter, on loopback (issue 17, Proof).

One catalogue version published with ``governance.publish_document``, then one sync session of a
registered counter and its take-up at login (``Station.refresh_reference``): the seconds from the
publish to the counter offering the new matter, as a ratio to the floor measured in the same run,
loading the same catalogue and windows from local files (what a restart would do anyway).
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from tests import pg
from tests.adapters.sync.helpers import memory_keyring
from tests.governance.support import CATALOGUE, WINDOWS, catalogue_text, registered_counter
from zhanhe_counter.adapters.catalogue import load_catalogue, load_windows
from zhanhe_counter.adapters.centre import governance

pg_cluster = pg.pg_cluster
central_url = pg.central_url
memory_keyring = memory_keyring  # noqa: PLW0127 - re-exported as a fixture

ROUNDS = 5


@pytest.mark.bench
def test_bench_publish_to_counter(central_url: str, tmp_path: Path, memory_keyring: object) -> None:
    counter = registered_counter(central_url, tmp_path / "pc")
    try:
        started = time.perf_counter()
        for _ in range(ROUNDS):
            catalogue = load_catalogue(CATALOGUE).catalogue
            load_windows(WINDOWS, catalogue)
        floor = (time.perf_counter() - started) / ROUNDS

        spans = []
        for round_no in range(ROUNDS):
            text = catalogue_text(add=True).replace("测试新增事项", f"测试新增事项{round_no}")
            started = time.perf_counter()
            governance.publish_document(
                central_url,
                "catalogue",
                text,
                version=f"bench-{round_no}",
                effective_from=date(2026, 11, 1 + round_no),
                actor="bench",
            )
            assert counter.pull()
            spans.append(time.perf_counter() - started)
            assert counter.station.catalogue.matter("ZH-099").name == f"测试新增事项{round_no}"
    finally:
        counter.close()
    best = min(spans)
    print(
        f"\npublish→applied at the counter: best={best:.3f}s median={sorted(spans)[2]:.3f}s "
        f"local_load_floor={floor:.3f}s ratio={best / floor:.1f} vs loading the files locally"
    )
    assert best < 10  # seconds on loopback; a restart is not needed at all
