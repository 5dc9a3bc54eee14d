from __future__ import annotations

from pathlib import Path

import platformdirs

from zhanhe_counter.adapters.paths import DATA_DIR_ENV, local_db_path, resolve_data_dir


def test_cli_value_wins_over_environment(tmp_path: Path) -> None:
    chosen = resolve_data_dir(str(tmp_path / "cli"), {DATA_DIR_ENV: str(tmp_path / "env")})
    assert chosen == tmp_path / "cli"


def test_environment_used_without_cli_value(tmp_path: Path) -> None:
    assert resolve_data_dir(None, {DATA_DIR_ENV: str(tmp_path / "env")}) == tmp_path / "env"


def test_blank_values_fall_through_to_platform_default() -> None:
    expected = Path(platformdirs.user_data_dir("zhanhe-counter", "zhanhe"))
    assert resolve_data_dir("  ", {DATA_DIR_ENV: ""}) == expected
    assert resolve_data_dir(None, {}) == expected


def test_home_is_expanded() -> None:
    assert resolve_data_dir("~/zh", {}) == Path.home() / "zh"


def test_local_db_path_is_inside_data_dir(tmp_path: Path) -> None:
    assert local_db_path(tmp_path) == tmp_path / "station.sqlite3"
