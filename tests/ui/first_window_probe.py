"""Start the client (``main.run`` with the given arguments) and report, as JSON on the last line
of stdout, what the process had imported when its first window showed and whether that window
took typing. Run in a fresh process by ``test_first_window.py``: ``sys.modules`` is the point.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from zhanhe_counter import main
from zhanhe_counter.ui import startup
from zhanhe_counter.ui.dialogs import LoginDialog

seen: dict[str, object] = {}
_start = startup.StationStart.start


def _probe(start: startup.StationStart) -> None:
    """Just before the station's build starts, i.e. once the first window has shown."""
    shown = [
        widget
        for widget in QApplication.topLevelWidgets()
        if widget.isVisible() and not widget.isHidden()
    ]
    seen["shown"] = [type(widget).__name__ for widget in shown]
    seen["modules"] = sorted(sys.modules)
    dialog = next(widget for widget in shown if isinstance(widget, LoginDialog))
    QTest.keyClicks(dialog.staff_id, "typed")
    seen["typed"] = dialog.staff_id.text()
    dialog.staff_id.clear()
    _start(start)


startup.StationStart.start = _probe  # type: ignore[method-assign]
code = main.run(sys.argv[1:])
print(json.dumps(seen))
sys.exit(code)
