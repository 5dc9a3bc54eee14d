"""Fixtures for the printer tests: a station database with the print queue tables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from zhanhe_counter.adapters.storage.engine import open_local_database


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = open_local_database(tmp_path / "station.sqlite3")
    yield engine
    engine.dispose()
