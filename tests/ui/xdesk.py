"""A desk for screen tests (虚拟桌面): Xvfb at a counter PC's resolution, with a window manager.

The offscreen platform has no window frames and never refuses a size, so whether the counter
window fits a 1366×768 screen can only be seen on a real X server where a window manager
decorates windows and keeps them on the screen. ``desk(1366, 768)`` starts both and yields the
``DISPLAY``; the programs under test run in a child process with ``QT_QPA_PLATFORM=xcb``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: Window managers tried in order (Debian packages openbox, xfwm4); scripts/apt/ui.txt has one.
WINDOW_MANAGERS = (("openbox", "--sm-disable"), ("xfwm4", "--compositor=off"))


class NoDesk(RuntimeError):
    """Xvfb or a window manager is missing: the screen tests cannot run."""


@contextmanager
def desk(width: int, height: int) -> Iterator[str]:
    """Xvfb with one ``width``×``height`` screen and a window manager; yields the DISPLAY."""
    if shutil.which("Xvfb") is None:
        raise NoDesk("Xvfb is not installed (Debian package xvfb, see scripts/apt/ui.txt)")
    manager = next((wm for wm in WINDOW_MANAGERS if shutil.which(wm[0])), None)
    if manager is None:
        raise NoDesk("no window manager installed (Debian package openbox, see scripts/apt/ui.txt)")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{width}x{height}x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    wm: subprocess.Popen[bytes] | None = None
    try:
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()  # Xvfb writes the display number once it listens
        if not number:
            raise NoDesk("Xvfb did not start")
        display = f":{number}"
        env = {**os.environ, "DISPLAY": display}
        wm = subprocess.Popen(
            list(manager), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait_for_manager(display)
        yield display
    finally:
        for process in (wm, server):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()


def _wait_for_manager(display: str, timeout_s: float = 10.0) -> None:
    """A window manager sets _NET_SUPPORTING_WM_CHECK on the root window once it runs."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        probe = subprocess.run(
            ["xprop", "-root", "-display", display, "_NET_SUPPORTING_WM_CHECK"],
            capture_output=True,
            text=True,
            check=False,
        )
        if "window id" in probe.stdout:
            return
        time.sleep(0.1)
    raise NoDesk("the window manager did not start")
