"""Test set-up shared by the whole suite."""

from __future__ import annotations

import os

# Before anything creates a QApplication: without a display Qt would abort the whole run.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
