"""F1: the current matter's 办事指南 on screen, Ctrl+P prints it; F5's dialog opens it too."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from zhanhe_counter.composition import Station
from zhanhe_counter.services.print_service import public_document_id
from zhanhe_counter.ui.dialogs import ConsultDialog
from zhanhe_counter.ui.guide_dialog import GuideDialog
from zhanhe_counter.ui.main_window import MainWindow


def _choose_gljt(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClicks(window.intake.search, "gljt")
    qtbot.keyClick(window.intake.search, Qt.Key.Key_Return)
    assert window.intake.checklist.matter is not None


def _guide_jobs(station: Station, matter_id: str) -> list[str]:
    case_id = public_document_id("service_guide", matter_id)
    return [job.kind for job in station.queue.history_for_case(case_id)]


def test_f1_shows_the_guide_and_ctrl_p_prints_it(
    qtbot: QtBot, window: MainWindow, station: Station
) -> None:
    _choose_gljt(qtbot, window)
    matter = window.intake.checklist.matter
    assert matter is not None
    seen: dict[str, str] = {}

    def read_and_print() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, GuideDialog)
        try:
            seen["text"] = dialog.text.toPlainText()
            dialog.activateWindow()
            qtbot.waitUntil(dialog.isActiveWindow, timeout=5_000)
            qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
            qtbot.waitUntil(lambda: bool(_guide_jobs(station, matter.id)), timeout=20_000)
            qtbot.waitUntil(lambda: "已送往打印机" in dialog.status.text(), timeout=5_000)
            seen["printed"] = dialog.status.text()
        finally:
            dialog.reject()

    QTimer.singleShot(0, read_and_print)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    text = seen["text"]
    assert matter.name in text
    for line in (*matter.guide.conditions, *matter.guide.steps, matter.guide.office_hours):
        assert line in text
    assert "监督投诉方式" in text
    assert seen["printed"] == "办事指南已送往打印机。"
    assert _guide_jobs(station, matter.id) == ["service_guide"]


def test_f1_without_a_matter_says_what_to_do(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert "请先选择事项" in window.status.currentMessage()


def test_the_consultation_dialog_opens_the_guide_with_f1(qtbot: QtBot, window: MainWindow) -> None:
    _choose_gljt(qtbot, window)
    opened: list[str] = []

    def in_consult() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ConsultDialog)
        try:
            dialog.activateWindow()
            qtbot.waitUntil(dialog.isActiveWindow, timeout=5_000)
            QTimer.singleShot(0, in_guide)  # runs inside the guide's own event loop
            qtbot.keyClick(dialog.question, Qt.Key.Key_F1)
        finally:
            dialog.reject()

    def in_guide() -> None:
        dialog = QApplication.activeModalWidget()
        opened.append(dialog.windowTitle() if isinstance(dialog, GuideDialog) else "")
        if dialog is not None:
            dialog.reject()

    QTimer.singleShot(0, in_consult)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert opened == ["办事指南 — 高龄津贴申请"]
