"""Fixtures of the capture tests: SANE's ``test`` driver (``tests/sane.py``)."""

from __future__ import annotations

from tests.sane import sane_test_backend

sane_test_backend = sane_test_backend  # noqa: PLW0127 - re-exported as a fixture
