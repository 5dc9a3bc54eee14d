"""Test set-up shared by the whole suite."""

from __future__ import annotations

import os
import tempfile

# Before anything creates a QApplication: without a display Qt would abort the whole run.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Compiled catalogues (adapters/catalogue/compiled.py) go to a folder of this run, not ~/.cache.
os.environ.setdefault("ZHANHE_CACHE_DIR", tempfile.mkdtemp(prefix="zhanhe-cache-"))
