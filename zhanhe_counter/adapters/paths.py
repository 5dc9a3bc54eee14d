"""Where this PC keeps its data (数据目录): the station database, backups, print files.

The administrator's ``--data-dir`` wins, then the ``ZHANHE_DATA_DIR`` environment variable (set by
the installer or a training shortcut), then the operating system's per-user data folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "ZHANHE_DATA_DIR"
CACHE_DIR_ENV = "ZHANHE_CACHE_DIR"
APP_NAME = "zhanhe-counter"
APP_AUTHOR = "zhanhe"
LOCAL_DB_FILENAME = "station.sqlite3"


def resolve_data_dir(cli_value: str | None, env: Mapping[str, str]) -> Path:
    """The data folder: CLI value, else environment, else the platform default (not created)."""
    for candidate in (cli_value, env.get(DATA_DIR_ENV)):
        # A shell gives an empty value for an unset variable in a script: treat it as absent.
        if candidate is not None and candidate.strip():
            return Path(candidate.strip()).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def local_db_path(data_dir: Path) -> Path:
    """The station database file inside ``data_dir``."""
    return data_dir / LOCAL_DB_FILENAME


def catalogue_cache_dir(env: Mapping[str, str]) -> Path:
    """Where compiled catalogues are kept: ``ZHANHE_CACHE_DIR``, else the per-user cache folder.

    Only public reference data goes there (the catalogue), so it needs none of the data folder's
    protection, and deleting it costs one slow start.
    """
    value = env.get(CACHE_DIR_ENV, "").strip()
    if value:
        return Path(value).expanduser()
    return Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR)) / "catalogue"
