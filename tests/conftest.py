"""Test set-up shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Before anything creates a QApplication: without a display Qt would abort the whole run.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _gc_on_the_gui_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """Qt tests collect garbage on the GUI thread, as the client does (ui/main_thread_gc.py);
    the other tests keep Python's automatic collection."""
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        yield
        return
    from zhanhe_counter.ui import main_thread_gc

    collector = main_thread_gc.install(request.getfixturevalue("qapp"))
    yield
    collector.stop()
    collector.setParent(None)
    collector.deleteLater()
