"""The counter at the desk, keyboard first: card then F2, the tool bar per page, switching
clerks, the applicant's welcome, the supervisor's page with its export, my cases by keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from zhanhe_counter.composition import Station
from zhanhe_counter.domain.case import CaseStatus
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.auth import LoginSession
from zhanhe_counter.services.station import Staff
from zhanhe_counter.ui.context import CounterContext
from zhanhe_counter.ui.dialogs import LoginDialog
from zhanhe_counter.ui.intake.intake_view import IntakeDone
from zhanhe_counter.ui.main_window import MainWindow
from zhanhe_counter.ui.supervisor.supervisor_view import SupervisorView

from .conftest import CLERK, NOW, MemoryTextSizes, card
from .test_keyboard_and_pages import Keys


def _at_desk(qtbot: QtBot, main: MainWindow) -> MainWindow:
    """Shown and active, as the one window on a counter screen: its keys reach it."""
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    main.activateWindow()
    qtbot.waitUntil(main.isActiveWindow, timeout=5_000)
    return main


def _visible_keys(window: MainWindow) -> list[str]:
    return [a.text() for a in window.toolbar.actions() if a.isVisible() and a.text()]


def test_card_tap_then_f2_keeps_the_applicant_and_typing_searches_the_matter(
    qtbot: QtBot, window: MainWindow
) -> None:
    """The README's order: card tap, F2, gljt, Enter, 1–4, Ctrl+Enter — 11 keystrokes too."""
    keys = Keys(qtbot)
    window.on_card(card())  # the card tap: not a keystroke
    keys.press(window, Qt.Key.Key_F2)
    assert window.intake.applicant.person.name.text() == "演示用户"  # not wiped
    assert window.focusWidget() is window.intake.search
    keys.type(window.focusWidget(), "gljt")
    assert window.intake.applicant.person.name.text() == "演示用户"  # not typed into 姓名
    assert window.intake.search.text() == "gljt"
    keys.press(window.focusWidget(), Qt.Key.Key_Return)
    assert window.intake.checklist.matter is not None
    for number in "1234":
        keys.press(window.focusWidget(), number)
    with qtbot.waitSignal(window.intake.done, timeout=20_000) as blocker:
        keys.press(window.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    done = blocker.args[0]
    assert isinstance(done, IntakeDone)
    assert done.committed.case.status is CaseStatus.RECEIVED
    print(f"KEYSTROKES card tap, then F2 -> printed receipt: {keys.count}")
    assert keys.count == 11


def test_f2_twice_after_a_card_clears_the_form(qtbot: QtBot, window: MainWindow) -> None:
    window.on_card(card())
    qtbot.keyClick(window, Qt.Key.Key_F2)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert window.intake.applicant.person.name.text() == ""
    assert window.focusWidget() is window.intake.applicant.person.name


def test_the_tool_bar_shows_the_keys_of_the_page_on_screen(
    qtbot: QtBot, context: CounterContext
) -> None:
    roles = ("window", "backoffice", "supervisor")
    main = MainWindow(
        context, LoginSession(staff=CLERK, roles=roles, started_at=NOW), ask_unlock=lambda _w: True
    )
    _at_desk(qtbot, main)
    counter = _visible_keys(main)
    assert "F5 咨询登记" in counter
    assert "F10 邀请评价" in counter
    qtbot.keyClick(main, Qt.Key.Key_F7)
    assert main.pages.currentWidget() is main.workbench
    bench = _visible_keys(main)
    assert {"F5 受理", "F7 不予受理", "F10 准予", "F11 制证", "F12 移交出件"} <= set(bench)
    assert "F5 咨询登记" not in bench
    assert "F10 邀请评价" not in bench
    assert {"F2 新办件", "F3 出件"} <= set(bench)  # navigation stays
    assert main.focusWidget() is main.workbench.tables[main.workbench.current_tab()]
    qtbot.keyClick(main, Qt.Key.Key_F3)
    assert main.focusWidget() is main.delivery.search  # a scanned number lands here
    assert "F6 核验身份" in _visible_keys(main)
    assert "F6 代办人" not in _visible_keys(main)
    qtbot.keyClick(main, Qt.Key.Key_Escape)
    assert "F6 代办人" in _visible_keys(main)
    main.runner.wait_idle()
    main.close()


def test_another_clerk_signs_in_at_the_lock(qtbot: QtBot, context: CounterContext) -> None:
    """Ctrl+L, then 换人登录: lina signs in; the window asks to be rebuilt for her."""
    dialogs: list[LoginDialog] = []

    def at_the_lock(window: MainWindow) -> LoginSession | None:
        dialog = LoginDialog(
            window.context.auth, locked_to=window.session, unfinished=True, parent=window
        )
        dialogs.append(dialog)
        assert dialog.switch_button.shortcut().toString() == "Ctrl+U"
        dialog.switch_button.click()
        assert not dialog.staff_id.isReadOnly()
        assert "放弃" in dialog.switch_note.text()
        qtbot.keyClicks(dialog.staff_id, "lina")
        qtbot.keyClicks(dialog.password, "123456")
        dialog.try_login()
        qtbot.waitUntil(lambda: dialog.session is not None)
        return dialog.session

    session = LoginSession(staff=CLERK, roles=("window",), started_at=NOW)
    main = MainWindow(context, session, ask_unlock=at_the_lock)
    _at_desk(qtbot, main)
    main.on_card(card())
    with qtbot.waitSignal(main.switch_requested) as switched:
        qtbot.keyClick(main, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(switched.args[0], LoginSession)
    assert switched.args[0].staff == Staff("lina", "李娜")
    main.runner.wait_idle()
    main.close()


def test_the_same_clerk_unlocks_with_the_form_kept(qtbot: QtBot, context: CounterContext) -> None:
    def unlock(window: MainWindow) -> LoginSession | None:
        dialog = LoginDialog(window.context.auth, locked_to=window.session, parent=window)
        assert dialog.staff_id.isReadOnly()
        dialog.password.setText("123456")
        dialog.try_login()
        qtbot.waitUntil(lambda: dialog.session is not None)
        return dialog.session

    main = MainWindow(
        context, LoginSession(staff=CLERK, roles=("window",), started_at=NOW), ask_unlock=unlock
    )
    _at_desk(qtbot, main)
    main.on_card(card())
    with qtbot.assertNotEmitted(main.switch_requested):
        main.lock()
    assert main.body.isVisible()
    assert main.intake.applicant.person.name.text() == "演示用户"
    main.runner.wait_idle()
    main.close()


def test_logout_asks_when_an_intake_is_unfinished(
    qtbot: QtBot, window: MainWindow, monkeypatch: object
) -> None:
    from zhanhe_counter.ui import main_window

    answers: list[str] = []

    def decline(_parent: object, _title: str, question: str) -> bool:
        answers.append(question)
        return False

    setattr(main_window, "confirm", decline)  # noqa: B010 - the module's confirmation
    try:
        window.on_card(card())
        with qtbot.assertNotEmitted(window.logout_requested):
            window.logout()
        assert "放弃" in answers[0]
        window.intake.new_intake()
        with qtbot.waitSignal(window.logout_requested):
            window.logout()  # nothing to lose: no question
        assert len(answers) == 1
    finally:
        from zhanhe_counter.ui.dialogs import confirm

        setattr(main_window, "confirm", confirm)  # noqa: B010


def test_the_applicant_screen_welcomes_with_the_window_name(
    qtbot: QtBot, window: MainWindow, context: CounterContext
) -> None:
    assert window.applicant_screen.counter_name.text() == context.window_title
    assert "窗口" in window.applicant_screen.counter_name.text()


def test_the_supervisor_page_shows_data_on_open_and_exports_audited(
    qtbot: QtBot, context: CounterContext, station: Station, tmp_path: Path
) -> None:
    roles = ("window", "supervisor")
    main = MainWindow(
        context, LoginSession(staff=CLERK, roles=roles, started_at=NOW), ask_unlock=lambda _w: True
    )
    _at_desk(qtbot, main)
    main.on_card(card())
    qtbot.keyClicks(main.intake.search, "gljt")
    qtbot.keyClick(main.intake.search, Qt.Key.Key_Return)
    qtbot.keyClicks(main.intake.checklist.table, "1234")
    with qtbot.waitSignal(main.intake.done, timeout=20_000) as blocker:
        qtbot.keyClick(main, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    case_id = blocker.args[0].committed.case.case_id
    qtbot.keyClick(main, Qt.Key.Key_F11)
    view = main.supervisor
    assert isinstance(view, SupervisorView)
    qtbot.waitUntil(lambda: view.report is not None, timeout=10_000)  # no F5 needed
    assert view.model.rowCount() >= 2  # a group and 合计
    assert "F6 导出" in _visible_keys(main)
    out = tmp_path / "统计"
    view.ask_path = lambda _name, _fmt: out
    with qtbot.waitSignal(view.exported, timeout=20_000) as exported:
        qtbot.keyClick(main, Qt.Key.Key_F6)
    done = exported.args[0]
    assert done.path == tmp_path / "统计.xlsx"
    sheet = load_workbook(done.path).active
    assert sheet is not None
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "合计" in cells
    kinds = [e.kind for e in station.store.events_for_case(case_id)]
    assert EventKind.CASE_EXPORTED in kinds  # the export is in the case's audit trail
    assert done.cases >= 1
    main.runner.wait_idle()
    main.close()


def test_f4_then_enter_opens_the_case(qtbot: QtBot, window: MainWindow) -> None:
    window.on_card(card())
    qtbot.keyClicks(window.intake.search, "gljt")
    qtbot.keyClick(window.intake.search, Qt.Key.Key_Return)
    qtbot.keyClicks(window.intake.checklist.table, "1234")
    with qtbot.waitSignal(window.intake.done, timeout=20_000):
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(window.my_cases.loaded, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_F4)
    assert window.focusWidget() is window.my_cases.table
    with qtbot.waitSignal(window.my_cases.case_chosen, timeout=5_000):
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Return)  # no Tab needed


def test_the_larger_text_switch_is_remembered_per_clerk(
    qtbot: QtBot, window: MainWindow, context: CounterContext, text_sizes: MemoryTextSizes
) -> None:
    base = window.intake.search.fontInfo().pixelSize()
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.text_size == 125
    assert window.intake.search.fontInfo().pixelSize() == round(base * 1.25)
    assert "125%" in window.text_action.text()
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.intake.search.fontInfo().pixelSize() == round(base * 1.5)
    assert text_sizes.sizes == {CLERK.staff_id: 150}
    # The same clerk's next login starts at 150 %; another clerk at their own size.
    again = MainWindow(
        context,
        LoginSession(staff=CLERK, roles=("window",), started_at=NOW),
        ask_unlock=lambda _w: True,
        text_sizes=text_sizes,
    )
    qtbot.addWidget(again)
    assert again.text_size == 150
    other = MainWindow(
        context,
        LoginSession(staff=Staff("lina", "李娜"), roles=("window",), started_at=NOW),
        ask_unlock=lambda _w: True,
        text_sizes=text_sizes,
    )
    qtbot.addWidget(other)
    assert other.text_size == 100
    for main in (again, other):
        main.runner.wait_idle()
        main.close()
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.text_size == 100  # the cycle comes back to the base size


def test_text_sizes_are_kept_in_the_qt_settings(tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from zhanhe_counter.ui.text_size import SettingsTextSizes, next_size

    path = str(tmp_path / "counter.ini")
    SettingsTextSizes(QSettings(path, QSettings.Format.IniFormat)).save("zhangmin", 125)
    again = SettingsTextSizes(QSettings(path, QSettings.Format.IniFormat))
    assert again.load("zhangmin") == 125
    assert again.load("lina") == 100
    QSettings(path, QSettings.Format.IniFormat).setValue("text_size/lina", "huge")
    assert SettingsTextSizes(QSettings(path, QSettings.Format.IniFormat)).load("lina") == 100
    assert [next_size(p) for p in (100, 125, 150, 999)] == [125, 150, 100, 100]


def test_the_client_rebuilds_the_window_for_the_next_clerk(tmp_path: Path) -> None:
    """换人 at the lock ends this clerk's window and the next clerk's window runs the real event
    loop again. In a process of its own: running ``QApplication.exec`` inside pytest-qt would
    leave this test session's application quitting."""
    import subprocess
    import sys

    probe = subprocess.run(
        [sys.executable, "-m", "tests.ui.switch_user_probe", str(tmp_path)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert probe.stdout.split() == ["first:zhangmin->lina", "second:lina->end"]


def test_the_applicant_screen_is_up_from_login_on_a_second_monitor(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtGui import QGuiApplication

    screen = window.applicant_screen
    one = QGuiApplication.primaryScreen()
    monkeypatch.setattr(QGuiApplication, "screens", staticmethod(lambda: [one]))
    screen.place_at_login()
    assert not screen.isVisible()  # one monitor: it would cover the clerk's window
    monkeypatch.setattr(QGuiApplication, "screens", staticmethod(lambda: [one, one]))
    window.show_fitted()  # what the client does right after login
    qtbot.waitUntil(screen.isVisible, timeout=5_000)
    assert screen.pages.currentIndex() == 0  # the welcome, with the window's name
    assert screen.counter_name.text() == window.context.window_title
    screen.close()
