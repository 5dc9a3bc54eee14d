"""The first window (登录) shows before the station is built and takes typing at once; a submit
made meanwhile waits for the station (正在启动…); a station that cannot open says why in it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from tests.ui.conftest import NOW, FixedClock
from zhanhe_counter import main
from zhanhe_counter.adapters.security import Argon2PasswordHasher
from zhanhe_counter.composition import DEMO_PASSWORD, DEMO_STAFF, Station, build_station
from zhanhe_counter.services.auth import AuthService
from zhanhe_counter.ui import startup
from zhanhe_counter.ui.dialogs import LoginDialog

PROBE = Path(__file__).with_name("first_window_probe.py")
FAILED_START = Path(__file__).with_name("failed_start_probe.py")

#: What the first window must not wait for: the station's libraries.
HEAVY = ("sqlalchemy", "psycopg", "alembic", "pypinyin", "reportlab", "yaml", "argon2")


def _auth(station: Station) -> AuthService:
    return AuthService(station.reference, Argon2PasswordHasher(fast=True), station.clock)


def _gated_build(folder: Path, gate: threading.Event) -> Station:
    gate.wait(30)
    return build_station(folder, demo=True, clock=FixedClock(NOW), start_queue=False)


def _probe(script: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run a probe in a fresh client process; its run and the JSON it printed last."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # never the user's keyring
    }
    result = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    lines = result.stdout.strip().splitlines()
    return result, json.loads(lines[-1]) if lines else {}


def test_the_first_window_shows_before_the_station_libraries_load(tmp_path: Path) -> None:
    """A fresh ``--demo --smoke`` process: when the login dialog shows (the build has not
    started), none of the station's libraries is imported and the dialog takes typing."""
    result, seen = _probe(PROBE, "--demo", "--smoke", "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    assert seen["shown"] == ["LoginDialog"]
    assert seen["typed"] == "typed"
    modules = set(seen["modules"])
    assert not [name for name in HEAVY if name in modules]
    assert "zhanhe_counter.composition" not in modules
    assert not [name for name in modules if name.startswith("zhanhe_counter.adapters.storage")]
    # The smoke run went on to log in and show the main window.
    lines = result.stdout.splitlines()
    assert lines.index(startup.WINDOW_SHOWN) < lines.index("zhanhe-counter: main window ready")


def test_a_counter_whose_database_key_cannot_be_read_says_so_in_the_login_dialog(
    tmp_path: Path,
) -> None:
    """A real (not demo) start on a PC without a usable keyring: the station's build fails
    behind the login dialog, which says why in Chinese; 退出 ends the client with 1, no crash."""
    result, seen = _probe(FAILED_START, "--data-dir", str(tmp_path))
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "密钥库" in str(seen["message"])
    assert seen["ok"] is False
    assert seen["cancel"] == "退出"


def test_a_submit_before_the_station_is_ready_waits_for_it(qtbot: QtBot, tmp_path: Path) -> None:
    gate = threading.Event()
    dialog = LoginDialog(None, hint=startup.DEMO_HINT)
    qtbot.addWidget(dialog)
    start = startup.StationStart(lambda: _gated_build(tmp_path, gate))
    startup.connect(dialog, start, _auth)
    dialog.show()
    qtbot.waitExposed(dialog)
    start.start()
    qtbot.keyClicks(dialog.staff_id, DEMO_STAFF[0][0])
    qtbot.keyClicks(dialog.password, DEMO_PASSWORD)
    dialog.try_login()
    ok = dialog._buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert "正在启动" in dialog.error.text()
    assert not ok.isEnabled()
    qtbot.keyClicks(dialog.staff_id, "x")  # still typing while it waits
    assert dialog.staff_id.text() == DEMO_STAFF[0][0] + "x"
    dialog.staff_id.setText(DEMO_STAFF[0][0])
    assert dialog.session is None
    gate.set()
    with qtbot.waitSignal(dialog.accepted, timeout=30_000):
        pass
    assert dialog.session is not None
    assert dialog.session.staff.staff_id == DEMO_STAFF[0][0]
    start.wait()
    assert isinstance(start.result, Station)
    start.result.close()


def test_a_station_that_cannot_open_says_why_in_the_login_dialog(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Another client holds the data folder: the build fails behind the dialog, which says so in
    Chinese and offers only 退出; the process goes on."""
    holder = build_station(tmp_path, demo=True, clock=FixedClock(NOW))  # holds the folder lock
    try:
        dialog = LoginDialog(None)
        qtbot.addWidget(dialog)
        start = startup.StationStart(
            lambda: build_station(tmp_path, demo=True, clock=FixedClock(NOW))
        )
        startup.connect(dialog, start, _auth)
        dialog.show()
        dialog.staff_id.setText(DEMO_STAFF[0][0])
        dialog.password.setText(DEMO_PASSWORD)
        dialog.try_login()
        with qtbot.waitSignal(start.failed, timeout=30_000):
            start.start()
        qtbot.waitUntil(lambda: "正在启动" not in dialog.error.text())
        assert "另一个柜台程序" in dialog.error.text()
        assert not dialog._buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
        cancel = dialog._buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert cancel.text() == "退出"
        dialog.try_login()  # Enter again: nothing to log in to, no crash
        assert dialog.session is None
        assert dialog.isVisible()
    finally:
        holder.close()


def test_an_unexpected_build_error_is_shown_in_chinese(qtbot: QtBot) -> None:
    def broken() -> Station:
        raise RuntimeError("disk on fire")

    dialog = LoginDialog(None)
    qtbot.addWidget(dialog)
    start = startup.StationStart(broken)
    startup.connect(dialog, start, _auth)
    with qtbot.waitSignal(start.failed, timeout=10_000):
        start.start()
    qtbot.waitUntil(lambda: dialog.error.text() == startup.UNEXPECTED_FAILURE)
    assert "disk on fire" not in dialog.error.text()


def test_unattended_sign_in_stops_on_a_failed_build(qtbot: QtBot, tmp_path: Path) -> None:
    """``--smoke`` with a station that cannot open: the dialog closes (nobody reads it) and the
    caller gets the error, not a hang."""
    holder = build_station(tmp_path, demo=True, clock=FixedClock(NOW))
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    try:
        signed = startup.sign_in(
            app,
            lambda: build_station(tmp_path, demo=True, clock=FixedClock(NOW)),
            _auth,
            auto_login=main.DEMO_LOGIN,
        )
    finally:
        holder.close()
    assert signed.session is None
    assert signed.built is None
    assert signed.error is not None
    assert "另一个柜台程序" in startup.failure_message(signed.error)


def test_a_login_closed_during_the_build_hands_back_what_was_built(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The clerk closes the dialog while the station opens: ``sign_in`` waits for the build, so
    the caller can close the station (and its folder lock)."""
    gate = threading.Event()
    app = QApplication.instance()
    assert isinstance(app, QApplication)

    def close_the_dialog() -> None:
        gate.set()  # the build goes on after the dialog closed
        for widget in app.topLevelWidgets():
            if isinstance(widget, LoginDialog) and widget.isVisible():
                widget.reject()

    QTimer.singleShot(200, close_the_dialog)
    signed = startup.sign_in(app, lambda: _gated_build(tmp_path, gate), _auth)
    assert signed.session is None
    assert isinstance(signed.built, Station)
    signed.built.close()


def test_the_smoke_login_is_the_first_demo_account() -> None:
    assert (DEMO_STAFF[0][0], DEMO_PASSWORD) == main.DEMO_LOGIN


def test_a_station_never_set_up_is_handed_back_for_the_setup(qtbot: QtBot) -> None:
    """The error ``hand_back`` accepts (main.py: setup missing) closes the dialog at once, with
    no clerk input, so the first-run setup can show instead."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)

    def not_set_up() -> Station:
        raise RuntimeError("setup missing")

    signed = startup.sign_in(app, not_set_up, _auth, hand_back=lambda error: "setup" in str(error))
    assert signed.session is None
    assert str(signed.error) == "setup missing"
    assert not any(
        isinstance(widget, LoginDialog) and widget.isVisible() for widget in app.topLevelWidgets()
    )
