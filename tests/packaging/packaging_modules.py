"""Load the build helpers in ``packaging/`` (a folder of scripts, deliberately not a package:
``packaging`` is also the name of a PyPI library every tool imports)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"

#: build.py imports these siblings by plain name.
_SIBLINGS = ("version_info", "bundle_contents")


def load(name: str) -> ModuleType:
    """``packaging/<name>.py`` as module ``name``, loaded once; ``sys.path`` is left as it was."""
    path = PACKAGING / f"{name}.py"
    loaded = sys.modules.get(name)
    if loaded is not None and getattr(loaded, "__file__", None) == str(path):
        return loaded
    if name not in _SIBLINGS:
        for sibling in _SIBLINGS:
            load(sibling)
    saved = list(sys.path)
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path[:] = saved
