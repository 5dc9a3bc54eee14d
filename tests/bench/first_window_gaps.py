"""Start the client (``main.run`` with the given arguments) and print, as JSON on the last line,
the gaps between the GUI thread's 10 ms timer ticks while the station is built behind the login
dialog: how long a key typed then could wait (``test_bench_ui``)."""

from __future__ import annotations

import json
import sys
import time

from PySide6.QtCore import QTimer

from zhanhe_counter import main
from zhanhe_counter.ui import startup

gaps: list[float] = []
_start = startup.StationStart.start


def _timed(start: startup.StationStart) -> None:
    timer = QTimer(start)
    timer.setInterval(10)
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer.timeout.connect(tick)
    start.ready.connect(lambda _built: timer.stop())
    timer.start()
    _start(start)


startup.StationStart.start = _timed  # type: ignore[method-assign]
code = main.run(sys.argv[1:])
print(json.dumps(gaps))
sys.exit(code)
