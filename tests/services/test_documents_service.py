"""The documents service: one set of facts for every desk (names, materials, reprints)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.services.followthrough_support import (
    APPLICANT,
    DELIVERY_CLERK,
    REVIEWER,
    Followthrough,
    build_followthrough,
)
from zhanhe_counter.domain.documents import DocumentKind as D


@pytest.fixture
def ft(tmp_path: Path) -> Followthrough:
    built = build_followthrough(tmp_path)
    yield built
    built.station.close()


def test_material_lists_agree_on_every_desk(ft: Followthrough) -> None:
    case = ft.open_case("ZH-005")
    documents = ft.station.documents
    receipt = documents.build(D.INTAKE_RECEIPT, case, at_window=True)
    accepted = ft.backoffice.accept(case.case_id, REVIEWER.staff_id).case
    notice = documents.build(D.ACCEPTANCE_NOTICE, accepted)
    sheet = documents.build(D.HANDOVER_SHEET, accepted)

    def rows(values: dict, *keys: str) -> list[tuple[str, ...]]:
        return [tuple(row[k] for k in keys) for row in values["materials"]]

    expected = rows(dict(receipt.values), "name", "form", "copies")
    assert rows(dict(notice.values), "name", "form", "copies") == expected
    assert rows(dict(sheet.values), "name", "form", "copies") == expected
    assert ("户口簿（首页、本人资料页）", "原件和复印件", "3") in expected  # as the receipt said
    # Back-office papers name the clerk, never the login id: the reviewer who accepted.
    assert notice.values["clerk_name"] == "王强"
    assert "wangqiang" not in str(notice.values)
    assert receipt.values["clerk_name"] == "张敏"  # the 首办负责人 who received it


def test_a_reprinted_delivery_receipt_says_what_the_delivery_recorded(ft: Followthrough) -> None:
    case = ft.ready_for_delivery()
    result = ft.delivery.express(
        case.case_id,
        "中国邮政EMS",
        "1234567890123",
        DELIVERY_CLERK.staff_id,
        address="河南省平顶山市湛河区建设路1号",
        collected=list(case.collect_at_delivery),
    )
    [printed] = result.documents
    reprint = ft.station.documents.build(D.DELIVERY_RECEIPT, result.case)
    for key in ("method", "courier", "waybill_no", "mail_address", "delivered_at", "collected"):
        assert reprint.values[key] == printed.values[key], key


def test_a_pickup_reprint_names_the_receiver_without_the_full_number(ft: Followthrough) -> None:
    case = ft.ready_for_delivery()
    receiver = ft.delivery.verify_receiver(case.case_id, "刘䶮", APPLICANT.person.id_number)
    result = ft.delivery.pickup(
        case.case_id, receiver, list(case.collect_at_delivery), DELIVERY_CLERK.staff_id
    )
    reprint = ft.station.documents.build(D.DELIVERY_RECEIPT, result.case)
    assert reprint.values["receiver_name"] == "刘䶮"
    assert reprint.values["receiver_relation"] == "本人"
    assert reprint.values["receiver_id_no"] is None
    assert reprint.values["clerk_name"] == "李娜"  # who handed it out, by name
