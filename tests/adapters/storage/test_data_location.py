"""A data folder that cannot work says why in Chinese, without tracebacks (issue 18):
a read-only disk (a real read-only mount when the tests run as root, else permissions) and a
folder standing where ``station.sqlite3`` should be."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from zhanhe_counter.adapters.storage.database_key import open_station_database
from zhanhe_counter.adapters.storage.engine import DatabaseNotWritable, DatabaseUnusable

ROOT = Path(__file__).resolve().parents[3]


def _admin(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("ZHANHE_DATA_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "zhanhe_counter.cli.app", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` read-only as a write-protected disk would be."""
    if os.geteuid() == 0:  # root ignores permission bits: mount the folder read-only instead
        subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
            yield
        finally:
            subprocess.run(["umount", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)


@pytest.fixture
def demo_folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    done = _admin("--data-dir", str(data), "demo-data", "--cases", "2")
    assert done.returncode == 0, done.stderr
    return data


def test_a_read_only_data_folder_is_named_as_such(demo_folder: Path) -> None:
    with read_only(demo_folder):
        with pytest.raises(DatabaseNotWritable, match="not writable") as raised:
            open_station_database(demo_folder)
        assert "无法写入" in raised.value.user_message
        assert "密钥" not in raised.value.user_message
        done = _admin("--data-dir", str(demo_folder), "demo-data", "--cases", "1")
    assert done.returncode == 2
    assert "无法写入（只读磁盘" in done.stderr
    assert "密钥" not in done.stderr
    assert "Logging error" not in done.stderr
    assert "Traceback" not in done.stderr


def test_a_folder_where_the_database_should_be(tmp_path: Path) -> None:
    (tmp_path / "station.sqlite3").mkdir()
    with pytest.raises(DatabaseUnusable, match="is a folder"):
        open_station_database(tmp_path, demo=True)
    done = _admin("--data-dir", str(tmp_path), "demo-data", "--cases", "1")
    assert done.returncode == 2
    assert "是一个文件夹，不是数据库文件" in done.stderr
    assert "Traceback" not in done.stderr
