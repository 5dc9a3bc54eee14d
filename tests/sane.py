"""SANE's own ``test`` backend, enabled in a configuration folder of the test's own.

Debian ships the backend (``libsane1``) but leaves it commented out in /etc/sane.d/dll.conf; the
fixture points ``SANE_CONFIG_DIR`` at a folder whose dll.conf lists only ``test``, so the real
SANE library loads the real driver and /etc is never edited.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def sane_test_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if shutil.which("scanimage") is None:
        pytest.fail("scanimage missing: install the packages in scripts/apt/materials.txt")
    folder = tmp_path / "sane.d"
    folder.mkdir()
    (folder / "dll.conf").write_text("test\n", encoding="ascii")
    (folder / "test.conf").write_text("number_of_devices 2\n", encoding="ascii")
    monkeypatch.setenv("SANE_CONFIG_DIR", str(folder))
    return folder
