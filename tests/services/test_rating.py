"""好差评: each level as an event naming case, matter and clerk; 差评 follow-up with deadline."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from datetime import date, datetime
from pathlib import Path

import pytest
from uuid6 import uuid7

from tests.services.followthrough_support import CLERK, Followthrough, build_followthrough
from zhanhe_counter.adapters.clock import CHINA_TIME
from zhanhe_counter.adapters.storage.events_by_kind import SqliteEventsByKind
from zhanhe_counter.domain.case import IllegalTransition
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.domain.payloads import MAX_FOLLOWUP_NOTE_LENGTH
from zhanhe_counter.services.followups import (
    FollowupActionKind,
    FollowupService,
    FollowupStatus,
    rectify_days_from,
)
from zhanhe_counter.services.ports.storage import SyncState
from zhanhe_counter.services.rating import RatingReceipt
from zhanhe_counter.services.rating_scale import RATING_LABELS
from zhanhe_counter.services.urgency import Urgency


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
        row.rating_event_id, FollowupActionKind.CONTACTED, "已电话回访申请人", "zhaoli"
    )
    assert row.status is FollowupStatus.CONTACTED
    assert row.status.label == "已回访"
    row = ft.followups.record(
        row.rating_event_id, FollowupActionKind.RECTIFIED, "已对窗口人员进行培训", "zhaoli"
    )
    assert row.status is FollowupStatus.RECTIFIED
    assert row.countdown == "剩12个工作日"
    ft.clock.set(datetime(2026, 12, 18, 10, 0, tzinfo=CHINA_TIME))
    [row] = ft.followups.rows()
    assert row.urgency is Urgency.OVERDUE
    row = ft.followups.record(
        row.rating_event_id, FollowupActionKind.CLOSED, "窗口已整改，申请人认可", "zhaoli"
    )
    assert row.status is FollowupStatus.CLOSED
    assert row.countdown == "已办结"
    assert not row.overdue
    assert [a.action for a in row.actions] == [
        FollowupActionKind.CONTACTED,
        FollowupActionKind.RECTIFIED,
        FollowupActionKind.CLOSED,
    ]
    assert ft.followups.rows() == []
    assert len(ft.followups.rows(include_closed=True)) == 1
    with pytest.raises(IllegalTransition) as closed:
        ft.followups.record(row.rating_event_id, FollowupActionKind.RECTIFIED, "再次整改", "zhaoli")
    assert closed.value.user_message == "该差评已办结，不能再回访整改"
    steps = [
        e
        for e in ft.station.store.events_for_case(receipt.case_id)
        if e.kind is EventKind.RATING_FOLLOWED_UP
    ]
    assert len(steps) == 3


def test_follow_up_deadline_is_configurable(ft: Followthrough) -> None:
    _rate(ft, 2, ("办事效率低",))
    five = FollowupService(
        store=ft.station.store,
        events=SqliteEventsByKind(ft.station.engine),
        catalogue=ft.station.catalogue,
        calendar=ft.station.calendar,
        clock=ft.clock,
        station_id=ft.station.identity.station_id,
        rectify_days=rectify_days_from("5"),
    )
    [row] = five.rows()
    assert row.deadline == date(2026, 12, 3)
    assert rectify_days_from(None) == 15
    assert rectify_days_from("abc") == 15
    assert rectify_days_from(0) == 15

    with pytest.raises(DomainError) as never:
        FollowupService(
            store=ft.station.store,
            events=SqliteEventsByKind(ft.station.engine),
            catalogue=ft.station.catalogue,
            calendar=ft.station.calendar,
            clock=ft.clock,
            station_id="ZH01",
            rectify_days=0,
        )
    assert never.value.user_message == "整改期限至少为1个工作日"


def test_a_follow_up_step_is_a_case_event_that_syncs(ft: Followthrough) -> None:
    receipt = _rate(ft, 2, ("办事效率低",))
    [row] = ft.followups.rows()
    assert row.window_id == ft.station.identity.window.id
    step_id = uuid7()
    ft.clock.advance(hours=2)
    for _ in range(2):  # a retry after a lost answer records nothing new
        row = ft.followups.record(
            row.rating_event_id,
            FollowupActionKind.CONTACTED,
            "  已电话回访申请人  ",
            "zhaoli",
            action_id=step_id,
        )
    events = ft.station.store.events_for_case(receipt.case_id)
    step = events[-1]
    assert [e.kind for e in events].count(EventKind.RATING_FOLLOWED_UP) == 1
    assert step.event_id == step_id
    assert step.kind is EventKind.RATING_FOLLOWED_UP
    assert step.actor == "zhaoli"
    assert step.station_id == ft.station.identity.station_id
    assert step.occurred_at == ft.clock.now()
    assert dict(step.payload) == {"action": "contacted", "note": "已电话回访申请人"}
    assert ft.station.store.sync_states([step_id]) == {step_id: SyncState.LOCAL}
    assert step_id in {e.event_id for e in ft.station.store.unsynced_events(100)}
    [action] = row.actions
    assert (action.event_id, action.note, action.actor) == (step_id, "已电话回访申请人", "zhaoli")
    state = ft.station.store.case_state(receipt.case_id)
    assert state is not None
    assert state.followups == row.actions
    assert state.followup_closed is False
    assert ft.followups.row(receipt.case_id) == row


def test_follow_up_refuses_empty_or_long_notes_and_unknown_ratings(ft: Followthrough) -> None:
    _rate(ft, 1, ("服务态度不好",))
    good = _rate(ft, 4)
    [row] = ft.followups.rows()
    with pytest.raises(DomainError) as empty:
        ft.followups.record(row.rating_event_id, FollowupActionKind.CONTACTED, "  ", "zhaoli")
    assert empty.value.user_message == "请填写回访或整改情况"
    with pytest.raises(DomainError) as long:
        ft.followups.record(
            row.rating_event_id,
            FollowupActionKind.CONTACTED,
            "回" * (MAX_FOLLOWUP_NOTE_LENGTH + 1),
            "zhaoli",
        )
    assert long.value.user_message == f"情况说明不能超过{MAX_FOLLOWUP_NOTE_LENGTH}字"
    good_rating = ft.station.store.events_for_case(good.case_id)[-1]
    with pytest.raises(DomainError) as unknown:
        ft.followups.record(good_rating.event_id, FollowupActionKind.CONTACTED, "回访", "zhaoli")
    assert unknown.value.user_message == "没有该差评记录"
    assert ft.followups.row(good.case_id) is None
    assert [r.status for r in ft.followups.rows()] == [FollowupStatus.OPEN]


def test_follow_up_list_orders_overdue_first(ft: Followthrough) -> None:
    early = _rate(ft, 2, ("等候时间长",))
    ft.clock.set(datetime(2026, 12, 14, 10, 0, tzinfo=CHINA_TIME))
    late = _rate(ft, 1, ("其他",))
    ft.clock.set(datetime(2026, 12, 18, 10, 0, tzinfo=CHINA_TIME))
    rows = ft.followups.rows()
    assert [r.case_id for r in rows] == [early.case_id, late.case_id]
    assert rows[0].overdue
    assert rows[0].countdown == "已超期 1个工作日"
    assert rows[1].urgency is Urgency.OK
