"""Opening a case's detail with its audit event (``CaseHistoryService.open``: the access check,
one ``case_viewed`` append, the detail) against reading the same detail without recording it
(``detail``), on a real station database, measured in the same run.

``open`` reads everything first and appends the view event last (one ``synchronous=FULL``
transaction: its CPU and one durable commit), so the ratio is that append against the read. Both
run off the UI thread in the dialog. The two sides alternate so a drifting disk affects both
alike, and each starts just after an unrelated write, as at a working counter.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

from tests.services.test_intake import NOW, FixedClock, _request
from zhanhe_counter.composition import build_station

N = 40  # openings per side; the case ends with N audit events, as a busy case might


@pytest.mark.bench
def test_bench_opening_a_case_with_its_view_event(tmp_path: Path) -> None:
    station = build_station(tmp_path, demo=True, clock=FixedClock(NOW), start_queue=False)
    try:
        case_id = station.intake.commit(_request(station, "ZH-004")).case.case_id
        other = station.intake.commit(_request(station, "ZH-004")).case.case_id
        history = station.case_history
        history.detail(case_id, "zhangmin", ("window",))  # warm caches and the connection pool
        read, opened = [], []
        for _ in range(N):
            # Each side starts as at a working counter, just after some other write (which
            # resets the readers' page cache under WAL), untimed.
            station.print_service.audit.viewed(other, "zhangmin")
            start = time.perf_counter()
            history.detail(case_id, "zhangmin", ("window",))
            read.append(time.perf_counter() - start)
            station.print_service.audit.viewed(other, "zhangmin")
            start = time.perf_counter()
            history.open(case_id, "zhangmin", ("window",))
            opened.append(time.perf_counter() - start)
        views = [e for e in station.store.events_for_case(case_id) if e.kind.is_audit]
        assert len(views) == N
    finally:
        station.close()
    floor, cost = statistics.median(read), statistics.median(opened)
    print(
        f"BENCH case_open median={cost * 1000:.2f}ms ratio={cost / floor:.2f} "
        f"vs reading the same detail without the view event ({floor * 1000:.2f}ms)"
    )
