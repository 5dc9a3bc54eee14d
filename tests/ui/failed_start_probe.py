"""Start the client (``main.run`` with the given arguments) on a PC whose station cannot open,
wait until the login dialog says why, print that as JSON on the last line of stdout and close
the dialog as a clerk would (退出). Run in a fresh process by ``test_first_window.py``."""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from zhanhe_counter import main
from zhanhe_counter.ui import startup
from zhanhe_counter.ui.dialogs import LoginDialog

seen: dict[str, object] = {}
_start = startup.StationStart.start


def _look() -> None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, LoginDialog) and widget._station_failed:
            buttons = widget._buttons
            ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
            cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
            seen.update(message=widget.error.text(), ok=ok.isEnabled(), cancel=cancel.text())
            cancel.click()
            return
    QTimer.singleShot(100, _look)


def _looking(start: startup.StationStart) -> None:
    QTimer.singleShot(100, _look)
    _start(start)


startup.StationStart.start = _looking  # type: ignore[method-assign]
code = main.run(sys.argv[1:])
print(json.dumps(seen, ensure_ascii=False))
sys.exit(code)
