"""The GUI entry point starts in demo mode and exits cleanly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_demo_smoke_starts_and_exits(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "zhanhe_counter", "--demo", "--smoke", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    # The console stays quiet: the INFO lines (migrations, Alembic plugins) go to the log file.
    assert " INFO " not in result.stderr
    assert "Running upgrade" in (tmp_path / "logs" / "zhanhe.log").read_text(encoding="utf-8")


def test_demo_screenshot_is_written(tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    result = subprocess.run(
        [sys.executable, "-m", "zhanhe_counter", "--demo", "--screenshot", str(shot)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert shot.stat().st_size > 1000
