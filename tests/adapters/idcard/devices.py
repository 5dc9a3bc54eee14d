"""Fixtures that stand in for the devices of a counter: a GA 467 SAM reader on a serial port
(a pty served by ``fake_sam_process``) and the vendor's photo decoder (built with gcc).

Test modules take them by name: ``pty_port = devices.pty_port``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.adapters.idcard.test_photo import FAKE_DECODER_C

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def pty_port() -> Iterator[str]:
    """The serial device of a fake GA 467 SAM reader (no card on the first find, then 张三)."""
    master, slave = os.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.adapters.idcard.fake_sam_process", str(master)],
        pass_fds=(master,),
        cwd=ROOT,
    )
    os.close(master)
    try:
        yield os.ttyname(slave)
    finally:
        process.terminate()
        process.wait(timeout=10)
        os.close(slave)


@pytest.fixture
def vendor_library(tmp_path: Path) -> str:
    """A stand-in for the vendor's unpack() decoder, relative to the data folder."""
    gcc = shutil.which("gcc")
    assert gcc, "gcc is needed (scripts/apt/idcard.txt)"
    folder = tmp_path / "vendor"
    folder.mkdir()
    source = folder / "fake.c"
    source.write_text(FAKE_DECODER_C)
    subprocess.run(
        [gcc, "-shared", "-fPIC", "-o", str(folder / "libwlt.so"), str(source)], check=True
    )
    return "vendor/libwlt.so"
