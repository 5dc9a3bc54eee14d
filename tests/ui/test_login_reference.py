"""Reference data at login (``launch``): a later clerk's login takes up what was published since,
on a storage thread while the GUI serves events; the first login, right after the station was
built on the same data, does not read it all again."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.ui.conftest import NOW, FixedClock
from zhanhe_counter.adapters.resources import resources_dir
from zhanhe_counter.adapters.security import Argon2PasswordHasher
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.ui import launch
from zhanhe_counter.ui.context import CounterContext

RENAMED = "高龄津贴申请（新版）"


def _record_refreshes(station: Station) -> list[threading.Thread]:
    """The threads ``station.refresh_reference`` ran on, one per call (the real method runs)."""
    threads: list[threading.Thread] = []
    refresh = station.refresh_reference

    def recorded() -> bool:
        threads.append(threading.current_thread())
        return refresh()

    station.refresh_reference = recorded  # type: ignore[method-assign]
    return threads


def test_a_later_login_takes_up_new_reference_data_off_the_gui_thread(
    qtbot: QtBot, station: Station, context: CounterContext, tmp_path: Path
) -> None:
    catalogue = tmp_path / "matters.yaml"
    shipped = resources_dir() / "catalogue" / "sample-matters.yaml"
    catalogue.write_text(
        shipped.read_text(encoding="utf-8").replace("name: 高龄津贴申请\n", f"name: {RENAMED}\n"),
        encoding="utf-8",
    )
    station.reference.set_setting("catalogue_file", str(catalogue))  # as an administrator would
    threads = _record_refreshes(station)
    served: list[bool] = []
    QTimer.singleShot(0, lambda: served.append(True))

    fresh = launch._with_current_reference(context, Argon2PasswordHasher(fast=True))

    assert len(threads) == 1
    assert threads[0] is not threading.main_thread()
    assert served == [True]  # the GUI's events went on while the refresh ran
    assert fresh is not context
    assert station.catalogue.matter("ZH-005").name == RENAMED
    # Nothing new since: the same context, and the screens keep what they have.
    assert launch._with_current_reference(fresh, Argon2PasswordHasher(fast=True)) is fresh
    assert len(threads) == 2


def test_the_first_login_does_not_load_the_reference_data_again(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    station = build_station(tmp_path, demo=True, clock=FixedClock(NOW), start_queue=False)
    try:
        threads = _record_refreshes(station)
        hasher = Argon2PasswordHasher(fast=True)
        context = CounterContext.from_station(station, hasher)
        session = context.auth.login("zhangmin", "123456")
        code = launch.run_counter(qapp, context, hasher, session, smoke=True)
        assert code == 0
        assert threads == []
        qtbot.wait(launch.WARM_UP_DELAY_MS + 100)  # the warm-up starts; let it end here
        for thread in threading.enumerate():
            if thread.name == "warm-up":
                thread.join(timeout=30)
    finally:
        station.close()
