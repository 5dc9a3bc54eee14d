"""The first window (登录) before the station: the clerk types while the station opens behind it.

Opening the station (SQLAlchemy, the encrypted database, the catalogue, the calendar, the main
window's modules) is most of a start. So the login dialog shows first, from a process that has
imported only Qt and this dialog, and the station is built on a worker thread behind it. The
clerk types at once; a submit made before the station is ready says 正在启动… and goes on by
itself once it is; a station that cannot open says why, in Chinese, in the same dialog.

``main.py`` (the composition root) hands in the build: this module knows no adapter.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.auth import AuthService, LoginSession
from zhanhe_counter.ui.dialogs import LoginDialog

log = logging.getLogger(__name__)

T = TypeVar("T")

#: The demo's accounts (seeded by ``composition`` in demo mode), shown on its login dialog.
DEMO_HINT = (
    "演示账号（密码均为 123456）：zhangmin 窗口人员、lina 窗口和出件、"
    "wangqiang 后台审批、zhaoli 督查统计。"
)

#: What ``--smoke`` prints once the login dialog shows and takes input (the launch benchmark).
WINDOW_SHOWN = "zhanhe-counter: window shown"

#: A failure that is not a :class:`DomainError` (it carries no Chinese message of its own).
UNEXPECTED_FAILURE = "本机数据无法打开，程序出现意外错误，已记录日志。请联系管理员。"


class StationStart(QObject):
    """Runs ``build`` once on a thread of its own; ``ready`` or ``failed`` on the GUI thread.

    The object lives on the GUI thread, so the signals emitted from the worker are queued there.
    The outcome is also kept here, for a caller that stops waiting (the clerk cancelled).
    """

    ready = Signal(object)
    failed = Signal(Exception)

    def __init__(self, build: Callable[[], object]) -> None:
        super().__init__()
        self._build = build
        self._thread = threading.Thread(target=self._run, name="station-start")
        self.result: object | None = None
        self.error: Exception | None = None

    def start(self) -> None:
        self._thread.start()

    def wait(self) -> None:
        """Block until the build has ended (after the window closed: its result must be closed)."""
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        try:
            self.result = self._build()
        except Exception as error:  # shown in the login dialog, not a crash
            self.error = error
            self.failed.emit(error)
        else:
            self.ready.emit(self.result)


def failure_message(error: Exception) -> str:
    """The clerk's sentence for a station that could not open."""
    if isinstance(error, DomainError):
        return error.user_message
    return UNEXPECTED_FAILURE


def connect(
    dialog: LoginDialog, start: StationStart, auth_of: Callable[[Any], AuthService]
) -> None:
    """The dialog learns the station's ``AuthService`` when it is built, or why it was not."""
    start.ready.connect(lambda built: dialog.station_ready(auth_of(built)))

    def failed(error: Exception) -> None:
        if not isinstance(error, DomainError):
            log.error("the station could not be opened", exc_info=error)
        else:
            log.error("the station could not be opened: %s", error)
        dialog.station_failed(failure_message(error))

    start.failed.connect(failed)


@dataclass
class SignedIn(Generic[T]):
    """The end of the first window: what was built (close it if there is no session), who
    logged in, and the build's error if it failed."""

    built: T | None
    session: LoginSession | None
    error: Exception | None


def sign_in(
    app: QApplication,
    build: Callable[[], T],
    auth_of: Callable[[T], AuthService],
    *,
    hint: str = "",
    auto_login: tuple[str, str] | None = None,
    hand_back: Callable[[Exception], bool] = lambda _error: False,
    smoke: bool = False,
) -> SignedIn[T]:
    """Show the login dialog, build the station behind it, and return once it is closed.

    ``auto_login`` (``--smoke``, ``--screenshot``) types the account into the dialog and submits
    it at once, as a clerk quicker than the build would; any refusal or failure then closes the
    dialog (nobody is there to read it). A build error ``hand_back`` accepts closes the dialog
    too and is returned to the caller (the first-run setup).
    """
    dialog = LoginDialog(None, hint=hint)
    start = StationStart(build)
    connect(dialog, start, auth_of)

    def failed(error: Exception) -> None:
        if auto_login is not None or hand_back(error):
            dialog.reject()

    start.failed.connect(failed)
    dialog.show()
    app.processEvents()  # painted and taking keys before the build holds the interpreter
    if smoke:  # what the launch benchmark times
        print(WINDOW_SHOWN, flush=True)
    start.start()
    if auto_login is not None:
        dialog.refused.connect(lambda _message: dialog.reject())
        dialog.staff_id.setText(auto_login[0])
        dialog.password.setText(auto_login[1])
        dialog.try_login()
    accepted = dialog.exec() == LoginDialog.DialogCode.Accepted
    start.wait()  # a cancel during the build: the caller still closes what was built
    return SignedIn(
        cast("T | None", start.result),
        dialog.session if accepted else None,
        start.error,
    )
