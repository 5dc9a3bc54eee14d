"""容缺 and 补正 supplements: deadlines in working days, lists per clerk and for the supervisor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.services.followthrough_support import CLERK, REVIEWER, Followthrough, build_followthrough
from zhanhe_counter.adapters.clock import CHINA_TIME
from zhanhe_counter.domain.case import CaseStatus, IllegalTransition
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.payloads import MaterialItem
from zhanhe_counter.services.supplements import SupplementKind
from zhanhe_counter.services.urgency import Urgency

RONGQUE_DUE = date(2026, 12, 24)  # 20 working days after Thu 26 Nov 2026 (the matter's limit)


@pytest.fixture
def ft(tmp_path: Path) -> Iterator[Followthrough]:
    built = build_followthrough(tmp_path)
    yield built
    built.station.close()


def test_pledge_is_listed_with_its_deadline_in_working_days(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005", missing=[3])
    [row] = ft.supplements.pending()
    assert row.case_id == case.case_id
    assert row.kind is SupplementKind.RONGQUE
    assert row.deadline == RONGQUE_DUE
    assert row.working_days_left == 20
    assert row.urgency is Urgency.OK
    assert row.item_names == "本人银行卡（指定发放银行）"


def test_due_soon_and_overdue_follow_the_injected_clock(ft: Followthrough) -> None:
    ft.open_case("ZH-005", missing=[3])
    ft.clock.set(datetime(2026, 12, 22, 9, 0, tzinfo=CHINA_TIME))  # Tue: 2 working days left
    [row] = ft.supplements.due_soon()
    assert row.countdown == "剩2个工作日"
    assert ft.supplements.overdue() == []
    ft.clock.set(datetime(2026, 12, 28, 9, 0, tzinfo=CHINA_TIME))  # the Monday after
    [row] = ft.supplements.overdue()
    assert row.urgency is Urgency.OVERDUE
    assert row.countdown == "已超期 2个工作日"
    assert ft.supplements.due_soon() == []


def test_supplement_on_time_takes_the_case_off_the_lists(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005", missing=[3])
    ft.clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=CHINA_TIME))
    state = ft.supplements.receive(case.case_id, ["3"], CLERK.staff_id)
    assert state.outstanding_rongque == ()
    assert state.status is CaseStatus.RECEIVED  # still waiting for the back office to accept
    assert ft.supplements.pending() == []


def test_overdue_supplement_is_still_received_and_recorded(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005", missing=[3])
    ft.clock.set(datetime(2027, 1, 5, 9, 0, tzinfo=CHINA_TIME))
    assert [r.case_id for r in ft.supplements.overdue()] == [case.case_id]
    state = ft.supplements.receive(case.case_id, ["3"], CLERK.staff_id)
    assert "3" in state.supplemented
    assert ft.supplements.overdue() == []


def test_lists_per_first_handler_and_for_the_supervisor(ft: Followthrough) -> None:
    mine = ft.open_case("ZH-005", missing=[3])
    assert [r.case_id for r in ft.supplements.pending("zhangmin")] == [mine.case_id]
    assert ft.supplements.pending("lina") == []
    assert [r.first_handler for r in ft.supplements.pending()] == ["zhangmin"]


def test_one_time_notice_items_are_tracked_too(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005")
    ft.backoffice.notify_once(
        case.case_id, [MaterialItem("2", "户口簿", "缺少")], REVIEWER.staff_id
    )
    [row] = ft.supplements.pending()
    assert row.kind is SupplementKind.NOTICE
    assert row.deadline is None  # no rule gives 高龄津贴 a supplement deadline: none invented
    state = ft.supplements.receive(case.case_id, ["2"], CLERK.staff_id)
    assert state.status is CaseStatus.RECEIVED
    assert ft.supplements.pending() == []


def test_supplement_of_something_not_owed_is_refused(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005", missing=[3])
    with pytest.raises(IllegalTransition):
        ft.supplements.receive(case.case_id, ["1"], CLERK.staff_id)
    with pytest.raises(DomainError) as error:
        ft.supplements.receive(case.case_id, [" "], CLERK.staff_id)
    assert error.value.user_message == "请勾选收到的补正材料"
    [row] = ft.supplements.pending()
    assert row.items[0].material_id == "3"
