"""Child process of the screen-fit test: open the counter window on the X desk and measure it.

Run with ``DISPLAY`` set to a desk (``tests/ui/xdesk.py``), ``QT_QPA_PLATFORM=xcb`` and maybe
``QT_SCALE_FACTOR``. Opens the demo window as ``zhanhe-counter --demo`` does (``show_fitted``),
visits every page and prints one JSON object: the screen, the window frame, and for each page
the global rectangle of its key widgets and whether they are fully visible (not clipped by a
scroll area, a splitter or the screen).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from tests.ui.conftest import NOW, FixedClock
from zhanhe_counter.adapters.security import Argon2PasswordHasher
from zhanhe_counter.composition import build_station
from zhanhe_counter.main import _demo_reader
from zhanhe_counter.services.auth import LoginSession
from zhanhe_counter.services.station import Staff
from zhanhe_counter.ui.app import create_application
from zhanhe_counter.ui.context import CounterContext
from zhanhe_counter.ui.main_window import MainWindow


def _rect(widget: QWidget) -> list[int]:
    top_left = widget.mapToGlobal(QPoint(0, 0))
    return [top_left.x(), top_left.y(), widget.width(), widget.height()]


def _fully_shown(widget: QWidget) -> bool:
    """Visible, and no ancestor (scroll area, splitter, window) clips any of it."""
    if not widget.isVisible() or widget.width() == 0 or widget.height() == 0:
        return False
    return widget.visibleRegion().boundingRect() == QRect(0, 0, widget.width(), widget.height())


class _Sizes:
    """Text sizes for the probe only: the user's own settings stay untouched."""

    def load(self, staff_id: str) -> int:
        return 100

    def save(self, staff_id: str, percent: int) -> None:
        pass


def main() -> int:
    _app = create_application(sys.argv[:1])  # kept alive while the window is measured
    data = Path(tempfile.mkdtemp(prefix="zhanhe-fit-"))
    station = build_station(data, demo=True, clock=FixedClock(NOW), start_queue=False)
    _reader, cards = _demo_reader()
    context = CounterContext.from_station(
        station, Argon2PasswordHasher(fast=True), demo_cards=cards
    )
    roles = ("window", "delivery", "backoffice", "supervisor", "admin")
    session = LoginSession(staff=Staff("zhangmin", "张敏"), roles=roles, started_at=NOW)
    window = MainWindow(context, session, ask_unlock=lambda _w: True, text_sizes=_Sizes())
    window.set_text_size(int(os.environ.get("PROBE_TEXT_SIZE", "100")))
    window.show_fitted()
    QTest.qWaitForWindowExposed(window)
    QTest.qWait(600)  # the window manager places and frames the window
    frame = window.frameGeometry()
    screen = window.screen().availableGeometry()
    pages: dict[str, dict[str, object]] = {}
    for name, open_page in window.page_openers().items():
        open_page()
        window.runner.wait_idle(10_000)
        QTest.qWait(150)
        widgets = window.key_widgets()
        pages[name] = {
            key: {"rect": _rect(widget), "shown": _fully_shown(widget)}
            for key, widget in widgets.items()
        }
    report = {
        "screen": [screen.x(), screen.y(), screen.width(), screen.height()],
        "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
        "minimum": [window.minimumSizeHint().width(), window.minimumSizeHint().height()],
        "device_pixel_ratio": window.devicePixelRatio(),
        "pages": pages,
    }
    print(json.dumps(report, ensure_ascii=False))
    window.close()
    station.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
