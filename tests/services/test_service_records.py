"""送达 recorded per flow (issue 15, Deliver 3): the back office's notices, the delivery
window's decisions (mailed: the waybill at dispatch, the signed-for date later), and the 送达回证
that says how, read back from the PDF."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from tests.services.followthrough_support import (
    APPLICANT_ID,
    DELIVERY_CLERK,
    REVIEWER,
    Followthrough,
    build_followthrough,
)
from tests.services.test_backoffice import pdf_text
from zhanhe_counter.adapters.storage.owed_documents import SqliteOwedDocuments
from zhanhe_counter.cli import app
from zhanhe_counter.domain.case import IllegalTransition
from zhanhe_counter.domain.china_time import china_date, date_text
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.domain.notice_service import unserved
from zhanhe_counter.domain.payloads import ReceiverRole, ServiceMethod
from zhanhe_counter.services.documents import DocumentRequest
from zhanhe_counter.services.notice_service import to_serve


@pytest.fixture
def ft(tmp_path: Path) -> Iterator[Followthrough]:
    built = build_followthrough(tmp_path)
    yield built
    built.station.close()


def _service_record(ft: Followthrough, case_id: UUID) -> DocumentRequest:
    state = ft.backoffice.case(case_id)
    return ft.station.documents.build(DocumentKind.SERVICE_RECORD, state, clerk_name="王强")


def test_a_mailed_notice_is_served_on_its_signed_for_date(
    ft: Followthrough, tmp_path: Path
) -> None:
    case = ft.open_case("ZH-005")  # 当场收件: the back office accepts and sends the notice
    accepted = ft.backoffice.accept(case.case_id, REVIEWER.staff_id)
    kinds = [d.kind for d in accepted.documents]
    assert kinds == [DocumentKind.ACCEPTANCE_NOTICE, DocumentKind.SERVICE_RECORD]
    before = pdf_text(ft, accepted.documents[1], tmp_path)
    assert "□直接送达□邮寄送达（运单号：＿＿＿＿＿＿＿＿）□电子送达" in before  # not served yet
    notices = ft.backoffice.notices
    today = china_date(ft.clock.now())
    mailed = notices.mailed(
        case.case_id, DocumentKind.ACCEPTANCE_NOTICE, "中国邮政EMS", "1180 0000 0000 1", "wangqiang"
    )
    (mailing,) = mailed.services
    assert (mailing.waybill, mailing.dispatched_on, mailing.complete) == (
        "1180000000001",
        today,
        False,
    )
    assert unserved(mailed) == (DocumentKind.ACCEPTANCE_NOTICE,)
    assert [r.waybill for r in ft.delivery.notices.pending_mail(case.case_id)] == ["1180000000001"]
    with pytest.raises(DomainError) as future:
        ft.delivery.signed_for(case.case_id, "1180000000001", today + timedelta(days=1), "lina")
    assert future.value.user_message == "签收日期不能晚于今天"
    with pytest.raises(DomainError) as unknown:
        ft.delivery.signed_for(case.case_id, "1180000000002", today, "lina")
    assert unknown.value.user_message == "该办件没有待签收的运单号1180000000002"
    ft.clock.advance(days=2)
    signed_on = today + timedelta(days=1)
    signed = ft.delivery.signed_for(case.case_id, "11800000-00001", signed_on, "lina")
    assert signed.services[0].served_on == signed_on
    assert unserved(signed) == ()
    text = pdf_text(ft, _service_record(ft, case.case_id), tmp_path)
    assert "□直接送达■邮寄送达（运单号：中国邮政EMS1180000000001）□电子送达" in text
    assert f"送达日期{date_text(signed_on)}" in text
    assert "受理通知书" in text


def test_a_notice_handed_over_in_person_prints_the_receiver(
    ft: Followthrough, tmp_path: Path
) -> None:
    case = ft.open_case("ZH-005", missing=[1, 3, 4])  # incomplete: 一次性告知书 at the window
    assert [s.document for s in case.services] == [DocumentKind.ONE_TIME_NOTICE]
    refused_case = ft.open_case("ZH-005")
    ft.backoffice.refuse(refused_case.case_id, ["不属于本区管辖"], REVIEWER.staff_id)
    served = ft.backoffice.notices.in_person(
        refused_case.case_id,
        DocumentKind.REFUSAL_NOTICE,
        "王五",
        "wangqiang",
        role=ReceiverRole.AGENT,
    )
    assert served.services[0].method is ServiceMethod.IN_PERSON
    with pytest.raises(IllegalTransition) as twice:
        ft.backoffice.notices.in_person(
            refused_case.case_id, DocumentKind.REFUSAL_NOTICE, "王五", "wangqiang"
        )
    assert twice.value.user_message == "该办件没有待送达的文书"
    with pytest.raises(DomainError) as no_consent:
        ft.backoffice.notices.electronic(
            case.case_id, DocumentKind.ONE_TIME_NOTICE, "a@b.cn", "wangqiang", consent=False
        )
    assert no_consent.value.user_message == "电子送达须经受送达人同意"
    text = pdf_text(ft, _service_record(ft, refused_case.case_id), tmp_path)
    assert "■直接送达□邮寄送达" in text
    assert "签收人王五" in text
    assert "不予受理通知书" in text


def test_a_permit_mailed_at_delivery_serves_its_decision(ft: Followthrough) -> None:
    case = ft.ready_for_delivery("ZH-010")  # a 行政许可: its 准予行政许可决定书 is served
    result = ft.delivery.express(
        case.case_id, "中国邮政EMS", "1190823456781", DELIVERY_CLERK.staff_id
    )
    kinds = [e.kind for e in ft.station.store.events_for_case(case.case_id)[-2:]]
    assert kinds == [EventKind.DELIVERED, EventKind.NOTICE_SERVED]  # one transaction
    decision = [s for s in result.case.services if s.document is DocumentKind.APPROVAL_DECISION]
    assert [(s.method, s.waybill, s.complete) for s in decision] == [
        (ServiceMethod.POST, "1190823456781", False)
    ]
    signed = ft.delivery.signed_for(
        case.case_id, "1190823456781", china_date(ft.clock.now()), "lina"
    )
    assert DocumentKind.APPROVAL_DECISION not in unserved(signed)


def test_a_pickup_serves_the_decision_with_the_signature(ft: Followthrough) -> None:
    permit = ft.ready_for_delivery("ZH-010")
    receiver = ft.delivery.verify_receiver(permit.case_id, "刘䶮", APPLICANT_ID)
    picked = ft.delivery.pickup(
        permit.case_id, receiver, list(permit.collect_at_delivery), "lina", signature_png=b"png"
    )
    (served,) = [s for s in picked.case.services if s.document is DocumentKind.APPROVAL_DECISION]
    assert (served.receiver, served.signature_file) == ("刘䶮", picked.signature_file)
    # A non-permit's result is the certificate itself: no decision to serve.
    benefit = ft.ready_for_delivery("ZH-005")
    receiver = ft.delivery.verify_receiver(benefit.case_id, "刘䶮", APPLICANT_ID)
    handed = ft.delivery.pickup(
        benefit.case_id, receiver, list(benefit.collect_at_delivery), "lina"
    )
    assert all(s.document is not DocumentKind.APPROVAL_DECISION for s in handed.case.services)


def test_the_delivery_receipt_is_owed_with_the_hand_out(ft: Followthrough) -> None:
    case = ft.ready_for_delivery()
    result = ft.delivery.express(case.case_id, "中国邮政EMS", "1190823456782", "lina")
    owed = SqliteOwedDocuments(ft.station.engine, ft.station.clock).pending()
    pending = [o for o in owed if o.case_id == case.case_id and not o.at_window]
    # The back office's (not printed in this test) and the hand-out's, each under its action.
    assert ("delivery_receipt", result.request_id) in [(o.kind, o.request_id) for o in pending]


def test_the_case_detail_and_the_cases_listing_show_the_service(
    ft: Followthrough, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = ft.open_case("ZH-005")
    ft.backoffice.accept(case.case_id, REVIEWER.staff_id)
    ft.backoffice.notices.mailed(
        case.case_id, DocumentKind.ACCEPTANCE_NOTICE, "中国邮政EMS", "1180000000001", "wangqiang"
    )
    detail = ft.station.case_history.open(case.case_id, "wangqiang", ("backoffice",))
    served = [e for e in detail.timeline if e.kind is EventKind.NOTICE_SERVED]
    assert [e.label for e in served] == ["送达文书"]
    assert served[0].detail.startswith("受理通知书 · 邮寄送达 中国邮政EMS 1180000000001（")
    assert detail.service.endswith("待签收）；待送达：受理通知书")
    ft.station.close()
    assert app.main(["--data-dir", str(ft.station.data_dir), "cases", "--json"]) == 0
    rows = {row["case_id"]: row for row in json.loads(capsys.readouterr().out)}
    service = rows[str(case.case_id)]["service"]
    assert service["waiting"] == ["acceptance_notice"]
    assert [(s["method"], s["waybill"], s["complete"]) for s in service["served"]] == [
        ("post", "1180000000001", False)
    ]


def test_a_non_permit_approval_waits_for_no_decision_to_be_served(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005")  # 高龄津贴: a 行政给付, its result is the benefit itself
    ft.backoffice.accept(case.case_id, REVIEWER.staff_id)
    state = ft.backoffice.approve(case.case_id, REVIEWER.staff_id).case
    assert to_serve(state, ft.station.catalogue) == (DocumentKind.ACCEPTANCE_NOTICE,)
    assert DocumentKind.APPROVAL_DECISION in unserved(state)  # the domain alone cannot tell
