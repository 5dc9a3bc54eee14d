"""The delivery window under pytest-qt: scan, card tap, identity, pickup with signature, express."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from pytestqt.qtbot import QtBot

from tests.services.followthrough_support import (
    APPLICANT_ID,
    DELIVERY_CLERK,
    Followthrough,
    build_followthrough,
    followthrough_services,
)
from zhanhe_counter.domain.case import CaseStatus
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.domain.payloads import DeliveryMode
from zhanhe_counter.ui.delivery.delivery_window import DeliveryWindow
from zhanhe_counter.ui.jobs import StorageRunner
from zhanhe_counter.ui.signature_pad import SignaturePad


@pytest.fixture
def ft(tmp_path: Path) -> Iterator[Followthrough]:
    built = build_followthrough(tmp_path)
    yield built
    built.station.close()


@pytest.fixture
def window(qtbot: QtBot, ft: Followthrough) -> Iterator[DeliveryWindow]:
    widget = DeliveryWindow(followthrough_services(ft, DELIVERY_CLERK), StorageRunner())
    widget.ask_confirm = lambda _title, _question: True  # the clerk confirms 出件
    qtbot.addWidget(widget)
    yield widget
    widget.runner.wait_idle()  # a view still being recorded must not outlive the station


def _settle(qtbot: QtBot, window: DeliveryWindow) -> None:
    """The window's reads run on the storage thread: wait for their results."""
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=10_000)


def test_pickup_with_signature_after_scanning_the_barcode(
    qtbot: QtBot, ft: Followthrough, window: DeliveryWindow
) -> None:
    case = ft.ready_for_delivery(missing=[3])
    qtbot.keyClicks(window.search, case.case_number or "")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)  # what a keyboard-wedge scanner sends
    _settle(qtbot, window)
    assert window.case is not None
    assert window.case.case_id == case.case_id
    assert window.collect.count() == 2
    assert not window.pickup_button.isEnabled()
    window.receiver_name.setText("刘䶮")
    window.receiver_id.setText(APPLICANT_ID)
    qtbot.mouseClick(window.verify_button, Qt.MouseButton.LeftButton)
    _settle(qtbot, window)
    assert window.receiver_label.text().startswith("✔ 本人 刘䶮 410411********1239")
    assert window.receiver_id.text() == "410411********1239"  # never the full number on screen
    window.pad.draw_stroke([QPointF(30, 60), QPointF(120, 90), QPointF(200, 50)])
    qtbot.mouseClick(window.pickup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.runner.busy)
    assert (
        window.status.text() == "尚未收取：本人银行卡（指定发放银行）（原件）、受理通知书或收件凭证"
    )
    window.tick_all_collected()
    with qtbot.waitSignal(window.delivered) as delivered:
        qtbot.mouseClick(window.pickup_button, Qt.MouseButton.LeftButton)
    result = delivered.args[0]
    assert result.case.status is CaseStatus.DELIVERED
    assert ft.delivery.signature_of(case.case_id) is not None
    assert ft.delivery.signature_of(case.case_id).startswith(b"\x89PNG")
    kinds = [h.kind for h in ft.station.print_service.history_for_case(case.case_id)]
    assert kinds == ["delivery_receipt"]
    assert window.search.text() == ""


def test_card_tap_finds_the_case_and_checks_the_receiver(
    qtbot: QtBot, ft: Followthrough, window: DeliveryWindow
) -> None:
    case = ft.ready_for_delivery()
    window.card_tapped("刘䶮", APPLICANT_ID)
    _settle(qtbot, window)
    assert window.case is not None
    assert window.case.case_id == case.case_id
    assert window.receiver is not None
    assert window.pickup_button.isEnabled()


def test_qr_code_scan_and_a_stranger_is_refused(
    qtbot: QtBot, ft: Followthrough, window: DeliveryWindow
) -> None:
    case = ft.ready_for_delivery()
    window.search.setText(ft.station.progress_url(case.case_number or ""))
    window.search_now()
    _settle(qtbot, window)
    assert window.case is not None
    window.receiver_name.setText("赵六")
    window.receiver_id.setText("410411199001010015")
    window.verify()
    _settle(qtbot, window)
    assert window.receiver is None
    assert "授权委托书" in window.status.text()
    window.letter.setChecked(True)
    window.verify()
    _settle(qtbot, window)
    assert window.receiver is not None
    assert window.receiver_label.text().startswith("✔ 受托人")


def test_express_with_waybill(qtbot: QtBot, ft: Followthrough, window: DeliveryWindow) -> None:
    case = ft.ready_for_delivery()
    window.search.setText(case.case_number or "")
    window.search_now()
    _settle(qtbot, window)
    window.mode.setCurrentIndex(1)
    window.tick_all_collected()
    window.carrier.setCurrentText("顺丰速运")
    window.waybill.setText("SF1234567890")
    with qtbot.waitSignal(window.delivered) as delivered:
        qtbot.mouseClick(window.express_button, Qt.MouseButton.LeftButton)
    delivery = delivered.args[0].case.delivery
    assert (delivery.mode, delivery.carrier, delivery.waybill) == (
        DeliveryMode.EXPRESS,
        "顺丰速运",
        "SF1234567890",
    )


def test_mistyped_number_is_explained(
    qtbot: QtBot, ft: Followthrough, window: DeliveryWindow
) -> None:
    case = ft.ready_for_delivery()
    number = case.case_number or ""
    window.search.setText(number[:-1] + ("A" if number[-1] != "A" else "B"))
    window.search_now()
    _settle(qtbot, window)
    assert window.case is None
    assert "校验位" in window.status.text()


def test_signature_pad_draws_with_the_mouse(qtbot: QtBot) -> None:
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.show()
    assert pad.is_empty()
    assert pad.to_png() == b""
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=pad.rect().center())
    qtbot.mouseMove(pad, pad.rect().center() + pad.rect().topLeft() + pad.rect().center() / 2)
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=pad.rect().center() * 1.5)
    assert not pad.is_empty()
    assert pad.to_png().startswith(b"\x89PNG")
    pad.clear()
    assert pad.is_empty()


def test_finding_a_case_at_delivery_leaves_a_view_in_its_access_log(
    qtbot: QtBot, ft: Followthrough, window: DeliveryWindow
) -> None:
    case = ft.ready_for_delivery(missing=[3])
    for _ in range(2):
        qtbot.keyClicks(window.search, case.case_number or "")
        qtbot.keyClick(window.search, Qt.Key.Key_Return)
        _settle(qtbot, window)
    qtbot.waitUntil(lambda: not window.runner.busy)
    views = [
        (e.actor, e.payload["screen"])
        for e in ft.station.store.events_for_case(case.case_id)
        if e.kind is EventKind.CASE_VIEWED
    ]
    assert views == [(DELIVERY_CLERK.staff_id, "delivery")]


def test_f6_after_a_card_tap_keeps_the_verified_receiver_and_a_new_tap_checks_again(
    qtbot: QtBot, ft: Followthrough, window: DeliveryWindow
) -> None:
    case = ft.ready_for_delivery()
    qtbot.keyClicks(window.search, case.case_number or "")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    _settle(qtbot, window)
    window.card_tapped("刘䶮", APPLICANT_ID)
    _settle(qtbot, window)
    assert window.receiver is not None
    assert window.receiver_id.isReadOnly()
    qtbot.keyClick(window, Qt.Key.Key_F6)  # the clerk presses 核验身份 anyway
    _settle(qtbot, window)
    assert window.receiver is not None  # not re-checked against the masked text
    assert "领取人不是" not in window.status.text()
    assert window.pickup_button.isEnabled()
    window.card_tapped("别人", "410411199001011237")  # the wrong person taps
    _settle(qtbot, window)
    assert window.receiver is None
    assert not window.receiver_id.isReadOnly()  # the field is not locked after a refusal
    assert not window.pickup_button.isEnabled()
    window.card_tapped("刘䶮", APPLICANT_ID)  # the applicant taps again: checked again
    _settle(qtbot, window)
    assert window.receiver is not None
    assert window.pickup_button.isEnabled()


def test_handing_out_asks_first_and_a_no_hands_nothing_out(
    qtbot: QtBot, ft: Followthrough, window: DeliveryWindow
) -> None:
    case = ft.ready_for_delivery()
    asked: list[str] = []

    def decline(title: str, question: str) -> bool:
        asked.append(question)
        return False

    window.ask_confirm = decline
    qtbot.keyClicks(window.search, case.case_number or "")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    _settle(qtbot, window)
    window.card_tapped("刘䶮", APPLICANT_ID)
    _settle(qtbot, window)
    qtbot.mouseClick(window.pickup_button, Qt.MouseButton.LeftButton)
    assert asked
    assert case.case_number in asked[0]
    assert window.runner.wait_idle()  # only the view record was out
    assert ft.station.store.case_state(case.case_id).status is not CaseStatus.DELIVERED


def test_the_signed_for_date_of_a_mailed_decision_is_entered_later(
    qtbot: QtBot, ft: Followthrough, window: DeliveryWindow
) -> None:
    case = ft.ready_for_delivery("ZH-010")  # a permit: its 准予行政许可决定书 is served by post
    ft.delivery.express(case.case_id, "中国邮政EMS", "1190823456781", DELIVERY_CLERK.staff_id)
    qtbot.keyClicks(window.search, case.case_number or "")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    _settle(qtbot, window)
    assert window.mailings.count() == 1
    assert "1190823456781" in window.mailings.itemText(0)
    assert window.signed_button.isEnabled()
    signed_on = window.signed_on.date()  # today, the dispatch day
    window.signed_on.setDate(signed_on.addDays(-1))
    qtbot.mouseClick(window.signed_button, Qt.MouseButton.LeftButton)
    _settle(qtbot, window)
    assert window.status.text() == "签收日期不能早于寄出日期（2026年11月26日）"
    window.signed_on.setDate(signed_on)
    qtbot.mouseClick(window.signed_button, Qt.MouseButton.LeftButton)
    _settle(qtbot, window)
    assert window.status.text() == f"已登记签收日期 {signed_on.toString('yyyy-MM-dd')}。"
    assert window.mailings.count() == 0  # nothing left to sign for
    assert not window.signed_button.isEnabled()
    (mail,) = [s for s in ft.backoffice.case(case.case_id).services if s.waybill]
    assert mail.served_on is not None
    assert mail.served_on.isoformat() == signed_on.toString("yyyy-MM-dd")
