from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "station.sqlite3"


@pytest.fixture
def engine(db_path: Path) -> Iterator[sa.Engine]:
    engine = open_local_database(db_path)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: sa.Engine) -> SqliteEventStore:
    return SqliteEventStore(engine)
