"""The one deadline ladder (期限状态) the lists colour their deadline column by."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from zhanhe_counter.services.urgency import (
    Urgency,
    day_countdown,
    day_urgency,
    minute_countdown,
)

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("due", "left", "expected"),
    [
        (TODAY - timedelta(days=1), 0, Urgency.OVERDUE),
        (TODAY, 0, Urgency.DUE_SOON),
        (TODAY + timedelta(days=2), 2, Urgency.DUE_SOON),
        (TODAY + timedelta(days=3), 3, Urgency.OK),
    ],
)
def test_the_ladder_overdue_after_the_day_due_soon_within_the_threshold(
    due: date, left: int, expected: Urgency
) -> None:
    assert day_urgency(due, TODAY, left, due_soon_days=2) is expected


def test_each_list_keeps_its_own_threshold() -> None:
    due = TODAY + timedelta(days=3)
    assert day_urgency(due, TODAY, 3, due_soon_days=3) is Urgency.DUE_SOON
    assert day_urgency(due, TODAY, 3, due_soon_days=1) is Urgency.OK


def test_day_countdown_texts() -> None:
    assert day_countdown(TODAY, TODAY, 0, due_soon_days=1) == (Urgency.DUE_SOON, "今日到期")
    assert day_countdown(TODAY, TODAY, 1, due_soon_days=1) == (Urgency.DUE_SOON, "剩1个工作日")
    assert day_countdown(TODAY, TODAY, 5, due_soon_days=1) == (Urgency.OK, "剩5个工作日")
    late = TODAY - timedelta(days=1)
    assert day_countdown(late, TODAY, 0, due_soon_days=1) == (
        Urgency.OVERDUE,
        "已超期（2026-11-25）",
    )


def test_minute_countdown() -> None:
    soon = timedelta(minutes=5)
    assert minute_countdown(timedelta(minutes=12, seconds=3), due_soon=soon) == (
        Urgency.OK,
        "剩余 12分03秒",
    )
    assert minute_countdown(timedelta(minutes=5), due_soon=soon)[0] is Urgency.DUE_SOON
    assert minute_countdown(timedelta(seconds=-61), due_soon=soon) == (
        Urgency.OVERDUE,
        "已超时 1分01秒",
    )


def test_most_urgent_sorts_first_and_labels_are_chinese() -> None:
    ranked = sorted(Urgency, key=lambda u: u.rank)
    assert ranked == [Urgency.OVERDUE, Urgency.DUE_SOON, Urgency.OK, Urgency.NONE]
    assert Urgency.OVERDUE.label == "已超期"
    assert Urgency.NONE.label == ""
