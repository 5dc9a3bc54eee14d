"""A busy station after two years against a new one (issue 20, Deliver 5): intake commit, the
sync gate (the outbox summary asked before every intake and by the status bar every 10 s), my
cases, and my cases searched by name and by matter text, each as a ratio of the busy station's
median to the new station's, measured in the same run.

Both stations are real demo stations (SQLCipher, the real services) holding finished cases
written through the event store (``busy_station.py``): the busy one 10,000 in the default run and
100,000 in the ``slow`` one, the new one a first week's ``NEW_STATION`` cases, enough to fill my
cases' list of recently finished cases. Both then record the same day's intakes, so each list
shows the same rows; the benchmark prints how many.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.bench.busy_station import fill_history
from tests.services.test_intake import NOW, FixedClock, _request
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.services.intake import new_action
from zhanhe_counter.services.my_cases import MyCasesService
from zhanhe_counter.services.ports.storage import CaseQuery

TODAY = 30  # intakes of the day on both stations
NEW_STATION = 500
ROUNDS = 15
CLERK = "zhangmin"


def _station(folder: Path, history: int) -> tuple[Station, float]:
    station = build_station(folder, demo=True, clock=FixedClock(NOW), start_queue=False)
    filled = fill_history(
        station.engine,
        station.identity.station_id,
        sorted(station.catalogue.matters),
        history,
        until=NOW.date(),
    )
    station.intake_gate.open()  # as on a PC that syncs: every intake asks the gate
    template = _request(station, "ZH-005")
    for _ in range(TODAY):
        station.intake.commit(replace(template, action=new_action()))
    return station, filled


def _median_ms(work: Callable[[], Any]) -> float:
    work()  # warm: statement caches, first pages
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _compare(busy: Station, new: Station, history: int, filled: float) -> dict[str, float]:
    def operations(station: Station) -> dict[str, Callable[[], Any]]:
        cases = MyCasesService(
            station.store,
            station.calendar,
            station.clock,
            station.catalogue,
            station_id=station.identity.station_id,
        )
        template = _request(station, "ZH-005")
        return {
            "intake_commit": lambda: station.intake.commit(replace(template, action=new_action())),
            "sync_gate": station.sync_outbox.summary,
            "my_cases": lambda: cases.list(CLERK),
            "search_name": lambda: cases.list(CLERK, "刘䶮"),
            "search_matter": lambda: cases.list(CLERK, "高龄津贴"),
        }

    ours, floor = operations(busy), operations(new)
    ratios = {}
    for name in ours:
        busy_ms = _median_ms(ours[name])
        new_ms = _median_ms(floor[name])
        ratios[name] = busy_ms / new_ms
        rows = ""
        if name.startswith(("my_cases", "search")):
            rows = f" rows={len(ours[name]())}/{len(floor[name]())}"
        print(
            f"\nBENCH busy_station {name} {history:,}_cases_ms={busy_ms:.2f} new_station_ms="
            f"{new_ms:.2f} ratio={busy_ms / new_ms:.2f} vs new station ({NEW_STATION} cases)" + rows
        )
    print(f"\nBENCH busy_station fixture {history:,} cases written in {filled:.1f} s")
    return ratios


@pytest.fixture
def stations(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Station, Station, int, float]]:
    history = int(request.param)
    busy, filled = _station(tmp_path / "busy", history)
    new, _ = _station(tmp_path / "new", NEW_STATION)
    try:
        yield busy, new, history, filled
    finally:
        busy.close()
        new.close()


def _check(busy: Station, new: Station, history: int) -> None:
    # Not speed assertions: the busy station really holds its history, both list the day.
    everything = busy.store.find_cases(CaseQuery(limit=None))
    assert len(everything) >= history + TODAY
    assert len(new.store.find_cases(CaseQuery(limit=None))) >= TODAY
    listed = MyCasesService(busy.store, busy.calendar, busy.clock, busy.catalogue).list(CLERK)
    assert sum(row.applicant_name == "刘䶮" for row in listed) >= TODAY


@pytest.mark.bench
@pytest.mark.parametrize("stations", [10_000], indirect=True)
def test_bench_busy_station(stations: tuple[Station, Station, int, float]) -> None:
    busy, new, history, filled = stations
    _compare(busy, new, history, filled)
    _check(busy, new, history)


@pytest.mark.bench
@pytest.mark.slow
@pytest.mark.parametrize("stations", [100_000], indirect=True)
def test_bench_busy_station_100k(stations: tuple[Station, Station, int, float]) -> None:
    busy, new, history, filled = stations
    _compare(busy, new, history, filled)
    _check(busy, new, history)
