"""Keyboard-only intake (keystrokes counted), agent, organisation, back office, pages, lock."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from zhanhe_counter.composition import Station
from zhanhe_counter.domain.case import CaseStatus
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.windows import WindowAuthority
from zhanhe_counter.services.auth import LoginSession
from zhanhe_counter.ui.context import CounterContext
from zhanhe_counter.ui.intake.intake_view import IntakeDone
from zhanhe_counter.ui.main_window import MainWindow

from .conftest import CLERK, NOW, card


class Keys:
    """Sends keys and counts them: a chord such as Ctrl+Enter counts as one keystroke."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot
        self.count = 0

    def press(self, widget: object, key: object, modifier: object = None) -> None:
        if modifier is None:
            self.qtbot.keyClick(widget, key)
        else:
            self.qtbot.keyClick(widget, key, modifier)
        self.count += 1

    def type(self, widget: object, text: str) -> None:
        for ch in text:
            self.press(widget, ch)


def test_keyboard_only_intake_counts_keystrokes(
    qtbot: QtBot, window: MainWindow, station: Station
) -> None:
    keys = Keys(qtbot)
    keys.press(window, Qt.Key.Key_F2)
    window.on_card(card())  # the card tap: not a keystroke
    keys.type(window.focusWidget(), "gljt")  # 高龄津贴申请
    keys.press(window.focusWidget(), Qt.Key.Key_Return)
    for number in "1234":
        keys.press(window.focusWidget(), number)
    with qtbot.waitSignal(window.intake.done, timeout=20_000) as blocker:
        keys.press(window.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    done = blocker.args[0]
    assert isinstance(done, IntakeDone)
    assert done.committed.case.status is CaseStatus.RECEIVED
    assert DocumentKind.INTAKE_RECEIPT.value in [j.kind for j in done.jobs]
    print(f"KEYSTROKES complete intake card tap -> printed receipt: {keys.count}")
    assert keys.count == 11


def test_double_confirm_makes_one_case(qtbot: QtBot, window: MainWindow, station: Station) -> None:
    window.on_card(card())
    qtbot.keyClicks(window.intake.search, "lnryd")
    qtbot.keyClick(window.intake.search, Qt.Key.Key_Return)
    qtbot.keyClicks(window.intake.checklist.table, "12")
    with qtbot.waitSignal(window.intake.done, timeout=20_000):
        window.intake.confirm()
        window.intake.confirm()
    qtbot.wait(100)
    from zhanhe_counter.services.ports.storage import CaseQuery

    assert len(station.store.find_cases(CaseQuery())) == 1


def test_agent_fills_from_second_card(qtbot: QtBot, window: MainWindow) -> None:
    window.on_card(card())
    qtbot.keyClicks(window.intake.search, "gljt")
    qtbot.keyClick(window.intake.search, Qt.Key.Key_Return)
    qtbot.keyClick(window, Qt.Key.Key_F6)
    window.on_card(card(name="代办人甲", number="410411195001011239"))
    applicant = window.intake.applicant.applicant()
    assert applicant.agent is not None
    assert applicant.agent.name == "代办人甲"
    # The authorisation letter became an applicable row (5: 授权委托书及代理人身份证件).
    names = [m.name for m in window.intake.checklist.applicable()]
    assert "授权委托书及代理人身份证件" in names
    qtbot.keyClicks(window.intake.checklist.table, "1234")
    assert window.intake.outcome.outcome.text() == "一次性告知"
    qtbot.keyClicks(window.intake.checklist.table, "5")
    assert window.intake.outcome.outcome.text() == "当场收件"


def test_manual_entry_is_checked_live(qtbot: QtBot, window: MainWindow) -> None:
    person = window.intake.applicant.person
    person.name.setText("王五")  # QTest cannot type CJK; the input method would
    window.activateWindow()
    person.id_number.setFocus()
    qtbot.waitUntil(person.id_number.hasFocus)
    qtbot.keyClicks(person.id_number, "410411199001011230")  # wrong check character
    assert person.problem.text()
    person.id_number.clear()
    qtbot.keyClicks(person.id_number, "410411199001011237")
    assert person.problem.text() == ""
    person.name.setFocus()
    qtbot.waitUntil(
        lambda: person.id_number.text() != "410411199001011237"
    )  # masked when not edited
    assert person.id_number.value() == "410411199001011237"


def test_organisation_needs_a_valid_uscc(qtbot: QtBot, window: MainWindow) -> None:
    panel = window.intake.applicant
    window.on_card(card())
    panel.is_organisation.setChecked(True)
    panel.org_name.setText("湛河演示有限公司")
    qtbot.keyClicks(panel.uscc, "91410411MA00000000")
    assert panel.uscc_problem.text()
    assert any("统一社会信用代码" in p for p in panel.problems())


def test_backoffice_countdown_at_unauthorised_window(
    qtbot: QtBot, station: Station, context: CounterContext
) -> None:
    window_config = station.identity.window
    narrowed = replace(
        window_config,
        authority_overrides={
            **window_config.authority_overrides,
            "ZH-004": WindowAuthority.RECEIVE_ONLY,
        },
    )
    station.intake.station = replace(station.intake.station, window=narrowed)
    session = LoginSession(staff=CLERK, roles=("window",), started_at=NOW)
    main = MainWindow(context, session, ask_unlock=lambda _w: True)
    qtbot.addWidget(main)
    main.on_card(card())
    qtbot.keyClicks(main.intake.search, "cxjmjbylbx")
    qtbot.keyClick(main.intake.search, Qt.Key.Key_Return)
    qtbot.keyClicks(main.intake.checklist.table, "123")
    assert "20 分钟" in main.intake.outcome.details.text()
    with qtbot.waitSignal(main.intake.done, timeout=20_000) as blocker:
        main.intake.confirm()
    done = blocker.args[0]
    assert done.committed.case.status is CaseStatus.PENDING_BACKOFFICE
    assert main.intake.outcome.countdown.text().startswith("后台答复倒计时 20:00")
    assert DocumentKind.HANDOVER_SHEET.value in [j.kind for j in done.jobs]

    # The back office (another PC, or the same store after sync) accepts within 20 minutes:
    # the counter shows the answer and prints the 受理通知书 without the clerk asking.
    case_id = done.committed.case.case_id
    assert case_id in main.waiting_answers
    station.backoffice.accept(case_id, "wangqiang")
    main.poll_answers()
    qtbot.waitUntil(lambda: case_id not in main.waiting_answers, timeout=10_000)
    assert "后台已受理" in main.intake.outcome.countdown.text()

    def notice_queued() -> bool:
        kinds = [h.kind for h in station.print_service.history_for_case(case_id)]
        return DocumentKind.ACCEPTANCE_NOTICE.value in kinds

    qtbot.waitUntil(notice_queued, timeout=10_000)


def test_consultation_in_two_keystrokes(qtbot: QtBot, window: MainWindow) -> None:
    from PySide6.QtWidgets import QApplication

    from zhanhe_counter.ui.dialogs import ConsultDialog

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ConsultDialog)
        qtbot.keyClick(dialog.question, Qt.Key.Key_Return)

    with qtbot.waitSignal(window.consulted, timeout=10_000) as blocker:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, answer)
        qtbot.keyClick(window, Qt.Key.Key_F5)
    assert blocker.args[0].status is CaseStatus.CONSULTED


def test_my_cases_and_reprint(qtbot: QtBot, window: MainWindow, station: Station) -> None:
    window.on_card(card())
    qtbot.keyClicks(window.intake.search, "gljt")
    qtbot.keyClick(window.intake.search, Qt.Key.Key_Return)
    qtbot.keyClicks(window.intake.checklist.table, "124")
    with qtbot.waitSignal(window.intake.done, timeout=20_000):
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(window.my_cases.loaded, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_F4)
    model = window.my_cases.model
    assert model.rowCount() == 1
    row = model.rows[0]
    assert row.status is CaseStatus.RONGQUE_RECEIVED
    assert row.deadline_label == "容缺补齐"
    assert row.applicant_id_masked != "410411199001011237"
    # The list says what it leaves out, so an older finished case is searched for, not lost.
    assert "已办结的只列最近 50 件" in window.my_cases.summary.text()
    with qtbot.waitSignal(window.my_cases.loaded, timeout=10_000):
        window.my_cases.filter.setText("410411199001011237")
        window.my_cases.reload()
    assert model.rowCount() == 1
    assert "已办结的只列" not in window.my_cases.summary.text()
    with qtbot.waitSignal(window.reprinted, timeout=10_000) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_F8)
    assert blocker.args[0] >= 3
    history = station.print_service.history_for_case(row.case_id)
    assert sum(h.is_reprint for h in history) == blocker.args[0]
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.pages.currentWidget() is window.intake


def test_idle_lock_fires(qtbot: QtBot, context: CounterContext) -> None:
    asked: list[bool] = []

    def unlock(_w: MainWindow) -> bool:
        asked.append(True)
        return True

    session = LoginSession(staff=CLERK, roles=("window",), started_at=NOW)
    main = MainWindow(context, session, idle_lock_s=0.2, ask_unlock=unlock)
    qtbot.addWidget(main)
    with qtbot.waitSignal(main.locked, timeout=5_000):
        pass
    qtbot.waitUntil(lambda: bool(asked))
    assert main.centralWidget().isVisibleTo(main)


def test_f3_opens_the_delivery_window_and_a_card_tap_goes_there(
    qtbot: QtBot, window: MainWindow
) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F3)
    assert window.pages.currentWidget() is window.delivery
    window.on_card(card())  # no case to deliver for this person: the window says so, no crash
    assert window.pages.currentWidget() is window.delivery
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.pages.currentWidget() is window.intake


def test_f7_back_office_needs_the_role(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F7)
    assert window.pages.currentWidget() is window.intake
    assert "后台审批" in window.status.currentMessage()
    window.session = LoginSession(staff=CLERK, roles=("backoffice",), started_at=NOW)
    qtbot.keyClick(window, Qt.Key.Key_F7)
    assert window.pages.currentWidget() is window.workbench


def test_f10_asks_the_applicant_to_rate_the_last_case(qtbot: QtBot, window: MainWindow) -> None:
    window.on_card(card())
    qtbot.keyClicks(window.intake.search, "gljt")
    qtbot.keyClick(window.intake.search, Qt.Key.Key_Return)
    qtbot.keyClicks(window.intake.checklist.table, "1234")
    with qtbot.waitSignal(window.intake.done, timeout=20_000):
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_F10)
    qtbot.waitUntil(window.applicant_screen.isVisible, timeout=10_000)
    window.applicant_screen.close()


def test_f11_tallies_are_for_the_supervisor(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert window.supervisor is None
    assert "督查" in window.status.currentMessage()
    window.session = LoginSession(staff=CLERK, roles=("supervisor",), started_at=NOW)
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert window.pages.currentWidget() is window.supervisor


def test_sync_bar_outbox_and_sync_now_on_an_unregistered_pc(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.on_card(card())
    qtbot.keyClicks(window.intake.search, "gljt")
    qtbot.keyClick(window.intake.search, Qt.Key.Key_Return)
    qtbot.keyClicks(window.intake.checklist.table, "1234")
    with qtbot.waitSignal(window.intake.done, timeout=20_000):
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    window.status.refresh()
    qtbot.waitUntil(lambda: "未" in window.status.sync.label.text(), timeout=10_000)
    assert not window.status.sync.sync_now.isEnabled()  # nothing to sync with yet
    window.sync_now()
    assert "尚未注册" in window.status.currentMessage()
    window.status.sync.details.click()
    assert window.pages.currentWidget() is window.outbox
    qtbot.waitUntil(lambda: window.outbox.items.rowCount() >= 1, timeout=10_000)
    assert "待上传" in window.outbox.summary.text()


def test_the_twenty_minute_countdown_counts_office_minutes(qtbot: QtBot) -> None:
    """A request made at 11:55 is due at 14:45: the countdown shows 20 minutes, not 170."""
    from datetime import datetime, time, timedelta

    from zhanhe_counter.domain.china_time import CHINA_TIME
    from zhanhe_counter.domain.workdays import OfficeHours, WorkCalendar, weekends_only
    from zhanhe_counter.ui.intake.outcome_panel import OutcomePanel

    hours = OfficeHours.with_lunch(time(8, 0), time(12, 0), time(14, 30), time(17, 30))
    calendar = WorkCalendar(weekends_only)
    now = datetime(2026, 11, 26, 11, 55, tzinfo=CHINA_TIME)
    due = calendar.add_office_minutes(now, 20, hours).at
    assert due - now > timedelta(hours=2)
    panel = OutcomePanel(
        lambda: now,
        office_time_left=lambda d: calendar.office_time_between(now, d, hours),
    )
    qtbot.addWidget(panel)
    panel.show_committed(
        case_number="X", status_label="待后台答复", printed=[], print_problem=None, answer_due=due
    )
    assert panel.countdown.text() == "后台答复倒计时 20:00"
    panel.stop_countdown()


def test_the_demo_login_names_its_accounts(qtbot: QtBot, context: CounterContext) -> None:
    from zhanhe_counter.composition import DEMO_PASSWORD, DEMO_STAFF
    from zhanhe_counter.ui.dialogs import LoginDialog
    from zhanhe_counter.ui.launch import DEMO_HINT

    assert DEMO_PASSWORD in DEMO_HINT
    assert all(staff_id in DEMO_HINT for staff_id, _name, _roles in DEMO_STAFF)
    dialog = LoginDialog(context.auth, hint=DEMO_HINT)
    qtbot.addWidget(dialog)
    dialog.staff_id.setText("zhangmin")
    dialog.password.setText(DEMO_PASSWORD)
    dialog.try_login()  # checked on a worker thread; the dialog accepts when it succeeds
    qtbot.waitUntil(lambda: dialog.session is not None)
    assert dialog.session is not None
    assert dialog.session.staff.staff_id == "zhangmin"
