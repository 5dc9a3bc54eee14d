"""Test set-up shared by the whole suite."""

from __future__ import annotations

import os
import tempfile

# Before anything creates a QApplication: without a display Qt would abort the whole run.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Compiled catalogues (adapters/catalogue/compiled.py) go to a folder of this run, not ~/.cache.
os.environ.setdefault("ZHANHE_CACHE_DIR", tempfile.mkdtemp(prefix="zhanhe-cache-"))

from zhanhe_counter.ui.singletons import keep_singletons_alive

# pytest-qt makes its own QApplication, not ``ui.app.create_application``: the same guard
# against PySide6's lost references, so a long UI session does not abort mid-suite.
keep_singletons_alive()
