"""Enter on a case in 我的办件: its timeline and documents, and reprint from there."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui.conftest import card
from zhanhe_counter.composition import Station
from zhanhe_counter.services.ports.storage import CaseQuery
from zhanhe_counter.ui.main_window import MainWindow


def _intake(qtbot: QtBot, window: MainWindow) -> None:
    window.on_card(card())
    qtbot.keyClicks(window.intake.search, "gljt")
    qtbot.keyClick(window.intake.search, Qt.Key.Key_Return)
    qtbot.keyClicks(window.intake.checklist.table, "124")
    with qtbot.waitSignal(window.intake.done, timeout=20_000):
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_enter_opens_the_timeline_and_f8_reprints_one_document(
    qtbot: QtBot, window: MainWindow, station: Station
) -> None:
    _intake(qtbot, window)
    with qtbot.waitSignal(window.my_cases.loaded, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_F4)
    case_id = window.my_cases.model.rows[0].case_id
    dialog = window.open_case(case_id)
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=10_000)
    assert dialog.detail is not None
    steps = [dialog.timeline.item(r, 1).text() for r in range(dialog.timeline.rowCount())]
    assert steps == ["收件", "容缺收件（签署承诺书）"]
    assert dialog.timeline.item(0, 4).text() == "已保存在本机"  # not synced yet
    assert "容缺补齐期限" in dialog.summary.text()
    assert "410411199001011237" not in dialog.summary.text()
    printed = dialog.prints.rowCount()
    assert printed >= 3

    dialog.prints.selectRow(0)
    before = len(station.print_service.history_for_case(case_id))
    qtbot.keyClick(dialog, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: dialog.prints.rowCount() == printed + 1, timeout=10_000)
    history = station.print_service.history_for_case(case_id)
    assert len(history) == before + 1
    assert history[-1].is_reprint
    assert "补打" in dialog.status.text()


def test_the_full_id_number_shows_only_for_the_back_office_and_is_audited(
    qtbot: QtBot, window: MainWindow, station: Station
) -> None:
    from zhanhe_counter.services.auth import LoginSession

    from .conftest import CLERK, NOW

    _intake(qtbot, window)
    case_id = station.store.find_cases(CaseQuery())[0].case_id
    clerk_view = window.open_case(case_id)
    assert not clerk_view.reveal_button.isVisibleTo(clerk_view)
    clerk_view.close()

    window.session = LoginSession(staff=CLERK, roles=("backoffice",), started_at=NOW)
    dialog = window.open_case(case_id)
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=10_000)
    assert dialog.reveal_button.isVisibleTo(dialog)
    dialog.reveal()
    qtbot.waitUntil(lambda: dialog.revealed is not None, timeout=10_000)
    assert dialog.revealed == "410411199001011237"
    assert "已记录" in dialog.status.text()
    assert len(station.privacy.reveals_for_case(case_id)) == 1


def test_opening_records_one_view_and_a_supervisor_sees_the_access_log(
    qtbot: QtBot, window: MainWindow, station: Station
) -> None:
    from zhanhe_counter.services.auth import LoginSession

    from .conftest import CLERK, NOW

    _intake(qtbot, window)
    case_id = station.store.find_cases(CaseQuery())[0].case_id
    dialog = window.open_case(case_id)
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=10_000)
    assert not dialog.access.isVisibleTo(dialog)  # a clerk gets no access log
    dialog.reload()  # a refresh of the open detail is not another opening
    qtbot.wait(200)
    views = [e for e in station.store.events_for_case(case_id) if e.kind.is_audit]
    assert [(e.kind.value, e.actor) for e in views if e.kind.value == "case_viewed"] == [
        ("case_viewed", CLERK.staff_id)
    ]
    steps = [dialog.timeline.item(r, 1).text() for r in range(dialog.timeline.rowCount())]
    assert "查阅办件" not in steps
    assert "打印文书" not in steps
    dialog.close()

    window.session = LoginSession(staff=CLERK, roles=("supervisor",), started_at=NOW)
    supervisor = window.open_case(case_id)
    qtbot.waitUntil(lambda: supervisor.detail is not None, timeout=10_000)
    assert supervisor.access.isVisibleTo(supervisor)
    actions = [supervisor.access.item(r, 1).text() for r in range(supervisor.access.rowCount())]
    assert actions.count("查阅办件") == 2
    assert "打印文书" in actions  # the intake's documents
