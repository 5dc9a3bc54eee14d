"""Helpers for the printing tests: real clock, waiting, the fake 9100 printer, npos decoding."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[4]
NODE_TOOLS = REPO / "tests" / "tools" / "node"
FAKE_PRINTER = Path(__file__).with_name("fake_escpos_printer.py")


class SystemClock:
    """The real clock (tests never assert on time; rows just need aware timestamps)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def wait_for(predicate: Callable[[], Any], *, timeout: float = 30.0, what: str = "") -> Any:
    """Poll until ``predicate()`` is truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeEscposPrinter:
    """The fake port-9100 printer process (see fake_escpos_printer.py)."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def start(self) -> FakeEscposPrinter:
        for marker in self.folder.glob("ready-*"):
            marker.unlink()
        self.process = subprocess.Popen(
            [sys.executable, str(FAKE_PRINTER), str(self.port), str(self.folder)],
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: list(self.folder.glob("ready-*")), timeout=10, what="fake printer")
        return self

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None

    def flag(self, name: str, on: bool) -> None:
        path = self.folder / name
        if on:
            path.write_text("1")
        else:
            path.unlink(missing_ok=True)

    def jobs(self) -> list[bytes]:
        return [p.read_bytes() for p in sorted(self.folder.glob("job*.bin"))]


def ticket_image(seed: int, width: int = 576, height: int = 200) -> Image.Image:
    """A distinct 1-bit test ticket per seed (until part A's renderer is wired in)."""
    image = Image.new("1", (width, height), 1)
    draw = ImageDraw.Draw(image)
    draw.rectangle((4, 4, width - 5, height - 5), outline=0, width=3)
    for i in range(seed % 7 + 1):
        x = 20 + i * 60 + seed % 13
        draw.rectangle((x, 30, x + 30 + seed % 5, 160), fill=0)
    draw.line((0, height - 1, width - 1, 0), fill=0, width=2)
    return image


def npos_decode(data: bytes, tmp: Path) -> dict[str, Any]:
    """Decode ESC/POS bytes with npm npos (not this project's code)."""
    node = shutil.which("node")
    assert node, "node (Node.js) is required for the ESC/POS decoding tests"
    assert (NODE_TOOLS / "node_modules" / "npos").is_dir(), (
        f"npos missing: run `npm ci --prefix {NODE_TOOLS.relative_to(REPO)}`"
    )
    path = tmp / f"decode-{time.monotonic_ns()}.bin"
    path.write_bytes(data)
    out = subprocess.run(
        [node, str(NODE_TOOLS / "decode.js"), str(path)],
        capture_output=True,
        check=True,
        env={**os.environ, "NODE_PATH": str(NODE_TOOLS / "node_modules")},
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def raster_rows(image: Image.Image) -> list[str]:
    """The image as rows of '1' (ink) / '0' (paper), padded to whole bytes like GS v 0."""
    bitmap = image.convert("1")
    width = (bitmap.width + 7) // 8 * 8
    rows = []
    for y in range(bitmap.height):
        row = "".join("1" if bitmap.getpixel((x, y)) == 0 else "0" for x in range(bitmap.width))
        rows.append(row + "0" * (width - bitmap.width))
    return rows
