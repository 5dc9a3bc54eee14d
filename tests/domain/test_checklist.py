"""Checklist evaluation: complete / 容缺 / 一次性告知 / not handled, flows, documents, deadlines."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from tests.domain.test_matters import make_matter
from zhanhe_counter.domain.checklist import (
    ApplicantSituation,
    ChecklistError,
    ChecklistResult,
    MaterialRecord,
    Outcome,
    RecordState,
    applicable_materials,
    evaluate,
    supplement_due,
)
from zhanhe_counter.domain.documents import DocumentKind as D
from zhanhe_counter.domain.matters import (
    HandleKind,
    Material,
    MaterialType,
    Matter,
    Medium,
    Necessity,
    OriginalHandling,
    WindowFlow,
)
from zhanhe_counter.domain.windows import (
    HallDirectory,
    ServiceHall,
    ServiceHallLevel,
    WindowAuthority,
    WindowConfig,
    WindowKind,
)
from zhanhe_counter.domain.workdays import TimeLimit, TimeUnit, WorkCalendar, weekends_only

CALENDAR = WorkCalendar(weekends_only)
FRIDAY = date(2026, 11, 27)
CENTRE = ServiceHall("QZX", "湛河区政务服务中心", ServiceHallLevel.DISTRICT_CENTRE)


def material(name: str, **changes: object) -> Material:
    base = Material(name, MaterialType.ORIGINAL, OriginalHandling.COLLECT, 1, 0, Medium.PAPER)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


FORM = material("申请书")
ID_CARD = material(
    "身份证",
    material_type=MaterialType.ORIGINAL_AND_COPY,
    original_handling=OriginalHandling.INSPECT_AND_RETURN,
    copy_count=2,
)
RULES = material("规章制度", necessity=Necessity.SUPPLY_LATER, rongque_allowed=True)
BANK = material(
    "银行卡复印件",
    material_type=MaterialType.COPY,
    original_handling=OriginalHandling.NONE,
    original_count=0,
    copy_count=1,
    rongque_allowed=True,
)
LICENCE = material(
    "营业执照",
    material_type=MaterialType.COPY,
    original_handling=OriginalHandling.NONE,
    original_count=0,
    copy_count=1,
    shared_exempt=True,
)
PREMISES = material("场所证明", gaozhi_chengnuo=True)
PROXY = material("授权委托书", conditional_on="委托他人办理时")
MARRIAGE = material("离婚证", conditional_on="再婚的")
PHOTO = material("照片", necessity=Necessity.OPTIONAL)
PLEDGE = material("告知承诺书", conditional_on="选择告知承诺方式办理时", original_count=2)

FOOD = make_matter(
    id="ZH-001",
    name="食品经营许可",
    materials=(FORM, ID_CARD, RULES, LICENCE, PREMISES, PROXY, MARRIAGE, PHOTO, PLEDGE, BANK),
    promised_limit=TimeLimit(5, TimeUnit.WORKING_DAY),
)


def window_for(matter: Matter, authority: WindowAuthority) -> WindowConfig:
    return WindowConfig(
        "W", "3号综合窗口", WindowKind.UNDIFFERENTIATED, CENTRE, frozenset({matter.id}), authority
    )


def all_in_hand(matter: Matter, *skip: str) -> dict[str, MaterialRecord]:
    return {m.name: MaterialRecord.as_required(m) for m in matter.materials if m.name not in skip}


def run(
    matter: Matter = FOOD,
    records: dict[str, MaterialRecord] | None = None,
    *,
    authority: WindowAuthority = WindowAuthority.RECEIVE_ONLY,
    situation: ApplicantSituation | None = None,
    **kwargs: object,
) -> ChecklistResult:
    return evaluate(
        matter,
        window_for(matter, authority),
        situation or ApplicantSituation(),
        all_in_hand(matter) if records is None else records,
        received_on=FRIDAY,
        calendar=CALENDAR,
        **kwargs,  # type: ignore[arg-type]
    )


class TestApplicableMaterials:
    def test_unconditional_only_by_default(self) -> None:
        names = [m.name for m in applicable_materials(FOOD, ApplicantSituation())]
        assert "授权委托书" not in names
        assert "离婚证" not in names
        assert "告知承诺书" not in names
        assert names[:2] == ["申请书", "身份证"]

    def test_named_condition_applies(self) -> None:
        situation = ApplicantSituation(conditions=frozenset({"再婚的"}))
        names = [m.name for m in applicable_materials(FOOD, situation)]
        assert "离婚证" in names
        assert "授权委托书" not in names

    def test_agent_brings_the_proxy_materials_automatically(self) -> None:
        names = [m.name for m in applicable_materials(FOOD, ApplicantSituation(is_agent=True))]
        assert "授权委托书" in names
        assert "离婚证" not in names

    def test_gaozhi_pledge_applies_when_a_proof_is_replaced(self) -> None:
        names = [m.name for m in applicable_materials(FOOD, ApplicantSituation(), gaozhi_used=True)]
        assert "告知承诺书" in names

    def test_unknown_condition_is_an_error(self) -> None:
        with pytest.raises(ChecklistError) as raised:
            applicable_materials(FOOD, ApplicantSituation(conditions=frozenset({"再婚"})))
        assert "再婚" in raised.value.user_message


class TestComplete:
    def test_receive_on_spot_prints_receipt_handover_and_ticket(self) -> None:
        result = run()
        assert result.outcome is Outcome.COMPLETE
        assert result.flow is WindowFlow.RECEIVE_ON_SPOT
        assert not result.needs_backoffice_answer
        assert not result.completes_on_spot
        assert result.missing == ()
        assert result.rongque_items == ()
        assert result.supplement_due is None
        assert result.documents == (D.INTAKE_RECEIPT, D.HANDOVER_SHEET, D.THERMAL_TICKET)

    def test_optional_material_never_blocks(self) -> None:
        assert run(records=all_in_hand(FOOD, "照片")).outcome is Outcome.COMPLETE

    def test_accept_on_spot_with_authority_prints_acceptance_notice(self) -> None:
        matter = dataclasses.replace(FOOD, window_flow=WindowFlow.ACCEPT_ON_SPOT)
        result = run(matter, authority=WindowAuthority.ACCEPT_ON_SPOT)
        assert result.flow is WindowFlow.ACCEPT_ON_SPOT
        assert not result.needs_backoffice_answer
        assert result.documents == (D.ACCEPTANCE_NOTICE, D.HANDOVER_SHEET, D.THERMAL_TICKET)

    def test_accept_on_spot_without_authority_waits_for_the_back_office(self) -> None:
        matter = dataclasses.replace(FOOD, window_flow=WindowFlow.ACCEPT_ON_SPOT)
        result = run(matter, authority=WindowAuthority.RECEIVE_ONLY)
        assert result.needs_backoffice_answer
        assert result.documents == (D.HANDOVER_SHEET, D.THERMAL_TICKET)

    def test_complete_on_spot_by_an_authorised_window(self) -> None:
        matter = dataclasses.replace(FOOD, window_flow=WindowFlow.COMPLETE_ON_SPOT)
        result = run(matter, authority=WindowAuthority.DECIDE_ON_SPOT)
        assert result.completes_on_spot
        assert not result.needs_backoffice_answer
        # A permit completed on the spot: the written 受理 record and the approval decision.
        assert result.documents == (D.ACCEPTANCE_NOTICE, D.APPROVAL_DECISION, D.DELIVERY_RECEIPT)

    def test_complete_on_spot_of_a_public_service_prints_only_the_hand_out(self) -> None:
        matter = dataclasses.replace(
            FOOD, window_flow=WindowFlow.COMPLETE_ON_SPOT, matter_type="20"
        )
        result = run(matter, authority=WindowAuthority.DECIDE_ON_SPOT)
        assert result.documents == (D.DELIVERY_RECEIPT,)

    def test_complete_on_spot_by_the_back_office_while_waiting(self) -> None:
        matter = dataclasses.replace(FOOD, window_flow=WindowFlow.COMPLETE_ON_SPOT)
        result = run(matter, authority=WindowAuthority.ACCEPT_ON_SPOT)
        assert result.completes_on_spot
        assert result.needs_backoffice_answer
        # No 出件签收单 before a result exists: it is printed at delivery.
        assert result.documents == (D.HANDOVER_SHEET, D.THERMAL_TICKET)

    def test_pre_reviewed_immediate_matter_is_completed_on_the_spot(self) -> None:
        matter = dataclasses.replace(
            FOOD, window_flow=WindowFlow.ACCEPT_ON_SPOT, handle_kind=HandleKind.IMMEDIATE
        )
        result = run(matter, situation=ApplicantSituation(pre_reviewed_online=True))
        assert result.flow is WindowFlow.COMPLETE_ON_SPOT
        assert result.completes_on_spot

    def test_pre_reviewed_promised_matter_keeps_its_flow(self) -> None:
        result = run(situation=ApplicantSituation(pre_reviewed_online=True))
        assert result.flow is WindowFlow.RECEIVE_ON_SPOT
        assert not result.completes_on_spot

    def test_pre_reviewed_needs_only_the_originals(self) -> None:
        records = all_in_hand(FOOD)
        records["身份证"] = MaterialRecord.provided_original_checked()
        assert run(records=records).outcome is Outcome.INCOMPLETE
        reviewed = run(records=records, situation=ApplicantSituation(pre_reviewed_online=True))
        assert reviewed.outcome is Outcome.COMPLETE

    def test_shared_and_gaozhi_items_are_reported_and_pull_in_the_pledge(self) -> None:
        records = all_in_hand(FOOD)
        records["营业执照"] = MaterialRecord.shared_exempt()
        records["场所证明"] = MaterialRecord.gaozhi_chengnuo()
        del records["告知承诺书"]
        result = run(records=records)
        assert result.outcome is Outcome.INCOMPLETE
        assert [i.name for i in result.missing] == ["告知承诺书"]
        records["告知承诺书"] = MaterialRecord.provided(originals=2)
        result = run(records=records)
        assert result.outcome is Outcome.COMPLETE
        assert result.shared_items == ("营业执照",)
        assert result.gaozhi_items == ("场所证明",)


class TestRongque:
    def test_only_rongque_items_missing_gives_a_pledge_and_a_deadline(self) -> None:
        result = run(records=all_in_hand(FOOD, "规章制度"))
        assert result.outcome is Outcome.RONGQUE
        assert result.missing == ()
        assert [(i.number, i.name, i.problem) for i in result.rongque_items] == [
            (3, "规章制度", "缺少")
        ]
        assert result.supplement_due is not None
        assert result.supplement_due.date == date(2026, 12, 4)  # 5 working days after Friday
        assert result.documents == (
            D.INTAKE_RECEIPT,
            D.RONGQUE_PLEDGE,
            D.ONE_TIME_NOTICE,
            D.HANDOVER_SHEET,
            D.THERMAL_TICKET,
        )

    def test_non_conforming_rongque_item_counts_as_deferred(self) -> None:
        records = all_in_hand(FOOD)
        records["银行卡复印件"] = MaterialRecord.provided_copies(0)
        result = run(records=records)
        assert result.outcome is Outcome.RONGQUE
        assert result.rongque_items[0].problem == "复印件需 1 份，收到 0 份"

    def test_complete_on_spot_matter_is_accepted_instead(self) -> None:
        matter = dataclasses.replace(FOOD, window_flow=WindowFlow.COMPLETE_ON_SPOT)
        result = run(
            matter, all_in_hand(matter, "规章制度"), authority=WindowAuthority.DECIDE_ON_SPOT
        )
        assert result.flow is WindowFlow.ACCEPT_ON_SPOT
        assert not result.completes_on_spot
        assert not result.needs_backoffice_answer
        assert result.documents[:3] == (D.ACCEPTANCE_NOTICE, D.RONGQUE_PLEDGE, D.ONE_TIME_NOTICE)

    def test_applicant_may_decline_rongque(self) -> None:
        result = run(
            records=all_in_hand(FOOD, "规章制度"),
            situation=ApplicantSituation(accepts_rongque=False),
        )
        assert result.outcome is Outcome.INCOMPLETE

    def test_rongque_needs_the_main_materials_in_hand(self) -> None:
        matter = dataclasses.replace(FOOD, materials=(RULES, PHOTO))
        result = run(matter, {"照片": MaterialRecord.as_required(PHOTO)})
        assert result.outcome is Outcome.INCOMPLETE


class TestSupplementDeadline:
    def test_requested_days_shorter_than_promised(self) -> None:
        result = run(records=all_in_hand(FOOD, "规章制度"), supplement_days=2)
        assert result.supplement_due is not None
        assert result.supplement_due.date == date(2026, 12, 1)

    def test_requested_days_are_capped_by_the_promised_limit(self) -> None:
        due = supplement_due(FOOD, received_on=FRIDAY, calendar=CALENDAR, requested_days=30)
        assert due.date == date(2026, 12, 4)

    def test_natural_day_promise_caps_in_natural_days(self) -> None:
        matter = dataclasses.replace(FOOD, promised_limit=TimeLimit(3, TimeUnit.NATURAL_DAY))
        assert supplement_due(matter, received_on=FRIDAY, calendar=CALENDAR).date == date(
            2026, 11, 30
        )

    def test_hour_promise_ends_on_the_day_the_hours_run_out(self) -> None:
        matter = dataclasses.replace(FOOD, promised_limit=TimeLimit(48, TimeUnit.HOUR))
        assert supplement_due(matter, received_on=FRIDAY, calendar=CALENDAR).date == date(
            2026, 11, 29
        )

    @pytest.mark.parametrize("promised", [None, TimeLimit(0, TimeUnit.WORKING_DAY)])
    def test_zero_or_no_promise_uses_requested_or_default(self, promised: TimeLimit | None) -> None:
        matter = dataclasses.replace(FOOD, promised_limit=promised)
        default = supplement_due(matter, received_on=FRIDAY, calendar=CALENDAR)
        assert default.date == date(2026, 12, 4)
        other = supplement_due(matter, received_on=FRIDAY, calendar=CALENDAR, default_days=1)
        assert other.date == date(2026, 11, 30)
        asked = supplement_due(matter, received_on=FRIDAY, calendar=CALENDAR, requested_days=10)
        assert asked.date == date(2026, 12, 11)

    @pytest.mark.parametrize(("requested", "default"), [(0, 5), (None, 0), (-3, 5)])
    def test_deadline_must_be_at_least_one_day(self, requested: int | None, default: int) -> None:
        with pytest.raises(ChecklistError):
            supplement_due(
                FOOD,
                received_on=FRIDAY,
                calendar=CALENDAR,
                requested_days=requested,
                default_days=default,
            )


class TestIncomplete:
    def test_one_time_notice_lists_everything_at_once(self) -> None:
        records = all_in_hand(FOOD, "申请书", "规章制度")
        records["身份证"] = MaterialRecord.provided(copies=1)
        records["营业执照"] = MaterialRecord.not_conforming("已过期")
        records["场所证明"] = MaterialRecord.not_conforming("")
        records["银行卡复印件"] = MaterialRecord.provided(copies=1)
        records["告知承诺书"] = MaterialRecord.missing()  # not applicable: ignored
        situation = ApplicantSituation(is_agent=True)
        result = run(records=records, situation=situation)
        assert result.outcome is Outcome.INCOMPLETE
        assert [(i.number, i.name, i.problem) for i in result.missing] == [
            (1, "申请书", "缺少"),
            (2, "身份证", "未出示原件；复印件需 2 份，收到 1 份"),
            (3, "规章制度", "缺少"),
            (4, "营业执照", "不符合要求：已过期"),
            (5, "场所证明", "不符合要求"),
        ]
        assert result.missing[1].requirement == "出示原件，复印件 2 份"
        assert [i.rongque_allowed for i in result.missing] == [False, False, True, False, False]
        assert result.rongque_items == ()
        assert result.supplement_due is None
        assert result.documents == (D.ONE_TIME_NOTICE,)
        assert result.flow is WindowFlow.RECEIVE_ON_SPOT

    def test_too_few_collected_originals(self) -> None:
        records = all_in_hand(FOOD)
        records["申请书"] = MaterialRecord.provided(original_checked=True, originals=0)
        result = run(records=records)
        assert result.missing[0].problem == "原件需 1 份，收到 0 份"

    def test_agent_without_power_of_attorney(self) -> None:
        result = run(records=all_in_hand(FOOD, "授权委托书"))
        assert result.outcome is Outcome.COMPLETE
        result = run(
            records=all_in_hand(FOOD, "授权委托书"), situation=ApplicantSituation(is_agent=True)
        )
        assert [i.name for i in result.missing] == ["授权委托书"]


class TestClerkMistakes:
    @pytest.mark.parametrize(
        ("name", "record", "words"),
        [
            ("申请书", MaterialRecord.shared_exempt(), "数据共享"),
            ("申请书", MaterialRecord.gaozhi_chengnuo(), "告知承诺"),
            ("申请书", MaterialRecord.provided(originals=-1), "负数"),
            ("不存在的材料", MaterialRecord.missing(), "没有材料"),
        ],
    )
    def test_contradicting_the_catalogue_raises(
        self, name: str, record: MaterialRecord, words: str
    ) -> None:
        records = all_in_hand(FOOD)
        records[name] = record
        with pytest.raises(ChecklistError) as raised:
            run(records=records)
        assert words in raised.value.user_message

    def test_record_constructors(self) -> None:
        assert MaterialRecord.missing().state is RecordState.MISSING
        assert MaterialRecord.provided_copies(2).copies == 2
        assert MaterialRecord.as_required(ID_CARD) == MaterialRecord(
            RecordState.PROVIDED, original_checked=True, originals=0, copies=2
        )
        assert MaterialRecord.as_required(LICENCE).original_checked is False


class TestNotHandled:
    def test_refusal_names_where_the_matter_is_handled(self) -> None:
        elsewhere = WindowConfig(
            "QZX-05",
            "5号市场监管综合窗口",
            WindowKind.DOMAIN,
            CENTRE,
            departments=(FOOD.department,),
        )
        mine = window_for(make_matter(id="OTHER"), WindowAuthority.DECIDE_ON_SPOT)
        result = evaluate(
            FOOD,
            mine,
            ApplicantSituation(),
            {},
            received_on=FRIDAY,
            calendar=CALENDAR,
            directory=HallDirectory([mine, elsewhere]),
        )
        assert result.outcome is Outcome.NOT_HANDLED
        assert result.flow is None
        assert result.documents == ()
        assert result.refusal_message == (
            "本窗口（湛河区政务服务中心 3号综合窗口）不办理“食品经营许可”。"
            "该事项请到 湛河区政务服务中心 5号市场监管综合窗口 办理。"
        )

    def test_refusal_without_directory_names_the_department(self) -> None:
        mine = window_for(make_matter(id="OTHER"), WindowAuthority.DECIDE_ON_SPOT)
        result = evaluate(
            FOOD, mine, ApplicantSituation(), {}, received_on=FRIDAY, calendar=CALENDAR
        )
        assert result.refusal_message is not None
        assert result.refusal_message.endswith("请咨询湛河区测试局。")


def test_outcome_labels() -> None:
    assert [o.label for o in Outcome] == ["材料齐全", "容缺收件", "一次性告知", "本窗口不办理"]
