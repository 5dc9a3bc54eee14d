from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from zhanhe_counter.adapters.storage.engine import (
    create_local_engine,
    current_revision,
    downgrade,
    head_revision,
    migrate,
    pending_migrations,
    reading,
)
from zhanhe_counter.adapters.storage.tables import full_metadata

CORE_TABLES = {
    "case_event",
    "case_status",
    "station_counter",
    "number_sequence",
    "catalogue_version",
    "matter",
    "department",
    "staff",
    "window_config",
    "setting",
    "sync_state",
    "sync_rejection",
}


def _tables(engine: sa.Engine) -> set[str]:
    with reading(engine) as connection:
        return set(sa.inspect(connection).get_table_names())


def _diffs(engine: sa.Engine) -> list[object]:
    with reading(engine) as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, full_metadata()))


def test_upgrade_from_empty_reaches_head(tmp_path: Path) -> None:
    engine = create_local_engine(tmp_path / "s.sqlite3")
    try:
        assert current_revision(engine) is None
        pending = pending_migrations(engine)
        assert pending[0] == "0001_initial"
        assert pending[-1] == head_revision()
        migrate(engine)
        assert current_revision(engine) == head_revision()
        assert pending_migrations(engine) == []
        assert _tables(engine) >= CORE_TABLES
    finally:
        engine.dispose()


def test_models_match_migrations(tmp_path: Path) -> None:
    engine = create_local_engine(tmp_path / "s.sqlite3")
    try:
        migrate(engine)
        assert _diffs(engine) == []
    finally:
        engine.dispose()


def test_downgrade_then_upgrade_round_trip(tmp_path: Path) -> None:
    engine = create_local_engine(tmp_path / "s.sqlite3")
    try:
        migrate(engine)
        downgrade(engine, "base")
        assert current_revision(engine) is None
        assert _tables(engine) <= {"alembic_version"}
        migrate(engine)
        assert current_revision(engine) == head_revision()
        assert _diffs(engine) == []
        with reading(engine) as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    finally:
        engine.dispose()


def test_detects_drift_when_a_column_is_missing(tmp_path: Path) -> None:
    # Guards the guard: the comparison must notice a schema that differs from the models.
    engine = create_local_engine(tmp_path / "s.sqlite3")
    try:
        migrate(engine)
        with engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE case_event DROP COLUMN sync_error")
        assert any("sync_error" in repr(diff) for diff in _diffs(engine))
    finally:
        engine.dispose()
