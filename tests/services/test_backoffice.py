"""The back-office workbench on a demo station: every queue, every action, the clocks."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from tests.services.followthrough_support import (
    CLERK,
    REVIEWER,
    Followthrough,
    build_followthrough,
)
from zhanhe_counter.adapters.clock import CHINA_TIME
from zhanhe_counter.domain.case import CaseStatus, IllegalTransition
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.domain.payloads import InspectionKind, MaterialItem
from zhanhe_counter.services.backoffice_queues import QueueKind
from zhanhe_counter.services.document_dispatch import DocumentPrinter
from zhanhe_counter.services.documents import DocumentRequest
from zhanhe_counter.services.urgency import Urgency


@pytest.fixture
def ft(tmp_path: Path) -> Iterator[Followthrough]:
    built = build_followthrough(tmp_path)
    yield built
    built.station.close()


# ----------------------------------------------------------------------------- 20 minutes


def test_answer_request_counts_down_twenty_office_minutes(ft: Followthrough) -> None:
    case = ft.open_case("ZH-018")
    [item] = ft.backoffice.queue(QueueKind.ANSWER)
    assert item.case_id == case.case_id
    assert item.countdown == "剩余 20分00秒"
    assert item.urgency is Urgency.OK
    ft.clock.advance(minutes=16)
    [item] = ft.backoffice.queue(QueueKind.ANSWER)
    assert item.countdown == "剩余 4分00秒"
    assert item.urgency is Urgency.DUE_SOON


def test_answer_request_past_twenty_minutes_is_overdue(ft: Followthrough) -> None:
    ft.open_case("ZH-018")
    ft.clock.advance(minutes=25)
    [item] = ft.backoffice.overdue_answers()
    assert item.urgency is Urgency.OVERDUE
    assert item.countdown == "已超时 5分00秒"


def test_lunch_break_does_not_eat_the_twenty_minutes(ft: Followthrough) -> None:
    ft.clock.set(datetime(2026, 11, 26, 11, 50, tzinfo=CHINA_TIME))
    ft.open_case("ZH-018")
    ft.clock.set(datetime(2026, 11, 26, 13, 0, tzinfo=CHINA_TIME))  # lunch: 10 minutes used
    [item] = ft.backoffice.queue(QueueKind.ANSWER)
    assert item.due_at == datetime(2026, 11, 26, 14, 40, tzinfo=CHINA_TIME)
    assert item.countdown == "剩余 10分00秒"


def test_accepting_the_request_answers_the_counter_with_the_acceptance_notice(
    ft: Followthrough,
) -> None:
    case = ft.open_case("ZH-018")
    assert ft.backoffice.answer_for(case.case_id) is None
    ft.clock.advance(minutes=7)
    result = ft.backoffice.accept(case.case_id, REVIEWER.staff_id)
    assert result.case.status is CaseStatus.ACCEPTED
    assert not result.case.deemed_accepted
    answer = ft.backoffice.answer_for(case.case_id)
    assert answer is not None
    assert answer.accepted
    assert answer.answered_by == REVIEWER.staff_id
    assert [d.kind for d in answer.documents] == [DocumentKind.ACCEPTANCE_NOTICE]
    assert ft.backoffice.queue(QueueKind.ANSWER) == []


def test_refusing_the_request_gives_reasons_and_relief_to_the_counter(ft: Followthrough) -> None:
    case = ft.open_case("ZH-018")
    ft.backoffice.refuse(case.case_id, ["申请事项不属于本机关职权范围", " "], REVIEWER.staff_id)
    answer = ft.backoffice.answer_for(case.case_id)
    assert answer is not None
    assert not answer.accepted
    assert answer.reasons == ("申请事项不属于本机关职权范围",)
    [notice] = answer.documents
    assert notice.kind is DocumentKind.REFUSAL_NOTICE
    assert notice.values["reasons"] == ["申请事项不属于本机关职权范围"]
    assert notice.values["reconsideration_days"] == 60
    refused = ft.station.store.events_for_case(case.case_id)[-1]
    assert "行政复议" in refused.payload["relief"]


def test_refusal_without_reasons_is_refused_in_chinese(ft: Followthrough) -> None:
    case = ft.open_case("ZH-018")
    with pytest.raises(DomainError) as error:
        ft.backoffice.refuse(case.case_id, ["  "], REVIEWER.staff_id)
    assert error.value.user_message == "不予受理须写明理由"
    assert ft.station.store.case_state(case.case_id).status is CaseStatus.PENDING_BACKOFFICE


# ----------------------------------------------------------------------------- 5 working days


def test_received_case_waits_five_working_days_then_is_deemed_accepted(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005")
    [item] = ft.backoffice.queue(QueueKind.ACCEPTANCE)
    assert item.due_on == date(2026, 12, 3)  # Thu 26 Nov + 5 working days
    assert item.working_days_left == 5
    ft.clock.set(datetime(2026, 12, 4, 9, 0, tzinfo=CHINA_TIME))
    [item] = ft.backoffice.queue(QueueKind.ACCEPTANCE)
    assert item.urgency is Urgency.OVERDUE
    assert item.countdown.endswith("（视为受理）")
    accepted = ft.backoffice.accept(case.case_id, REVIEWER.staff_id).case
    assert accepted.deemed_accepted


def test_acceptance_in_time_is_not_deemed_and_sets_the_promised_date(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005")
    ft.clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=CHINA_TIME))  # Monday
    result = ft.backoffice.accept(case.case_id, REVIEWER.staff_id)
    assert not result.case.deemed_accepted
    # 20 working days counted from the acceptance day, not from receipt.
    assert result.case.promised_due == ft.station.calendar.add_workdays(date(2026, 11, 30), 20).date
    notice, service = result.documents
    assert notice.values["promised_date"] == result.case.promised_due.isoformat()
    # Issued at the back office, away from the applicant: its service must be proven.
    assert service.kind is DocumentKind.SERVICE_RECORD
    assert service.values["document_title"] == "受理通知书"
    assert notice.values["clerk_name"] == REVIEWER.name  # the name, never the login id


def test_one_time_notice_then_supplement_restarts_the_acceptance_clock(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005")
    items = [MaterialItem("2", "户口簿", "复印件不清晰")]
    result = ft.backoffice.notify_once(case.case_id, items, REVIEWER.staff_id)
    assert result.case.status is CaseStatus.NOTIFIED
    # No rule gives 高龄津贴 a supplement deadline: none is invented (行政许可法第三十二条).
    assert result.case.notice_due is None
    assert result.documents[0].kind is DocumentKind.ONE_TIME_NOTICE
    assert result.documents[0].values["deadline"] is None
    assert result.documents[0].values["consequence"] is None
    assert ft.backoffice.queue(QueueKind.ACCEPTANCE) == []
    with pytest.raises(IllegalTransition) as again:
        ft.backoffice.notify_once(case.case_id, items, REVIEWER.staff_id)
    assert again.value.user_message == "一次性告知只能出具一次"
    ft.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=CHINA_TIME))
    ft.supplements.receive(case.case_id, ["2"], CLERK.staff_id)
    [item] = ft.backoffice.queue(QueueKind.ACCEPTANCE)
    assert item.due_on == date(2026, 12, 8)  # 5 working days from the completed supplement


# ----------------------------------------------------------------------------- decision


def test_review_approve_certificate_and_handover(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005", missing=[3])  # 容缺: the original is collected at delivery
    ft.backoffice.accept(case.case_id, REVIEWER.staff_id)
    [item] = ft.backoffice.queue(QueueKind.REVIEW)
    assert item.case_id == case.case_id
    ft.backoffice.inspect(case.case_id, InspectionKind.SIMPLE, "现场核实居住情况属实", "wangqiang")
    ft.backoffice.inspect(case.case_id, InspectionKind.PROFESSIONAL, "专业核查无异常", "wangqiang")
    assert ft.backoffice.case(case.case_id).inspections == 2
    ft.backoffice.approve(case.case_id, REVIEWER.staff_id)
    [item] = ft.backoffice.queue(QueueKind.FINISHING)
    assert item.status is CaseStatus.DECIDED_APPROVED
    made = ft.backoffice.make_certificate(
        case.case_id, REVIEWER.staff_id, certificate_number=" GL-2026-0042 "
    )
    assert made.case.certificate_number == "GL-2026-0042"
    collect = ft.backoffice.default_collect_list(case.case_id)
    assert collect == ["本人银行卡（指定发放银行）（原件）", "受理通知书或收件凭证"]
    handed = ft.backoffice.hand_to_delivery(
        case.case_id, REVIEWER.staff_id, actor_name=REVIEWER.name
    )
    assert handed.case.status is CaseStatus.READY_FOR_DELIVERY
    assert handed.case.collect_at_delivery == tuple(collect)
    [sheet] = handed.documents
    assert sheet.kind is DocumentKind.HANDOVER_SHEET
    assert sheet.values["collect_at_delivery"] == collect
    assert sheet.values["handed_by"] == "张敏"  # the front desk's leg
    assert sheet.values["returned_by"] == "王强"  # the back office's leg, by name
    assert ft.backoffice.queue(QueueKind.FINISHING) == []


def test_refused_decision_carries_reasons_and_relief_rights(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005")
    ft.backoffice.accept(case.case_id, REVIEWER.staff_id)
    result = ft.backoffice.refuse_decision(
        case.case_id, ["申请人年龄未满80周岁"], REVIEWER.staff_id, basis="《高龄津贴发放办法》"
    )
    state = result.case
    assert state.status is CaseStatus.DECIDED_REFUSED
    assert state.decision_reasons == ("申请人年龄未满80周岁",)
    assert state.decision_relief is not None
    assert "湛河区人民政府申请行政复议" in state.decision_relief
    assert "提起行政诉讼" in state.decision_relief


def pdf_text(ft: Followthrough, document: DocumentRequest, tmp_path: Path) -> str:
    rendered = ft.station.renderer.render_pdf(document.kind, document.values)
    pdf = tmp_path / f"{document.kind.value}-{uuid4()}.pdf"
    pdf.write_bytes(rendered.content)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return re.sub(r"\s+", "", text)


def test_refused_decision_prints_the_written_decision_and_goes_to_delivery(
    ft: Followthrough, tmp_path: Path
) -> None:
    case = ft.open_case("ZH-005", missing=[3])  # a 容缺 pledge is void once refused
    ft.backoffice.accept(case.case_id, REVIEWER.staff_id)
    reasons = ["申请人年龄未满80周岁，不符合发放条件", "申请人户籍不在本区"]
    result = ft.backoffice.refuse_decision(
        case.case_id, reasons, REVIEWER.staff_id, basis="《高龄津贴发放办法》第五条"
    )
    [decision] = result.documents
    assert decision.kind is DocumentKind.REFUSAL_DECISION
    values = decision.values
    assert values["decision"] == "不予办理"  # 高龄津贴 is 行政给付, not a permit
    assert values["issuing_body"] == "湛河区民政局"  # the deciding department
    assert values["reasons"] == reasons
    assert values["legal_basis"] == "《高龄津贴发放办法》第五条"
    assert values["doc_no"] == values["case_no"] == case.case_number
    assert values["reconsideration_body"] == "湛河区人民政府"
    assert (values["reconsideration_days"], values["litigation_months"]) == (60, 6)
    text = pdf_text(ft, decision, tmp_path)
    assert "不予办理决定书" in text
    for reason in reasons:
        assert reason in text
    assert "60日内向湛河区人民政府申请行政复议" in text
    assert "6个月内依法向演示人民法院提起行政诉讼" in text  # the court from the settings
    assert "《高龄津贴发放办法》第五条" in text
    # A reprint from the stored event says the same.
    assert ft.backoffice.refusal_decision(case.case_id) == decision

    [item] = ft.backoffice.queue(QueueKind.FINISHING)
    assert (item.case_id, item.status) == (case.case_id, CaseStatus.DECIDED_REFUSED)
    assert ft.backoffice.default_collect_list(case.case_id) == []
    with pytest.raises(IllegalTransition) as error:
        ft.backoffice.make_certificate(case.case_id, REVIEWER.staff_id)
    assert error.value.user_message == "办件不予办理，不能制证"
    handed = ft.backoffice.hand_to_delivery(
        case.case_id, REVIEWER.staff_id, actor_name=REVIEWER.name
    )
    assert handed.case.status is CaseStatus.READY_FOR_DELIVERY
    assert handed.case.collect_at_delivery == ()
    assert handed.case.outstanding_rongque == ()
    [sheet] = handed.documents
    assert sheet.kind is DocumentKind.HANDOVER_SHEET
    assert sheet.values["results"] == [f"不予办理决定书（{case.case_number}）"]
    assert sheet.values["collect_at_delivery"] == []
    assert "不予办理决定书" in pdf_text(ft, sheet, tmp_path)
    assert ft.backoffice.queue(QueueKind.FINISHING) == []


def test_refusal_without_any_legal_basis_cannot_be_recorded(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005")  # 高龄津贴: the catalogue registers no 设定依据
    ft.backoffice.accept(case.case_id, REVIEWER.staff_id)
    with pytest.raises(DomainError) as error:
        ft.backoffice.refuse_decision(case.case_id, ["年龄未满80周岁"], REVIEWER.staff_id)
    assert "法律、法规条款" in error.value.user_message
    assert ft.backoffice.case(case.case_id).status is CaseStatus.ACCEPTED


def test_refused_permit_reads_not_permitted_with_the_licensing_law_by_default(
    ft: Followthrough, tmp_path: Path
) -> None:
    case = ft.open_case("ZH-010")  # 建筑工程施工许可证核发: a 行政许可
    ft.backoffice.accept(case.case_id, REVIEWER.staff_id)
    with pytest.raises(DomainError) as none_yet:
        ft.backoffice.refusal_decision(case.case_id)
    assert none_yet.value.user_message == "该办件没有不予办理决定"
    result = ft.backoffice.refuse_decision(case.case_id, ["经营场所不符合要求"], "wangqiang")
    [decision] = result.documents
    assert decision.values["decision"] == "不予行政许可"
    # The catalogue's 设定依据 with the procedural article, never Art. 38 alone.
    assert decision.values["legal_basis"] == (
        "《中华人民共和国建筑法》第八条、《建筑工程施工许可管理办法》"
        "和《中华人民共和国行政许可法》第三十八条"
    )
    text = pdf_text(ft, decision, tmp_path)
    assert "不予行政许可决定书" in text
    assert "本机关决定不予行政许可" in text
    assert "经营场所不符合要求" in text
    assert "行政复议" in text
    assert "行政诉讼" in text


def test_approved_case_has_no_refusal_decision(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005")
    ft.backoffice.accept(case.case_id, REVIEWER.staff_id)
    ft.backoffice.approve(case.case_id, REVIEWER.staff_id)
    with pytest.raises(DomainError) as error:
        ft.backoffice.refusal_decision(case.case_id)
    assert error.value.user_message == "该办件没有不予办理决定"


def test_actions_the_state_forbids_are_refused_in_chinese(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005")
    with pytest.raises(IllegalTransition) as error:
        ft.backoffice.approve(case.case_id, REVIEWER.staff_id)
    assert error.value.user_message == "办件已收件，不能作出决定"


def test_a_retried_action_is_recorded_once(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005")
    event_id = uuid4()
    ft.backoffice.accept(case.case_id, REVIEWER.staff_id, event_id=event_id)
    again = ft.backoffice.accept(case.case_id, REVIEWER.staff_id, event_id=event_id)
    kinds = [e.kind for e in again.case.timeline]
    assert kinds.count(EventKind.ACCEPTED) == 1


def test_department_contact_is_one_call_away(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005")
    line = ft.backoffice.contact_line(case.case_id)
    assert line.startswith("湛河区民政局")
    assert "电话 0375-" in line


def test_documents_render_against_their_templates_and_queue_once(ft: Followthrough) -> None:
    refused = ft.open_case("ZH-005")  # 当场收件: refused at the back office, served by 送达回证
    notice = ft.backoffice.refuse(refused.case_id, ["不属于本机关职权范围"], "wangqiang")
    noticed = ft.open_case("ZH-005")
    one_time = ft.backoffice.notify_once(
        noticed.case_id, [MaterialItem("2", "户口簿", "缺少")], "wangqiang"
    )
    accepted = ft.open_case("ZH-005")
    acceptance = ft.backoffice.accept(accepted.case_id, "wangqiang")
    ft.backoffice.approve(accepted.case_id, "wangqiang")
    handover = ft.backoffice.hand_to_delivery(accepted.case_id, "wangqiang", actor_name="王强")

    def queue(case_id: UUID, documents: Sequence[DocumentRequest], request_id: UUID) -> list:
        return DocumentPrinter(
            renderer=ft.station.renderer,
            print_service=ft.station.print_service,
            printers=ft.station.printer_roles,
        ).print(
            case_id,
            documents,
            request_id=request_id,
            actor="wangqiang",
        )

    # The renderer checks every value against the template's declared fields.
    assert len(queue(refused.case_id, notice.documents, uuid4())) == 2
    assert len(queue(noticed.case_id, one_time.documents, uuid4())) == 2
    assert len(queue(accepted.case_id, acceptance.documents, uuid4())) == 2
    request_id = uuid4()
    first = queue(accepted.case_id, handover.documents, request_id)
    second = queue(accepted.case_id, handover.documents, request_id)
    assert [j.job_id for j in first] == [j.job_id for j in second]
    kinds = [h.kind for h in ft.station.print_service.history_for_case(accepted.case_id)]
    assert kinds == ["acceptance_notice", "service_record", "handover_sheet"]
