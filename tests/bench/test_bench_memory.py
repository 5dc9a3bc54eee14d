"""The client's memory over a day's work: RSS after 500 intakes against RSS after 10.

A counter runs all day; anything kept per case (caches without a bound, documents held after
printing, event lists) shows here as growth. The floor is the same process after its first 10
intakes, fonts and templates loaded, measured in the same run. The default run drives the
intake service and the document dispatcher (commit, render, print queue) for 10 and then 30
intakes; ``-m slow`` drives the intake page itself with qtbot through 500.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.bench.test_bench_ui import _intakes, _launch
from tests.services.test_intake import NOW, FixedClock, _request
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.services.intake import new_action

FIRST = 10


def rss_bytes() -> int:
    """Resident set size now (Linux ``/proc``), after a collection."""
    gc.collect()
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def measure(intake: Callable[[], None], total: int, label: str) -> None:
    for _ in range(FIRST):
        intake()
    floor = rss_bytes()
    for _ in range(total - FIRST):
        intake()
    after = rss_bytes()
    print(
        f"\nBENCH memory {label}: RSS after {total} intakes {after / 2**20:.1f} MiB, after "
        f"{FIRST} {floor / 2**20:.1f} MiB ratio={after / floor:.3f} (target <= 1.2)"
    )


def through_services(station: Station) -> Callable[[], None]:
    def intake() -> None:
        committed = station.intake.commit(_request(station, "ZH-004"))
        station.dispatcher.dispatch(
            committed, clerk_id="zhangmin", clerk_name="张敏", request_id=new_action().case_id
        )

    return intake


@pytest.mark.bench
def test_bench_memory_over_intakes_through_the_services(tmp_path: Path) -> None:
    station = build_station(tmp_path, demo=True, clock=FixedClock(NOW), start_queue=False)
    try:
        measure(through_services(station), 30, "intake service + documents, 30 vs 10")
    finally:
        station.close()


@pytest.mark.bench
@pytest.mark.slow
def test_bench_memory_over_500_intakes_on_the_intake_page(qtbot: QtBot, tmp_path: Path) -> None:
    _seconds, window = _launch(qtbot, tmp_path / "station")

    def intake() -> None:
        _intakes(qtbot, window, 1)

    try:
        measure(intake, 500, "intake page, 500 vs 10")
    finally:
        window.runner.wait_idle()
        window.context.station.close()  # type: ignore[attr-defined]
