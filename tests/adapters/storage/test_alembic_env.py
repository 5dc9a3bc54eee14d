"""The shared Alembic environment's two other paths: offline SQL for a reviewer, and a plain
``sqlalchemy.url`` when no connection is handed over (the ``alembic`` command line)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from zhanhe_counter.adapters.storage.engine import MIGRATIONS_DIR


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    return config


def test_offline_mode_prints_the_migrations_as_sql(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command.upgrade(_config(f"sqlite:///{tmp_path / 'never.sqlite3'}"), "head", sql=True)
    script = capsys.readouterr().out
    assert "CREATE TABLE case_event" in script
    assert "CREATE TABLE alembic_version" in script
    assert not (tmp_path / "never.sqlite3").exists()  # nothing ran against a database


def test_without_a_connection_the_url_is_opened(tmp_path: Path) -> None:
    path = tmp_path / "plain.sqlite3"
    command.upgrade(_config(f"sqlite:///{path}"), "head")
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        names = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"case_event", "case_status", "sync_state", "alembic_version"} <= names
