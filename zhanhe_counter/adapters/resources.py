"""Where the files shipped with the client live (资源目录): templates, calendars, samples."""

from __future__ import annotations

from pathlib import Path


def resources_dir() -> Path:
    """The repository's ``resources/`` folder.

    Until the resources become package data this is found relative to the source tree, which is
    where both a development checkout and an editable install keep it.
    """
    return Path(__file__).resolve().parents[2] / "resources"
