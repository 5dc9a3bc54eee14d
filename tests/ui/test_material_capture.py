"""Key C on the checklist captures the current row's pages; they are kept with the case.

The demo station captures with the simulated camera; the document camera adapter is tested on
this machine's real Qt Multimedia, which finds no camera.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from zhanhe_counter.composition import Station
from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.ports.capture import CAMERA_ABSENT_ZH, CaptureFailed
from zhanhe_counter.ui.capture.qt_camera import QtDocumentCamera, list_cameras
from zhanhe_counter.ui.intake.intake_view import IntakeDone
from zhanhe_counter.ui.main_window import MainWindow

from .conftest import card


def _capture(qtbot: QtBot, window: MainWindow) -> None:
    strip = window.intake.materials
    with qtbot.waitSignal(strip.captured_pages, timeout=20_000):
        qtbot.keyClick(window.intake.checklist.table, "c")


def test_pages_captured_with_c_are_previewed_and_kept_with_the_case(
    qtbot: QtBot, window: MainWindow, station: Station
) -> None:
    window.on_card(card())
    qtbot.keyClicks(window.intake.search, "gljt")
    qtbot.keyClick(window.intake.search, Qt.Key.Key_Return)
    table = window.intake.checklist.table
    for number in "1234":
        qtbot.keyClick(table, number)
    table.selectRow(0)
    _capture(qtbot, window)
    _capture(qtbot, window)  # a second page of the same material
    table.selectRow(1)
    _capture(qtbot, window)
    assert "影像2页" in table.item(0, 1).text()
    assert "影像1页" in table.item(1, 1).text()
    assert not window.intake.materials.preview.pixmap().isNull()
    with qtbot.waitSignal(window.intake.done, timeout=20_000) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    done = blocker.args[0]
    assert isinstance(done, IntakeDone)
    case_id = done.committed.case.case_id

    def kept() -> None:
        events = [e for e in station.store.events_for_case(case_id) if e.kind.is_attachment]
        assert len(events) == 2

    qtbot.waitUntil(kept, timeout=10_000)
    records = [
        p.record_of(e)
        for e in station.store.events_for_case(case_id)
        if e.kind is EventKind.MATERIAL_CAPTURED
    ]
    assert [(r.material_id, r.page_count) for r in records] == [("1", 2), ("2", 1)]  # type: ignore[attr-defined]
    assert len(station.materials.pages(case_id)) == 3


def test_a_failed_capture_is_said_and_the_intake_goes_on(
    qtbot: QtBot, window: MainWindow, station: Station
) -> None:
    window.on_card(card())
    qtbot.keyClicks(window.intake.search, "gljt")
    qtbot.keyClick(window.intake.search, Qt.Key.Key_Return)
    window.intake.materials.source.unplugged = True  # type: ignore[attr-defined]
    qtbot.keyClick(window.intake.checklist.table, "c")
    qtbot.waitUntil(lambda: not window.intake.materials.busy, timeout=10_000)
    assert CAMERA_ABSENT_ZH in window.intake.materials.summary.text()
    for number in "1234":
        qtbot.keyClick(window.intake.checklist.table, number)
    with qtbot.waitSignal(window.intake.done, timeout=20_000):
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_no_document_camera_is_named(qtbot: QtBot) -> None:
    assert list_cameras() == []  # this machine has none
    with pytest.raises(CaptureFailed) as failed:
        QtDocumentCamera().capture()
    assert failed.value.user_message == CAMERA_ABSENT_ZH
