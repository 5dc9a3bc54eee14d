"""End to end through the main window: one test per outcome, documents checked by content."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from zhanhe_counter.composition import Station
from zhanhe_counter.domain.case import CaseStatus
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.ui.intake.intake_view import IntakeDone
from zhanhe_counter.ui.main_window import MainWindow

from .conftest import card


def _confirm(qtbot: QtBot, window: MainWindow) -> IntakeDone:
    with qtbot.waitSignal(window.intake.done, timeout=20_000) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    done = blocker.args[0]
    assert isinstance(done, IntakeDone)
    return done


def _tick(qtbot: QtBot, window: MainWindow, numbers: list[int]) -> None:
    for number in numbers:
        qtbot.keyClick(window.intake.checklist.table, str(number))


def _start(qtbot: QtBot, window: MainWindow, search: str) -> None:
    window.on_card(card())
    assert window.intake.search.hasFocus()
    qtbot.keyClicks(window.intake.search, search)
    qtbot.keyClick(window.intake.search, Qt.Key.Key_Return)
    assert window.intake.checklist.table.hasFocus()


def _kinds(station: Station, done: IntakeDone) -> list[str]:
    return [job.kind for job in done.jobs]


def _values(station: Station, done: IntakeDone, kind: DocumentKind) -> dict[str, object]:
    for request in station.dispatcher.requests_for(done.committed, "张敏"):
        if request.kind is kind:
            return dict(request.values)
    raise AssertionError(f"{kind} not among the documents")


def test_complete_on_spot(qtbot: QtBot, window: MainWindow, station: Station) -> None:
    _start(qtbot, window, "lnryd")  # 老年人优待证办理: decided at this window
    _tick(qtbot, window, [1, 2])
    assert window.intake.outcome.outcome.text() == "当场办结"
    done = _confirm(qtbot, window)
    assert done.committed.case.status is CaseStatus.DELIVERED
    assert _kinds(station, done) == [DocumentKind.DELIVERY_RECEIPT.value]
    assert "受理编号" in window.intake.outcome.result_line.text()


def test_accept_on_spot(qtbot: QtBot, window: MainWindow, station: Station) -> None:
    _start(qtbot, window, "cxjmjbylbx")  # 城乡居民基本养老保险参保登记
    _tick(qtbot, window, [1, 2, 3])
    assert window.intake.outcome.outcome.text() == "当场受理"
    done = _confirm(qtbot, window)
    assert done.committed.case.status is CaseStatus.ACCEPTED
    kinds = _kinds(station, done)
    assert kinds[0] == DocumentKind.ACCEPTANCE_NOTICE.value
    notice = _values(station, done, DocumentKind.ACCEPTANCE_NOTICE)
    assert done.committed.case.case_number in str(notice)


def test_receive_on_spot(qtbot: QtBot, window: MainWindow, station: Station) -> None:
    _start(qtbot, window, "cjrzxb")  # 残疾人证新办
    _tick(qtbot, window, [1, 2, 4, 5, 6])
    assert window.intake.outcome.outcome.text() == "当场收件"
    done = _confirm(qtbot, window)
    assert done.committed.case.status is CaseStatus.RECEIVED
    assert DocumentKind.INTAKE_RECEIPT.value in _kinds(station, done)
    receipt = _values(station, done, DocumentKind.INTAKE_RECEIPT)
    assert "残疾人证新办" in str(receipt)
    assert "二寸白底免冠照片" in str(receipt)


def test_rongque_with_pledge(qtbot: QtBot, window: MainWindow, station: Station) -> None:
    _start(qtbot, window, "gljt")  # 高龄津贴申请: the bank card may follow (容缺)
    _tick(qtbot, window, [1, 2, 4])
    assert window.intake.outcome.outcome.text() == "容缺收件"
    assert "本人银行卡" in window.intake.outcome.details.text()
    done = _confirm(qtbot, window)
    assert done.committed.case.status is CaseStatus.RONGQUE_RECEIVED
    kinds = _kinds(station, done)
    assert DocumentKind.RONGQUE_PLEDGE.value in kinds
    pledge = _values(station, done, DocumentKind.RONGQUE_PLEDGE)
    assert "本人银行卡" in str(pledge)


def test_one_time_notice(qtbot: QtBot, window: MainWindow, station: Station) -> None:
    _start(qtbot, window, "gljt")
    _tick(qtbot, window, [1, 2, 4])
    qtbot.keyClick(window.intake.checklist.table, "r")  # the applicant declines 容缺
    assert window.intake.outcome.outcome.text() == "一次性告知"
    done = _confirm(qtbot, window)
    assert done.committed.case.status is CaseStatus.NOTIFIED
    assert _kinds(station, done) == [DocumentKind.ONE_TIME_NOTICE.value]
    notice = _values(station, done, DocumentKind.ONE_TIME_NOTICE)
    assert "本人银行卡" in str(notice)


def test_matter_not_handled(qtbot: QtBot, window: MainWindow, station: Station) -> None:
    window.on_card(card())
    qtbot.keyClicks(window.intake.search, "spjy")
    first = window.intake.hits.item(0).text()
    assert "食品经营许可" in first
    assert "本窗口不办理" in first
    assert "5号市场监管综合窗口" in first
    qtbot.keyClick(window.intake.search, Qt.Key.Key_Return)
    assert window.intake.outcome.outcome.text() == "本窗口不办理"
    assert not window.intake.outcome.confirm.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait(50)
    assert not window.runner.busy
    assert window.intake.last_done is None


def _received_payload(done: IntakeDone) -> dict[str, object]:
    [received] = [e for e in done.committed.events if e.kind is EventKind.RECEIVED]
    return dict(received.payload)


def test_sms_consent_ticked_by_keyboard_is_recorded_and_reset(
    qtbot: QtBot, window: MainWindow
) -> None:
    _start(qtbot, window, "cjrzxb")
    panel = window.intake.applicant
    panel.person.phone.setFocus()
    qtbot.keyClick(panel.person.phone, Qt.Key.Key_Tab)  # the phone number, then the consent
    assert panel.sms_consent.hasFocus()
    qtbot.keyClick(panel.sms_consent, Qt.Key.Key_Space)
    assert panel.sms_consent.isChecked()
    window.intake.checklist.table.setFocus()
    _tick(qtbot, window, [1, 2, 4, 5, 6])
    done = _confirm(qtbot, window)
    assert _received_payload(done)["sms_consent"] is True

    window.intake.new_intake()
    assert not panel.sms_consent.isChecked()
    _start(qtbot, window, "cjrzxb")
    _tick(qtbot, window, [1, 2, 4, 5, 6])
    done = _confirm(qtbot, window)
    assert "sms_consent" not in _received_payload(done)
