"""The back-office workbench under pytest-qt: every path, timers driven by the injected clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from tests.services.followthrough_support import (
    REVIEWER,
    Followthrough,
    build_followthrough,
    followthrough_services,
)
from zhanhe_counter.adapters.clock import CHINA_TIME
from zhanhe_counter.domain.case import CaseStatus
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.domain.payloads import InspectionKind, MaterialItem, ServiceMethod
from zhanhe_counter.services.backoffice_queues import QueueKind
from zhanhe_counter.services.counter_answer import answer_print_request
from zhanhe_counter.services.followups import FollowupActionKind
from zhanhe_counter.ui import theme
from zhanhe_counter.ui.backoffice.service_dialog import ServiceDialog
from zhanhe_counter.ui.backoffice.workbench import BackofficeWorkbench, ChoiceDialog
from zhanhe_counter.ui.jobs import StorageRunner


@pytest.fixture
def ft(tmp_path: Path) -> Iterator[Followthrough]:
    built = build_followthrough(tmp_path)
    yield built
    built.station.close()


@pytest.fixture
def bench(qtbot: QtBot, ft: Followthrough) -> Iterator[BackofficeWorkbench]:
    widget = BackofficeWorkbench(followthrough_services(ft, REVIEWER), StorageRunner())
    widget.timer.stop()  # the test moves the clock and refreshes itself
    qtbot.addWidget(widget)
    _wait(qtbot, widget)  # the lists read when it opens
    yield widget
    widget.runner.wait_idle()  # a view still being recorded must not outlive the station


def _wait(qtbot: QtBot, bench: BackofficeWorkbench) -> None:
    qtbot.waitUntil(lambda: not bench.runner.busy, timeout=10_000)


def _countdown(bench: BackofficeWorkbench, kind: QueueKind) -> tuple[str, str | None]:
    model = bench.queue_models[kind]
    index = model.index(0, 0)
    brush = model.data(index, Qt.ItemDataRole.ForegroundRole)
    return model.data(index), brush.color().name() if brush else None


def test_twenty_minute_request_accepted(
    qtbot: QtBot, ft: Followthrough, bench: BackofficeWorkbench
) -> None:
    case = ft.open_case("ZH-018")
    bench.refresh()
    _wait(qtbot, bench)
    assert _countdown(bench, QueueKind.ANSWER) == ("剩余 20分00秒", theme.OK)
    assert bench.select_case(case.case_id)
    _wait(qtbot, bench)
    assert "首办负责人</b>：张敏" in bench.case_details.text()  # the name, not the login id
    assert "zhangmin" not in bench.case_details.text()
    assert bench.buttons["accept"].isEnabled()
    assert not bench.buttons["approve"].isEnabled()
    qtbot.mouseClick(bench.buttons["accept"], Qt.MouseButton.LeftButton)
    _wait(qtbot, bench)
    assert bench.status.text() == "已受理。"
    assert ft.station.store.case_state(case.case_id).status is CaseStatus.ACCEPTED
    assert bench.queue_models[QueueKind.ANSWER].rows == []
    # The applicant waits at the counter, which prints the answer: not the back office too.
    assert ft.station.print_service.history_for_case(case.case_id) == []
    answer = ft.backoffice.answer_for(case.case_id)
    assert answer is not None
    assert [d.kind.value for d in answer.documents] == ["acceptance_notice"]
    ft.station.document_printer.print(
        case.case_id,
        answer.documents,
        request_id=answer_print_request(case.case_id),
        actor="zhangmin",
    )
    history = ft.station.print_service.history_for_case(case.case_id)
    assert [h.kind for h in history] == ["acceptance_notice"]


def test_twenty_minute_request_refused_with_reasons(
    qtbot: QtBot, ft: Followthrough, bench: BackofficeWorkbench
) -> None:
    case = ft.open_case("ZH-018")
    bench.refresh()
    _wait(qtbot, bench)
    bench.select_case(case.case_id)
    _wait(qtbot, bench)
    bench.refuse_current(["申请事项依法不属于本机关职权范围"])
    _wait(qtbot, bench)
    answer = ft.backoffice.answer_for(case.case_id)
    assert answer is not None
    assert answer.reasons == ("申请事项依法不属于本机关职权范围",)
    assert [d.kind.value for d in answer.documents] == ["refusal_notice"]  # the counter prints it
    assert ft.station.print_service.history_for_case(case.case_id) == []


def test_countdown_breach_is_shown_red_with_a_banner(
    qtbot: QtBot, ft: Followthrough, bench: BackofficeWorkbench
) -> None:
    ft.open_case("ZH-018")
    bench.refresh()
    _wait(qtbot, bench)
    assert bench.banner.isHidden()
    ft.clock.advance(minutes=17)
    bench.refresh_countdowns()
    _wait(qtbot, bench)
    assert _countdown(bench, QueueKind.ANSWER) == ("剩余 3分00秒", theme.WARN)
    ft.clock.advance(minutes=5)
    bench.refresh_countdowns()
    _wait(qtbot, bench)
    assert _countdown(bench, QueueKind.ANSWER) == ("已超时 2分00秒", theme.BAD)
    assert not bench.banner.isHidden()
    assert "超过20分钟" in bench.banner.text()


def test_five_day_acceptance_and_one_time_notice(
    qtbot: QtBot, ft: Followthrough, bench: BackofficeWorkbench
) -> None:
    first = ft.open_case("ZH-005")
    second = ft.open_case("ZH-005")
    bench.refresh()
    _wait(qtbot, bench)
    bench.show_tab(QueueKind.ACCEPTANCE.value)
    assert bench.tabs.tabText(1) == "5日内受理 (2)"
    assert _countdown(bench, QueueKind.ACCEPTANCE) == ("剩5个工作日", theme.OK)
    bench.select_case(first.case_id)
    _wait(qtbot, bench)
    bench.notify_current([MaterialItem("2", "户口簿", "复印件不清晰")])
    _wait(qtbot, bench)
    assert ft.station.store.case_state(first.case_id).status is CaseStatus.NOTIFIED
    assert bench.tabs.tabText(1) == "5日内受理 (1)"
    ft.clock.set(datetime(2026, 12, 4, 9, 0, tzinfo=CHINA_TIME))
    bench.refresh()
    _wait(qtbot, bench)
    text, colour = _countdown(bench, QueueKind.ACCEPTANCE)
    assert text.endswith("（视为受理）")
    assert colour == theme.BAD
    bench.select_case(second.case_id)
    _wait(qtbot, bench)
    bench.accept_current()
    _wait(qtbot, bench)
    assert ft.station.store.case_state(second.case_id).deemed_accepted


def test_approve_with_certificate_and_handover(
    qtbot: QtBot, ft: Followthrough, bench: BackofficeWorkbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = ft.open_case("ZH-005")
    ft.backoffice.accept(case.case_id, REVIEWER.staff_id)
    bench.refresh()
    _wait(qtbot, bench)
    bench.show_tab(QueueKind.REVIEW.value)
    bench.select_case(case.case_id)
    _wait(qtbot, bench)
    bench.inspect_current(InspectionKind.SIMPLE, "现场核实属实")
    _wait(qtbot, bench)
    bench.select_case(case.case_id)
    _wait(qtbot, bench)
    bench.approve_current()
    _wait(qtbot, bench)
    bench.show_tab(QueueKind.FINISHING.value)
    assert bench.select_case(case.case_id)
    _wait(qtbot, bench)
    assert bench.buttons["certificate"].isEnabled()
    bench.certificate_current("GL-2026-0042")
    _wait(qtbot, bench)
    bench.select_case(case.case_id)
    _wait(qtbot, bench)
    offered: list[list[str]] = []

    def tick_all(dialog: ChoiceDialog) -> QDialog.DialogCode:
        offered.append([dialog.list.item(i).text() for i in range(dialog.list.count())])
        return QDialog.DialogCode.Accepted  # the clerk keeps the default list: OK

    monkeypatch.setattr(ChoiceDialog, "exec", tick_all)
    qtbot.mouseClick(bench.buttons["handover"], Qt.MouseButton.LeftButton)  # F12
    _wait(qtbot, bench)  # the default list is read first, then the dialog asks
    assert offered
    assert "受理通知书或收件凭证" in offered[0]
    state = ft.station.store.case_state(case.case_id)
    assert state.status is CaseStatus.READY_FOR_DELIVERY
    assert state.certificate_number == "GL-2026-0042"
    kinds = [h.kind for h in ft.station.print_service.history_for_case(case.case_id)]
    assert kinds == ["handover_sheet"]


def test_decision_refused_with_reasons_and_relief_rights(
    qtbot: QtBot, ft: Followthrough, bench: BackofficeWorkbench
) -> None:
    case = ft.open_case("ZH-005")
    ft.backoffice.accept(case.case_id, REVIEWER.staff_id)
    bench.refresh()
    _wait(qtbot, bench)
    bench.show_tab(QueueKind.REVIEW.value)
    bench.select_case(case.case_id)
    _wait(qtbot, bench)
    bench.refuse_decision_current(["申请人年龄未满80周岁"], "《高龄津贴发放办法》第五条")
    _wait(qtbot, bench)
    state = ft.station.store.case_state(case.case_id)
    assert state.status is CaseStatus.DECIDED_REFUSED
    assert "申请行政复议" in (state.decision_relief or "")
    kinds = [h.kind for h in ft.station.print_service.history_for_case(case.case_id)]
    assert kinds == ["refusal_decision"]  # the written decision (行政许可法第三十八条)
    # Then it waits in the finishing queue to go to the delivery window: no certificate.
    bench.show_tab(QueueKind.FINISHING.value)
    assert bench.select_case(case.case_id)
    _wait(qtbot, bench)
    assert not bench.buttons["certificate"].isEnabled()
    assert bench.buttons["handover"].isEnabled()
    bench.handover_current([])
    _wait(qtbot, bench)
    state = ft.station.store.case_state(case.case_id)
    assert state.status is CaseStatus.READY_FOR_DELIVERY
    kinds = [h.kind for h in ft.station.print_service.history_for_case(case.case_id)]
    assert kinds == ["refusal_decision", "handover_sheet"]


def test_refusal_without_reasons_shows_the_chinese_message(
    qtbot: QtBot, ft: Followthrough, bench: BackofficeWorkbench
) -> None:
    case = ft.open_case("ZH-018")
    bench.refresh()
    _wait(qtbot, bench)
    bench.select_case(case.case_id)
    _wait(qtbot, bench)
    with qtbot.waitSignal(bench.action_failed) as failed:
        bench.refuse_current([" "])
    assert failed.args == ["不予受理须写明理由"]
    assert bench.status.text() == "不予受理须写明理由"


def test_department_contact_one_keystroke_away(
    qtbot: QtBot, ft: Followthrough, bench: BackofficeWorkbench
) -> None:
    case = ft.open_case("ZH-018")
    bench.refresh()
    _wait(qtbot, bench)
    bench.select_case(case.case_id)
    _wait(qtbot, bench)
    with qtbot.waitActive(bench):
        bench.show()
        bench.activateWindow()
    assert bench.contact.text() == ""
    qtbot.keyClick(bench.tables["answer"], Qt.Key.Key_F9)
    _wait(qtbot, bench)
    assert "电话" in bench.contact.text()
    assert bench.contact.text() == ft.backoffice.contact_line(case.case_id)


def test_supplement_on_time_and_overdue_lists(
    qtbot: QtBot, ft: Followthrough, bench: BackofficeWorkbench
) -> None:
    late = ft.open_case("ZH-005", missing=[3])
    bench.refresh()
    _wait(qtbot, bench)
    bench.show_tab("supplements")
    model = bench.supplement_model
    assert model.data(model.index(0, 0)) == "剩20个工作日"
    ft.clock.set(datetime(2026, 12, 28, 9, 0, tzinfo=CHINA_TIME))
    bench.refresh()
    _wait(qtbot, bench)
    brush = model.data(model.index(0, 0), Qt.ItemDataRole.ForegroundRole)
    assert model.data(model.index(0, 0)) == "已超期 2个工作日"
    assert brush.color().name() == theme.BAD
    assert bench.select_case(late.case_id)
    _wait(qtbot, bench)
    assert not bench.supplement_button.isHidden()
    bench.supplement_current(["3"])
    _wait(qtbot, bench)
    assert model.rows == []


def test_bad_rating_follow_up(qtbot: QtBot, ft: Followthrough, bench: BackofficeWorkbench) -> None:
    case = ft.open_case("ZH-004")
    invitation = ft.rating.invite(case.case_id, "zhangmin")
    ft.rating.submit(invitation, 2, ["等候时间长"])
    bench.refresh()
    _wait(qtbot, bench)
    bench.show_tab("followups")
    model = bench.followup_model
    assert [r.level_label for r in model.rows] == ["不满意"]
    assert model.data(model.index(0, 0)) == "剩15个工作日"
    assert model.data(model.index(0, 6)) == "待回访"
    assert bench.select_case(case.case_id)
    _wait(qtbot, bench)
    bench.followup_current(FollowupActionKind.CONTACTED, "已电话回访申请人")
    _wait(qtbot, bench)
    assert model.data(model.index(0, 6)) == "已回访"
    assert bench.select_case(case.case_id)
    _wait(qtbot, bench)
    bench.followup_current(FollowupActionKind.CLOSED, "已回访并整改")
    _wait(qtbot, bench)
    assert model.rows == []
    state = ft.station.store.case_state(case.case_id)
    assert state is not None
    assert [f.action for f in state.followups] == [
        FollowupActionKind.CONTACTED,
        FollowupActionKind.CLOSED,
    ]
    assert {f.actor for f in state.followups} == {REVIEWER.staff_id}


def test_showing_a_case_leaves_one_view_in_its_access_log(
    qtbot: QtBot, ft: Followthrough, bench: BackofficeWorkbench
) -> None:
    case = ft.open_case("ZH-018")
    other = ft.open_case("ZH-018")
    bench.refresh()
    _wait(qtbot, bench)
    for _ in range(3):  # arrowing up and down the queue
        assert bench.select_case(case.case_id)
        _wait(qtbot, bench)
        assert bench.select_case(other.case_id)
        _wait(qtbot, bench)
    _wait(qtbot, bench)
    views = [
        e for e in ft.station.store.events_for_case(case.case_id) if e.kind is EventKind.CASE_VIEWED
    ]
    assert [(e.actor, e.payload["screen"]) for e in views] == [(REVIEWER.staff_id, "workbench")]


def test_f10_grant_asks_first_and_the_queues_work_by_keyboard(
    qtbot: QtBot, ft: Followthrough, bench: BackofficeWorkbench
) -> None:
    case = ft.open_case("ZH-005")
    ft.backoffice.accept(case.case_id, REVIEWER.staff_id)
    bench.refresh()
    _wait(qtbot, bench)
    bench.show()
    qtbot.waitExposed(bench)
    # Ctrl+Tab moves from queue to queue with the keyboard; the queue takes the focus
    # with its first row picked, so F10 acts on it without the mouse.
    bench.show_tab(QueueKind.ANSWER.value)
    bench.focus_queue()  # what F7 does when it opens the workbench
    while bench.current_tab() != QueueKind.REVIEW.value:
        qtbot.keyClick(bench.focusWidget(), Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
        qtbot.wait(20)  # the queue takes the focus once the tab widget is done with the key
    table = bench.tables[QueueKind.REVIEW.value]
    assert bench.focusWidget() is table
    _wait(qtbot, bench)  # the picked row's case is read off the GUI thread
    assert bench._current is not None
    assert bench._current.case_id == case.case_id
    answers = [False, True]
    questions: list[str] = []

    def ask(title: str, question: str) -> bool:
        questions.append(question)
        return answers.pop(0)

    bench.ask_confirm = ask
    qtbot.keyClick(table, Qt.Key.Key_F10)  # declined: nothing decided
    assert bench.runner.wait_idle()
    assert ft.station.store.case_state(case.case_id).status is CaseStatus.ACCEPTED
    qtbot.keyClick(table, Qt.Key.Key_F10)  # confirmed
    _wait(qtbot, bench)
    assert ft.station.store.case_state(case.case_id).status is CaseStatus.DECIDED_APPROVED
    assert len(questions) == 2
    assert case.case_number in questions[0]
    assert "不可撤销" in questions[0]
    keys = [text for text, _trigger in bench.page_keys()]
    assert "F10 准予" in keys
    assert "F5 受理" in keys


def test_the_service_of_a_notice_is_recorded_from_the_workbench(
    qtbot: QtBot, ft: Followthrough, bench: BackofficeWorkbench
) -> None:
    case = ft.open_case("ZH-005")
    bench.refresh()
    _wait(qtbot, bench)
    bench.show_tab(QueueKind.ACCEPTANCE.value)
    assert bench.select_case(case.case_id)
    _wait(qtbot, bench)
    assert not bench.serve_button.isEnabled()  # nothing issued yet
    bench.accept_current()
    _wait(qtbot, bench)
    bench.show_tab(QueueKind.REVIEW.value)
    _wait(qtbot, bench)
    assert bench.select_case(case.case_id)
    _wait(qtbot, bench)
    assert bench.serve_button.isEnabled()
    assert "待送达</b>：受理通知书" in bench.case_details.text()
    dialog = ServiceDialog([DocumentKind.ACCEPTANCE_NOTICE], "刘䶮")
    qtbot.addWidget(dialog)
    dialog.method.setCurrentIndex(dialog.method.findData(ServiceMethod.POST.value))
    assert not dialog.receiver.isEnabled()
    dialog.waybill.setText("1180000000001")
    bench.serve_current(dialog.entry())
    _wait(qtbot, bench)
    (mail,) = ft.station.store.case_state(case.case_id).services  # type: ignore[union-attr]
    assert (mail.method, mail.carrier, mail.waybill) == (
        ServiceMethod.POST,
        "中国邮政EMS",
        "1180000000001",
    )
    assert bench.status.text() == "已登记送达。"
