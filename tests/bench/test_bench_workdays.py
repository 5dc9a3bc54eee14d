"""Working-day arithmetic speed: 10k deadlines of 250 working days over a 10-year spread.

Floor: the plain day-by-day weekday loop (no holidays at all) measured in the same run.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from zhanhe_counter.adapters.calendar import build_work_calendar

CALLS = 10_000
FLOOR_CALLS = 1_000
DAYS = 250


def weekday_loop(start: date, days: int) -> date:
    current = start
    while days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


@pytest.mark.bench
def test_bench_add_250_workdays() -> None:
    starts = [date(2026, 1, 1) + timedelta(days=(i * 37) % 3650) for i in range(CALLS)]

    began = time.perf_counter()
    calendar = build_work_calendar()
    for year in range(2026, 2038):  # the first touch of each year builds its table
        calendar.is_workday(date(year, 6, 1))
    cold = time.perf_counter() - began

    began = time.perf_counter()
    dues = [calendar.add_workdays(start, DAYS) for start in starts]
    ours = time.perf_counter() - began

    began = time.perf_counter()
    floor_dues = [weekday_loop(start, DAYS) for start in starts[:FLOOR_CALLS]]
    floor = (time.perf_counter() - began) * CALLS / FLOOR_CALLS

    # Holidays only push deadlines later; make-up days cannot outweigh them over 250 days.
    assert all(due.date >= plain for due, plain in zip(dues, floor_dues, strict=False))
    assert all(
        calendar.count_workdays(s, d.date)[0] == DAYS
        for s, d in zip(starts[:200], dues, strict=False)
    )
    # Every start is in 2026 or later and 2027 on is unpublished: provisional iff it reaches 2027.
    assert all(due.provisional == (due.date.year >= 2027) for due in dues)
    print(
        f"\nBENCH add_workdays(250) x{CALLS}: {ours:.3f}s ({CALLS / ours:,.0f}/s); "
        f"weekday-loop floor {floor:.3f}s (scaled from {FLOOR_CALLS}); "
        f"ratio={ours / floor:.3f} vs plain weekday loop; "
        f"cold build of 12 years {cold:.3f}s"
    )
