"""Test set-up shared by the whole suite."""

from __future__ import annotations

import os

# Before anything creates a QApplication: without a display Qt would abort the whole run.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from zhanhe_counter.ui.singletons import keep_singletons_alive

# pytest-qt makes its own QApplication, not ``ui.app.create_application``: the same guard
# against PySide6's lost references, so a long UI session does not abort mid-suite.
keep_singletons_alive()
