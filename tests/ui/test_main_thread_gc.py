"""Cyclic garbage is collected on the GUI thread, never in a storage worker."""

from __future__ import annotations

import gc
import threading
import weakref

from pytestqt.qtbot import QtBot

from zhanhe_counter.ui import main_thread_gc
from zhanhe_counter.ui.jobs import JobRunner


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_cycles_made_in_a_worker_are_collected_on_the_gui_thread(qtbot: QtBot, qapp) -> None:
    collector = main_thread_gc.install(qapp)
    assert main_thread_gc.install(qapp) is collector  # one per application
    assert not gc.isenabled()
    collected_on: list[str] = []

    def note(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            collected_on.append(threading.current_thread().name)

    runner = JobRunner()
    gc.callbacks.append(note)
    try:

        def make_garbage() -> weakref.ref[_Cycle]:
            cycles = [_Cycle() for _ in range(5_000)]  # far past the generation-0 threshold
            return weakref.ref(cycles[-1])

        refs: list[weakref.ref[_Cycle]] = []
        runner.submit(make_garbage, refs.append)
        qtbot.waitUntil(lambda: bool(refs), timeout=5_000)
        assert collected_on == [] or set(collected_on) == {threading.main_thread().name}
        qtbot.waitUntil(lambda: refs[0]() is None, timeout=5_000)
    finally:
        gc.callbacks.remove(note)
        runner.wait_idle()
    assert collected_on
    assert set(collected_on) == {threading.main_thread().name}
