"""The counter's main window once the first clerk is logged in, and the clerks after.

``main.py`` (the composition root) shows the login dialog while the station is built behind it
(``ui.startup``), then builds the reader (simulated in demo mode, else from ``reader.toml``;
``reader_problem`` says why a configured one could not be built) and calls :func:`run_counter`
with the first session. ``--smoke`` and ``--screenshot`` end once the window has shown.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from zhanhe_counter.services.auth import LoginSession
from zhanhe_counter.services.ports.printing import RenderedDocument
from zhanhe_counter.services.ports.security import PasswordHasher
from zhanhe_counter.ui.context import CounterContext, StationServices
from zhanhe_counter.ui.dialogs import LoginDialog
from zhanhe_counter.ui.jobs import StorageRunner
from zhanhe_counter.ui.main_window import MainWindow
from zhanhe_counter.ui.reader_bridge import ReaderBridge
from zhanhe_counter.ui.startup import DEMO_HINT

log = logging.getLogger(__name__)

#: How long after the window shows the warm-up starts (its first frame is painted by then).
WARM_UP_DELAY_MS = 300

#: What ``--smoke`` prints once the main window shows (the launch benchmark's second figure).
MAIN_WINDOW_READY = "zhanhe-counter: main window ready"

__all__ = ["DEMO_HINT", "MAIN_WINDOW_READY", "run_counter"]


def run_counter(
    app: QApplication,
    context: CounterContext,
    hasher: PasswordHasher,
    session: LoginSession,
    *,
    reader: ReaderBridge | None = None,
    reader_problem: str = "",
    printed_documents: Callable[[], list[tuple[str, RenderedDocument]]] | None = None,
    smoke: bool = False,
    screenshot: Path | None = None,
) -> int:
    """Run the window for ``session`` and the clerks after; returns the exit code."""
    context.printed_documents = printed_documents
    following: LoginSession | None = session
    code = 0
    started = False
    while following is not None:
        if started:  # the first clerk works on what building the station has just loaded
            context = _with_current_reference(context, hasher)
        window = MainWindow(context, following, reader=reader, reader_problem=reader_problem)
        window.show_fitted()
        if not started:  # once per run, not per clerk
            started = True
            _after_first_show(window, context)
        if reader is not None and not reader.running:
            reader.start()
        if screenshot is not None or smoke:
            app.processEvents()
            if smoke:  # the launch benchmark's second figure; the checks and warm-up go on
                print(MAIN_WINDOW_READY, flush=True)
            window.runner.wait_idle(10_000)
            app.processEvents()
            if screenshot is not None:
                window.grab().save(str(screenshot))
            window.close()
            return 0
        following, code = _run_until_switch(app, window, context)
    return code


def _with_current_reference(context: CounterContext, hasher: PasswordHasher) -> CounterContext:
    """At each login, what the centre published since (catalogue, windows, settings…) is taken
    up: the screens of this clerk are built on it, without restarting the client."""
    if not _reference_refreshed(context.station):
        return context
    fresh = CounterContext.from_station(context.station, hasher, demo_cards=context.demo_cards)
    fresh.printed_documents = context.printed_documents
    return fresh


def _reference_refreshed(station: StationServices) -> bool:
    """``station.refresh_reference()`` on a storage thread, the GUI serving events meanwhile.

    On a registered counter the check reads every published document and hashes each file it
    materialised. The clerk's window, whose runner would do it, is built on the result, so the
    refresh has a runner of its own.
    """
    runner = StorageRunner()
    changed: list[bool] = []
    runner.submit(station.refresh_reference, changed.append, _refresh_failed)
    while not runner.wait_idle():
        pass  # however long it takes: the screens must not be built on stale data
    return changed == [True]


def _refresh_failed(error: Exception) -> None:  # keep working on what loaded before
    log.error("reference data not checked at login: %s", error)


def _after_first_show(window: MainWindow, context: CounterContext) -> None:
    """What the start owes but the window need not wait for.

    The checks (quick check, retention, owed documents) go first on the window's storage
    thread, so an intake the clerk starts queues behind them; the warm-up (fonts, a throwaway
    render, the search index's pinyin) runs on a thread of its own and touches no storage.
    """
    station = context.station
    window.runner.submit(station.startup_checks, on_error=_startup_checks_failed)

    def warm_up() -> None:
        try:
            context.search.warm()
            station.warm_up()
        except Exception:  # a cold first document is slow, not wrong: never stop the counter
            log.exception("warm-up after start failed")

    # Once the first frame is painted: parsing the fonts holds the interpreter a while.
    QTimer.singleShot(
        WARM_UP_DELAY_MS,
        # Not a daemon: a client closed within seconds of its start waits for it rather than
        # stopping it inside reportlab's C code at interpreter exit.
        lambda: threading.Thread(target=warm_up, name="warm-up").start(),
    )


def _startup_checks_failed(error: Exception) -> None:
    log.error("start-up checks failed: %s", error)


def _run_until_switch(
    app: QApplication, window: MainWindow, context: CounterContext
) -> tuple[LoginSession | None, int]:
    """Run ``window`` until it closes; the next clerk's session after 换人 or 退出登录, if any."""
    following: list[LoginSession | None] = []

    def leave(session: LoginSession | None) -> None:
        if window.close():  # refused while a case is still being saved
            following.append(session)
            app.quit()  # the applicant's screen may still be open

    window.switch_requested.connect(
        lambda session: leave(session if isinstance(session, LoginSession) else None)
    )
    window.logout_requested.connect(lambda: leave(None))

    code = app.exec()
    window.applicant_screen.close()
    window.deleteLater()  # disconnects the reader from this clerk's window
    if not following:
        return None, code  # the window was closed: the client ends
    if following[0] is not None:
        return following[0], code
    return _login(context), code


def _login(context: CounterContext) -> LoginSession | None:
    dialog = LoginDialog(context.auth, hint=DEMO_HINT if context.station.demo else "")
    if dialog.exec() != LoginDialog.DialogCode.Accepted:
        return None
    return dialog.session
