"""好差评: each level as an event naming case, matter and clerk; 差评 follow-up with deadline."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.services.followthrough_support import CLERK, Followthrough, build_followthrough
from zhanhe_counter.adapters.clock import CHINA_TIME
from zhanhe_counter.adapters.storage.followthrough_tables import SqliteFollowupStore
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.followups import (
    FollowupActionKind,
    FollowupService,
    FollowupStatus,
    rectify_days_from,
)
from zhanhe_counter.services.my_cases import Urgency
from zhanhe_counter.services.rating import RATING_LABELS, RatingReceipt


@pytest.fixture
def ft(tmp_path: Path) -> Iterator[Followthrough]:
    built = build_followthrough(tmp_path)
    yield built
    built.station.close()


def _rate(ft: Followthrough, level: int, reasons: tuple[str, ...] = ()) -> RatingReceipt:
    case = ft.open_case("ZH-004")
    invitation = ft.rating.invite(case.case_id, CLERK.staff_id)
    return ft.rating.submit(invitation, level, reasons)


@pytest.mark.parametrize("level", [5, 4, 3, 2, 1])
def test_each_level_is_an_event_with_case_matter_and_clerk(ft: Followthrough, level: int) -> None:
    reasons = ("等候时间长",) if level <= 2 else ()
    receipt = _rate(ft, level, reasons)
    rated = ft.station.store.events_for_case(receipt.case_id)[-1]
    assert rated.kind is EventKind.RATED
    assert rated.payload["level"] == level
    assert rated.payload["case_number"] == receipt.case_number
    assert rated.payload["matter_id"] == "ZH-004"
    assert rated.payload["staff_id"] == CLERK.staff_id
    assert rated.payload["reasons"] == list(reasons)
    state = ft.station.store.case_state(receipt.case_id)
    assert state is not None
    assert state.rating is not None
    assert state.rating.level == level
    bad = [r.level for r in ft.followups.rows()]
    assert bad == ([level] if level <= 2 else [])


def test_the_clerks_receipt_does_not_carry_the_rating() -> None:
    assert {f.name for f in fields(RatingReceipt)} == {"case_id", "case_number"}
    assert RATING_LABELS[1] == "非常不满意"
    assert RATING_LABELS[5] == "非常满意"


def test_bad_rating_needs_a_reason_and_a_case_is_rated_once(ft: Followthrough) -> None:
    case = ft.open_case("ZH-004")
    invitation = ft.rating.invite(case.case_id, CLERK.staff_id)
    with pytest.raises(DomainError) as no_reason:
        ft.rating.submit(invitation, 2)
    assert no_reason.value.user_message == "请选择不满意的原因（可多选）"
    ft.rating.submit(invitation, 4, ["ignored for a good rating"])
    ft.rating.submit(invitation, 4)  # a retried submission of the same invitation
    assert [e.kind for e in ft.station.store.events_for_case(case.case_id)].count(
        EventKind.RATED
    ) == 1
    with pytest.raises(DomainError) as again:
        ft.rating.invite(case.case_id, CLERK.staff_id)
    assert again.value.user_message == "该办件已评价，不能重复评价"


def test_bad_rating_follow_up_runs_fifteen_working_days_and_closes(ft: Followthrough) -> None:
    receipt = _rate(ft, 1, ("服务态度不好",))
    [row] = ft.followups.rows()
    assert row.case_id == receipt.case_id
    assert row.level_label == "非常不满意"
    assert row.reasons == ("服务态度不好",)
    assert row.deadline == date(2026, 12, 17)  # 15 working days after Thu 26 Nov
    assert row.status is FollowupStatus.OPEN
    ft.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=CHINA_TIME))
    row = ft.followups.record(
        row.rating_event_id, FollowupActionKind.CALLBACK, "已电话回访申请人", "zhaoli"
    )
    assert row.status is FollowupStatus.IN_PROGRESS
    ft.clock.set(datetime(2026, 12, 18, 10, 0, tzinfo=CHINA_TIME))
    [row] = ft.followups.rows()
    assert row.urgency is Urgency.OVERDUE
    row = ft.followups.record(
        row.rating_event_id, FollowupActionKind.CLOSE, "窗口已整改，申请人认可", "zhaoli"
    )
    assert row.status is FollowupStatus.CLOSED
    assert [a.kind for a in row.actions] == [FollowupActionKind.CALLBACK, FollowupActionKind.CLOSE]
    assert ft.followups.rows() == []
    assert len(ft.followups.rows(include_closed=True)) == 1
    with pytest.raises(DomainError) as closed:
        ft.followups.record(row.rating_event_id, FollowupActionKind.RECTIFY, "再次整改", "zhaoli")
    assert closed.value.user_message == "该差评已办结"


def test_follow_up_deadline_is_configurable(ft: Followthrough) -> None:
    _rate(ft, 2, ("办事效率低",))
    five = FollowupService(
        store=SqliteFollowupStore(ft.station.engine),
        catalogue=ft.station.catalogue,
        calendar=ft.station.calendar,
        clock=ft.clock,
        rectify_days=rectify_days_from("5"),
    )
    [row] = five.rows()
    assert row.deadline == date(2026, 12, 3)
    assert rectify_days_from(None) == 15
    assert rectify_days_from("abc") == 15
    assert rectify_days_from(0) == 15
