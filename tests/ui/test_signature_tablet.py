"""Signing on a pen tablet (签字板): tablet events with pressure; the pledge signed and kept.

The pad is driven by real ``QTabletEvent`` objects from a stylus ``QPointingDevice``; the pledge
is the station's own 容缺受理承诺书 as rendered for a real intake, read back with pypdf.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.services.followthrough_support import (
    APPLICANT_ID,
    DELIVERY_CLERK,
    build_followthrough,
    followthrough_services,
)
from tests.services.test_intake import NOW, FixedClock, _request
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.ui.delivery.delivery_window import DeliveryWindow
from zhanhe_counter.ui.jobs import StorageRunner
from zhanhe_counter.ui.main_window import MainWindow
from zhanhe_counter.ui.signature_pad import SignaturePad

from .conftest import card

_PEN = QPointingDevice(
    "test stylus",
    1,
    QInputDevice.DeviceType.Stylus,
    QPointingDevice.PointerType.Pen,
    QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
    1,
    3,
)


def _tablet(
    pad: SignaturePad, kind: QTabletEvent.Type, x: float, y: float, pressure: float
) -> None:
    point = QPointF(x, y)
    buttons = (
        Qt.MouseButton.NoButton
        if kind == QTabletEvent.Type.TabletRelease
        else (Qt.MouseButton.LeftButton)
    )
    event = QTabletEvent(
        kind,
        _PEN,
        point,
        pad.mapToGlobal(point),
        pressure,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        Qt.KeyboardModifier.NoModifier,
        Qt.MouseButton.LeftButton,
        buttons,
    )
    QApplication.sendEvent(pad, event)


def _stroke(pad: SignaturePad, pressure: float, y: float = 50) -> None:
    _tablet(pad, QTabletEvent.Type.TabletPress, 20, y, pressure)
    for x in range(30, 300, 10):
        _tablet(pad, QTabletEvent.Type.TabletMove, x, y + (x % 20), pressure)
    _tablet(pad, QTabletEvent.Type.TabletRelease, 300, y, 0.0)


def _ink(png: bytes) -> int:
    with Image.open(io.BytesIO(png)) as image:
        histogram = image.convert("L").histogram()
    return sum(histogram[:128])  # dark pixels


def _pad(qtbot: QtBot) -> SignaturePad:
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(340, 120)
    return pad


def test_pen_pressure_gives_the_line_its_weight(qtbot: QtBot) -> None:
    light, heavy = _pad(qtbot), _pad(qtbot)
    with qtbot.waitSignal(light.changed):
        _stroke(light, 0.1)
    _stroke(heavy, 1.0)
    assert not light.is_empty()
    assert _ink(heavy.to_png()) > 1.5 * _ink(light.to_png())


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    built = build_station(tmp_path, demo=True, clock=FixedClock(NOW), start_queue=False)
    yield built
    built.close()


def test_the_pledge_signed_on_the_tablet_is_kept_with_its_hash(
    qtbot: QtBot, station: Station
) -> None:
    committed = station.intake.commit(_request(station, "ZH-005", missing={3}))
    [pledge] = [
        r
        for r in station.dispatcher.requests_for(committed, "张敏")
        if r.kind is DocumentKind.RONGQUE_PLEDGE
    ]
    rendered = station.renderer.render_pdf(pledge.kind, pledge.values)
    pad = _pad(qtbot)
    _stroke(pad, 0.7)
    signature = pad.to_png()
    case_id = committed.case.case_id

    event, signed = station.signing.sign(
        case_id, DocumentKind.RONGQUE_PLEDGE.value, rendered.content, signature, "zhangmin"
    )

    record = p.record_of(event)
    assert isinstance(record, p.DocumentSigned)
    assert record.sha256 == hashlib.sha256(signed).hexdigest()
    assert record.signature_sha256 == hashlib.sha256(signature).hexdigest()
    assert event.kind is EventKind.DOCUMENT_SIGNED
    original, copy = PdfReader(io.BytesIO(rendered.content)), PdfReader(io.BytesIO(signed))
    # The printed text is untouched; the page with the 承诺人（签字/盖章） line carries the image.
    assert [pg.extract_text() for pg in copy.pages] == [pg.extract_text() for pg in original.pages]
    signed_page = next(i for i, pg in enumerate(copy.pages) if "承诺人（签字" in pg.extract_text())
    assert len(copy.pages[signed_page].images) == len(original.pages[signed_page].images) + 1
    [kept] = [pg for pg in station.materials.pages(case_id) if pg.material_id.startswith("signed:")]
    assert (kept.material_id, kept.image, kept.media_type) == (
        "signed:rongque_pledge",
        signed,
        "application/pdf",
    )
    state = station.store.case_state(case_id)
    assert state is not None
    assert [e.kind for e in state.attachments] == [EventKind.DOCUMENT_SIGNED]


def test_an_unsigned_pad_or_a_broken_document_records_nothing(
    qtbot: QtBot, station: Station
) -> None:
    case = station.intake.commit(_request(station, "ZH-004")).case
    with pytest.raises(DomainError) as empty:
        station.signing.sign(case.case_id, "delivery_receipt", b"%PDF", b"", "zhangmin")
    assert empty.value.user_message == "请申请人先在签字板上签名"
    pad = _pad(qtbot)
    _stroke(pad, 0.5)
    with pytest.raises(DomainError) as broken:
        station.signing.sign(case.case_id, "delivery_receipt", b"not a pdf", pad.to_png(), "x")
    assert "文书无法签署" in broken.value.user_message
    state = station.store.case_state(case.case_id)
    assert state is not None
    assert state.attachments == ()


def test_the_delivery_receipt_is_signed_and_kept_at_pickup(qtbot: QtBot, tmp_path: Path) -> None:
    ft = build_followthrough(tmp_path / "ft")
    try:
        services = dataclasses.replace(
            followthrough_services(ft, DELIVERY_CLERK), sign_document=ft.station.sign_document
        )
        window = DeliveryWindow(services, StorageRunner())
        window.ask_confirm = lambda _title, _question: True
        qtbot.addWidget(window)
        case = ft.ready_for_delivery()
        qtbot.keyClicks(window.search, case.case_number or "")
        qtbot.keyClick(window.search, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.case is not None, timeout=10_000)
        window.receiver_name.setText("刘䶮")
        window.receiver_id.setText(APPLICANT_ID)
        qtbot.mouseClick(window.verify_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(window.pickup_button.isEnabled, timeout=10_000)
        window.tick_all_collected()
        _stroke(window.pad, 0.8)
        signature = window.pad.to_png()
        with qtbot.waitSignal(window.delivered, timeout=20_000):
            qtbot.mouseClick(window.pickup_button, Qt.MouseButton.LeftButton)
        window.runner.wait_idle()
        state = ft.station.store.case_state(case.case_id)
        assert state is not None
        [signed] = [p.record_of(e) for e in state.attachments]
        assert isinstance(signed, p.DocumentSigned)
        assert signed.document == "delivery_receipt"
        assert signed.signature_sha256 == hashlib.sha256(signature).hexdigest()
        [kept] = ft.station.materials.pages(case.case_id)
        assert hashlib.sha256(kept.image).hexdigest() == signed.sha256
        text = "".join(pg.extract_text() for pg in PdfReader(io.BytesIO(kept.image)).pages)
        assert "领取人（签字）" in text
    finally:
        ft.station.close()


def test_ctrl_g_after_a_rongque_intake_signs_the_pledge(qtbot: QtBot, window: MainWindow) -> None:
    station = window.context.station
    window.on_card(card())
    qtbot.keyClicks(window.intake.search, "gljt")  # 高龄津贴申请: the bank card may follow (容缺)
    qtbot.keyClick(window.intake.search, Qt.Key.Key_Return)
    for number in "124":
        qtbot.keyClick(window.intake.checklist.table, number)
    with qtbot.waitSignal(window.intake.done, timeout=20_000) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    case_id = blocker.args[0].committed.case.case_id
    assert "Ctrl+G" in window.intake.outcome.result_line.text()
    pad = _pad(qtbot)
    _stroke(pad, 0.6)
    asked: list[list[str]] = []
    window.intake.ask_signature = lambda titles: asked.append(titles) or pad.to_png()

    with qtbot.waitSignal(window.intake.message, timeout=20_000) as said:
        qtbot.keyClick(window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)

    assert asked == [["容缺受理承诺书"]]
    assert said.args[0] == "承诺书已签署，签名件已随办件保存。"
    state = station.store.case_state(case_id)
    assert state is not None
    assert [p.record_of(e).document for e in state.attachments] == ["rongque_pledge"]  # type: ignore[attr-defined]
