"""Child process of the switch-user test: two clerks, one after the other, through the real loop.

zhangmin's window hands over to lina (换人 at the lock); lina's window then runs ``app.exec``
again and is closed, which ends the client. Prints one line per window.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer

from tests.ui.conftest import NOW, FixedClock
from zhanhe_counter.adapters.security import Argon2PasswordHasher
from zhanhe_counter.composition import build_station
from zhanhe_counter.services.auth import LoginSession
from zhanhe_counter.services.station import Staff
from zhanhe_counter.ui.app import create_application
from zhanhe_counter.ui.context import CounterContext
from zhanhe_counter.ui.launch import _run_until_switch
from zhanhe_counter.ui.main_window import MainWindow


def main(folder: Path) -> int:
    app = create_application(sys.argv[:1])
    station = build_station(folder, demo=True, clock=FixedClock(NOW), start_queue=False)
    context = CounterContext.from_station(station, Argon2PasswordHasher(fast=True))
    zhangmin = LoginSession(staff=Staff("zhangmin", "张敏"), roles=("window",), started_at=NOW)
    lina = LoginSession(staff=Staff("lina", "李娜"), roles=("window",), started_at=NOW)
    guard = QTimer()  # the probe must end even if the window never closes
    guard.setSingleShot(True)
    guard.timeout.connect(app.quit)
    guard.start(20_000)

    first = MainWindow(context, zhangmin, ask_unlock=lambda _w: lina)
    first.show_fitted()
    QTimer.singleShot(300, first.lock)  # Ctrl+L; lina signs in at the lock
    following, _code = _run_until_switch(app, first, context)
    assert following is not None
    print(f"first:zhangmin->{following.staff.staff_id}")

    second = MainWindow(context, following, ask_unlock=lambda _w: True)
    second.show_fitted()
    QTimer.singleShot(300, second.close)  # the window is closed: the client ends
    after, _code = _run_until_switch(app, second, context)
    print(f"second:{second.session.staff.staff_id}->{'end' if after is None else after}")
    guard.stop()
    station.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
