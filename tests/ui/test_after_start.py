"""What a start owes runs once the window shows: the checks first on its storage thread (an
intake started meanwhile queues behind them), the warm-up on a thread of its own."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.ui.conftest import CLERK, NOW, FixedClock
from zhanhe_counter.adapters.security import Argon2PasswordHasher
from zhanhe_counter.composition import build_station
from zhanhe_counter.services.auth import LoginSession
from zhanhe_counter.ui import launch
from zhanhe_counter.ui.context import CounterContext
from zhanhe_counter.ui.main_window import MainWindow


def test_the_start_up_checks_and_the_warm_up_run_after_the_window_shows(
    qtbot: QtBot, tmp_path: Path
) -> None:
    station = build_station(
        tmp_path, demo=True, clock=FixedClock(NOW), start_queue=False, startup_checks=False
    )
    try:
        assert station.health is not None
        assert not station.health.state.checked  # nothing of it before the window
        context = CounterContext.from_station(station, Argon2PasswordHasher(fast=True))
        window = MainWindow(
            context,
            LoginSession(staff=CLERK, roles=("window",), started_at=NOW),
            ask_unlock=lambda _w: True,
        )
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        launch._after_first_show(window, context)
        assert window.runner.wait_idle(10_000)
        assert station.health.state.checked
        assert not station.health.state.damaged
        # The warm-up: the renderer built and the search index ready before anyone types.
        qtbot.waitUntil(lambda: context.search._built is not None, timeout=20_000)
        assert context.search.search("gljt")[0].matter.name == "高龄津贴申请"
        window.close()
    finally:
        station.close()
