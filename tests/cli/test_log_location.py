"""Commands that need no station leave nothing in the user's default data folder (issue 18)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from zhanhe_counter.adapters.logging_setup import remove_handlers
from zhanhe_counter.adapters.paths import DATA_DIR_ENV, resolve_data_dir
from zhanhe_counter.cli.app import main


@pytest.fixture
def default_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The platform's default data folder, moved into the test's folder."""
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    default = resolve_data_dir(None, {})
    assert str(default).startswith(str(tmp_path))
    yield default
    remove_handlers()


def test_a_command_without_a_station_writes_no_log_into_the_default_folder(
    default_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-v", "id", "check", "211011197611070905", "--json"]) in (0, 1)
    assert main(["catalogue", "check", str(tmp_path / "missing.yaml")]) == 2
    logging.getLogger("zhanhe_counter.cli").warning("a line that would go to the file")
    capsys.readouterr()
    assert not default_home.exists()


def test_a_named_folder_still_gets_the_log(
    default_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    named = tmp_path / "named"
    assert main(["--data-dir", str(named), "catalogue", "check", str(tmp_path / "x.yaml")]) == 2
    logging.getLogger("zhanhe_counter.cli").warning("a line for the named folder")
    capsys.readouterr()
    remove_handlers()
    assert (named / "logs" / "zhanhe.log").is_file()
    assert not default_home.exists()
