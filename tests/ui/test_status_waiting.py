"""Documents that wait are on screen (issue 18, Deliver 2): the status line says how many and
why, in Chinese, and its 重试 queues them once the cause is gone."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.services.test_intake import _request
from tests.services.test_owed_documents import misconfigured_dispatcher
from zhanhe_counter.composition import Station
from zhanhe_counter.ui.main_window import MainWindow


def test_waiting_documents_show_their_reason_and_retry_queues_them(
    qtbot: QtBot, window: MainWindow, station: Station
) -> None:
    bar = window.status
    bar.refresh()
    qtbot.waitUntil(lambda: bar.printers.text() != "打印机 …", timeout=10_000)
    assert not bar.waiting.isVisible()  # nothing owed: nothing said

    committed = station.intake.commit(_request(station, "ZH-004"))
    owed = len(committed.result.documents)
    misconfigured_dispatcher(station).recover_owed()  # as on a PC with no such printer
    bar.refresh()
    qtbot.waitUntil(bar.waiting.isVisible, timeout=10_000)
    text = bar.waiting.text()
    assert f"{owed} 份文书待打印：未配置打印机“不存在的打印机”，请检查打印机设置。" in text
    assert "重试" in text

    # The cause is gone (this station's printers are configured): 重试 queues them, once.
    bar.retry_waiting()
    qtbot.waitUntil(lambda: not bar.waiting.isVisible(), timeout=30_000)
    queued = [j for j in station.queue.history_for_case(committed.case.case_id) if not j.is_reprint]
    assert queued
    assert station.dispatcher.waiting() == []
