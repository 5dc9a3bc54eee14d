"""Where the files shipped with the client live (资源目录): templates, calendars, samples.

Two layouts exist. In a checkout (or an editable install) ``resources/`` and ``forms/`` sit at
the top of the project, next to the package. In the PyInstaller bundle (``packaging/``) the
bootloader sets ``sys.frozen`` and ``sys._MEIPASS`` (the bundle's ``_internal`` folder) and the
spec copies both folders there. Every lookup goes through :func:`shipped_dir` so the two layouts
cannot drift apart.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

#: The project top in a checkout: ``zhanhe_counter/adapters/resources.py`` → two levels up.
_CHECKOUT_ROOT = Path(__file__).resolve().parents[2]


def bundle_root(system: ModuleType = sys) -> Path | None:
    """The folder a frozen bundle unpacked its data to, or ``None`` when running from source.

    ``system`` is ``sys`` except in tests, which hand in a stand-in module.
    """
    if not getattr(system, "frozen", False):
        return None
    unpacked = getattr(system, "_MEIPASS", None)
    if unpacked:
        return Path(unpacked)
    # A freezer without _MEIPASS (cx_Freeze, py2exe) keeps data beside the executable.
    return Path(system.executable).resolve().parent


def shipped_dir(name: str, system: ModuleType = sys) -> Path:
    """The shipped top-level data folder ``name`` (``resources``, ``forms``) for this layout."""
    root = bundle_root(system)
    return (root if root is not None else _CHECKOUT_ROOT) / name


def resources_dir(system: ModuleType = sys) -> Path:
    """The ``resources/`` folder: sample catalogue, departments, windows, calendars."""
    return shipped_dir("resources", system)
