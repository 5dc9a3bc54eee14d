"""The delivery window: find by scan, number or card; identity; collect; sign or express."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from tests.services.followthrough_support import (
    AGENT_ID,
    APPLICANT_ID,
    DELIVERY_CLERK,
    REVIEWER,
    WITH_AGENT,
    Followthrough,
    build_followthrough,
)
from zhanhe_counter.domain.case import CaseState, CaseStatus
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.payloads import DeliveryMode
from zhanhe_counter.services.delivery import ReceiverRole
from zhanhe_counter.services.document_dispatch import DocumentPrinter
from zhanhe_counter.services.documents import DocumentRequest
from zhanhe_counter.services.ports.printing import PrintJobRecord

PNG = b"\x89PNG\r\n\x1a\n" + b"signature-pixels" * 8
NEW_AGENT_ID = "410411199001010015"  # a valid GB 11643 number


@pytest.fixture
def ft(tmp_path: Path) -> Iterator[Followthrough]:
    built = build_followthrough(tmp_path)
    yield built
    built.station.close()


def test_found_by_barcode_qr_code_typed_number_and_card(ft: Followthrough) -> None:
    case = ft.ready_for_delivery()
    number = case.case_number or ""
    qr = ft.station.progress_url(number)
    typed = " ".join([number[:6], number[6:8], number[8:].lower()])
    for text in (number, qr, typed, APPLICANT_ID):
        [found] = ft.delivery.find(text)
        assert found.case_id == case.case_id
        assert found.ready


def test_misread_number_says_so_in_chinese(ft: Followthrough) -> None:
    case = ft.ready_for_delivery()
    number = case.case_number or ""
    wrong = number[:-1] + ("A" if number[-1] != "A" else "B")
    with pytest.raises(DomainError) as error:
        ft.delivery.find(wrong)
    assert "校验位" in error.value.user_message


def test_case_not_yet_ready_is_shown_but_cannot_be_handed_out(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005")
    [found] = ft.delivery.find(case.case_number or "")
    assert not found.ready
    assert found.status_text == "已收件，尚不能出件"
    receiver = ft.delivery.verify_receiver(case.case_id, "刘䶮", APPLICANT_ID)
    with pytest.raises(DomainError) as error:
        ft.delivery.pickup(case.case_id, receiver, [], DELIVERY_CLERK.staff_id)
    assert error.value.user_message == "该办件已收件，不能出件"


def test_identity_of_applicant_agent_and_stranger(ft: Followthrough) -> None:
    case = ft.ready_for_delivery(applicant=WITH_AGENT)
    applicant = ft.delivery.verify_receiver(case.case_id, "刘䶮", APPLICANT_ID)
    assert applicant.role is ReceiverRole.APPLICANT
    assert applicant.id_masked == "410411********1239"
    assert APPLICANT_ID not in repr(applicant)
    agent = ft.delivery.verify_receiver(case.case_id, "王五", AGENT_ID)
    assert agent.role is ReceiverRole.AGENT
    with pytest.raises(DomainError) as wrong_name:
        ft.delivery.verify_receiver(case.case_id, "王六", AGENT_ID)
    assert "姓名不符" in wrong_name.value.user_message
    with pytest.raises(DomainError) as stranger:
        ft.delivery.verify_receiver(case.case_id, "赵六", NEW_AGENT_ID)
    assert "授权委托书" in stranger.value.user_message
    holder = ft.delivery.verify_receiver(
        case.case_id, "赵六", NEW_AGENT_ID, letter_of_authority=True
    )
    assert holder.role is ReceiverRole.NEW_AGENT


def test_pickup_needs_every_listed_material_and_keeps_the_signature(ft: Followthrough) -> None:
    case = ft.ready_for_delivery(missing=[3])
    listed = list(case.collect_at_delivery)
    assert listed == ["本人银行卡（指定发放银行）（原件）", "受理通知书或收件凭证"]
    receiver = ft.delivery.verify_receiver(case.case_id, "刘䶮", APPLICANT_ID)
    with pytest.raises(DomainError) as missing:
        ft.delivery.pickup(case.case_id, receiver, listed[:1], DELIVERY_CLERK.staff_id)
    assert missing.value.user_message == "尚未收取：受理通知书或收件凭证"
    result = ft.delivery.pickup(
        case.case_id,
        receiver,
        listed,
        DELIVERY_CLERK.staff_id,
        actor_name=DELIVERY_CLERK.name,
        signature_png=PNG,
    )
    assert result.case.status is CaseStatus.DELIVERED
    assert result.case.delivery is not None
    assert result.case.delivery.mode is DeliveryMode.PICKUP
    assert result.case.delivery.signer == "刘䶮"
    assert result.signature_file is not None
    # Kept inside the encrypted database, not as a file in the data folder.
    assert not (ft.station.data_dir / result.signature_file).exists()
    assert ft.delivery.signature_of(case.case_id) == PNG
    delivered = ft.station.store.events_for_case(case.case_id)[-1]
    assert delivered.payload["signature_file"] == result.signature_file
    assert delivered.payload["receiver_id_masked"] == "410411********1239"
    assert APPLICANT_ID not in str(delivered.payload)
    [receipt] = result.documents
    assert receipt.kind is DocumentKind.DELIVERY_RECEIPT
    assert receipt.values["collected"] == listed
    assert receipt.values["receiver_relation"] == "本人"
    jobs = DocumentPrinter(
        renderer=ft.station.renderer,
        print_service=ft.station.print_service,
        printers=ft.station.printer_roles,
    ).print(
        case.case_id,
        result.documents,
        request_id=uuid4(),
        actor=DELIVERY_CLERK.staff_id,
    )
    assert [j.kind for j in jobs] == ["delivery_receipt"]


def test_express_records_courier_and_waybill(ft: Followthrough) -> None:
    case = ft.ready_for_delivery()
    with pytest.raises(DomainError) as bad:
        ft.delivery.express(case.case_id, "中国邮政EMS", "12-34", DELIVERY_CLERK.staff_id)
    assert bad.value.user_message == "运单号应为8至30位字母或数字，请核对"
    result = ft.delivery.express(
        case.case_id,
        "中国邮政EMS",
        "1190 8234 5678 1",
        DELIVERY_CLERK.staff_id,
        address="河南省平顶山市湛河区曹镇乡某村3组18号",
    )
    delivery = result.case.delivery
    assert delivery is not None
    assert (delivery.mode, delivery.carrier, delivery.waybill) == (
        DeliveryMode.EXPRESS,
        "中国邮政EMS",
        "1190823456781",
    )
    [receipt] = result.documents
    assert receipt.values["method"] == "邮寄送达"
    assert receipt.values["waybill_no"] == "1190823456781"
    DocumentPrinter(
        renderer=ft.station.renderer,
        print_service=ft.station.print_service,
        printers=ft.station.printer_roles,
    ).print(
        case.case_id,
        result.documents,
        request_id=uuid4(),
        actor=DELIVERY_CLERK.staff_id,
    )


def test_a_delivered_case_cannot_be_delivered_twice(ft: Followthrough) -> None:
    case = ft.ready_for_delivery()
    ft.delivery.express(case.case_id, "顺丰速运", "SF1234567890", DELIVERY_CLERK.staff_id)
    with pytest.raises(DomainError) as again:
        ft.delivery.express(case.case_id, "顺丰速运", "SF1234567890", DELIVERY_CLERK.staff_id)
    assert again.value.user_message == "该办件已出件，不能出件"


# ----------------------------------------------------------------------------- refusal decisions


def refused_and_handed_over(ft: Followthrough) -> tuple[CaseState, DocumentRequest]:
    """A case refused after review (不予办理决定书 printed), handed to the delivery window."""
    case = ft.open_case("ZH-005")
    ft.backoffice.accept(case.case_id, REVIEWER.staff_id)
    [decision] = ft.backoffice.refuse_decision(
        case.case_id, ["申请人年龄未满80周岁"], REVIEWER.staff_id, basis="《高龄津贴发放办法》"
    ).documents
    handed = ft.backoffice.hand_to_delivery(case.case_id, REVIEWER.staff_id).case
    return handed, decision


def pdf_text(ft: Followthrough, document: DocumentRequest, tmp_path: Path) -> str:
    rendered = ft.station.renderer.render_pdf(document.kind, document.values)
    pdf = tmp_path / f"{document.kind.value}-{uuid4()}.pdf"
    pdf.write_bytes(rendered.content)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return re.sub(r"\s+", "", text)


def test_refusal_decision_is_found_and_served_by_express_with_a_waybill(
    ft: Followthrough, tmp_path: Path
) -> None:
    case, decision = refused_and_handed_over(ft)
    number = case.case_number or ""
    [found] = ft.delivery.find(number)
    assert found.ready
    assert found.result_name == "不予办理决定书"
    assert found.collect_at_delivery == ()
    result = ft.delivery.express(
        case.case_id,
        "中国邮政EMS",
        "1190 8234 5678 1",
        DELIVERY_CLERK.staff_id,
        actor_name=DELIVERY_CLERK.name,
        address="河南省平顶山市湛河区曹镇乡某村3组18号",
    )
    assert result.case.status is CaseStatus.DELIVERED
    assert result.case.decision_approved is False
    delivery = result.case.delivery
    assert delivery is not None
    assert (delivery.mode, delivery.carrier, delivery.waybill) == (
        DeliveryMode.EXPRESS,
        "中国邮政EMS",
        "1190823456781",
    )
    [receipt] = result.documents
    assert receipt.kind is DocumentKind.DELIVERY_RECEIPT
    assert receipt.values["results"] == [{"name": "不予办理决定书", "number": number, "count": "1"}]
    assert receipt.values["collected"] == []
    text = pdf_text(ft, receipt, tmp_path)
    assert "不予办理决定书" in text
    assert "1190823456781" in text
    assert number in text
    # The served document is the one the back office printed: same number, same reasons.
    assert decision.values["doc_no"] == number
    assert "申请人年龄未满80周岁" in pdf_text(ft, decision, tmp_path)
    assert [j.kind for j in queue_receipt(ft, case, receipt)] == ["delivery_receipt"]
    [again] = ft.delivery.find(number)
    assert not again.ready
    assert again.status_text == "已出件"


def test_refusal_decision_is_served_at_the_window_against_a_signature(ft: Followthrough) -> None:
    case, _ = refused_and_handed_over(ft)
    receiver = ft.delivery.verify_receiver(case.case_id, "刘䶮", APPLICANT_ID)
    result = ft.delivery.pickup(
        case.case_id, receiver, [], DELIVERY_CLERK.staff_id, signature_png=PNG
    )
    assert result.case.status is CaseStatus.DELIVERED
    assert result.case.delivery is not None
    assert result.case.delivery.signer == "刘䶮"
    assert ft.delivery.signature_of(case.case_id) == PNG
    [receipt] = result.documents
    assert receipt.values["method"] == "窗口领取"
    assert receipt.values["results"][0]["name"] == "不予办理决定书"


def test_refusal_decision_not_yet_handed_over_cannot_be_served(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005")
    ft.backoffice.accept(case.case_id, REVIEWER.staff_id)
    ft.backoffice.refuse_decision(
        case.case_id, ["申请人年龄未满80周岁"], REVIEWER.staff_id, basis="《高龄津贴发放办法》"
    )
    [found] = ft.delivery.find(case.case_number or "")
    assert not found.ready
    assert found.status_text == "不予办理，尚不能出件"
    with pytest.raises(DomainError) as error:
        ft.delivery.express(case.case_id, "顺丰速运", "SF1234567890", DELIVERY_CLERK.staff_id)
    assert error.value.user_message == "该办件不予办理，不能出件"


def queue_receipt(
    ft: Followthrough, case: CaseState, receipt: DocumentRequest
) -> list[PrintJobRecord]:
    return DocumentPrinter(
        renderer=ft.station.renderer,
        print_service=ft.station.print_service,
        printers=ft.station.printer_roles,
    ).print(
        case.case_id,
        [receipt],
        request_id=uuid4(),
        actor=DELIVERY_CLERK.staff_id,
    )
