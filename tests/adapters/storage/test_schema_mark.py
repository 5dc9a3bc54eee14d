"""The mark beside the station file that lets a start skip alembic when nothing is pending.

A file once found at head by these very scripts opens without alembic; a file at another
revision (a restored older copy, a downgrade) or scripts that changed are checked and migrated
as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from zhanhe_counter.adapters.storage import engine as storage_engine
from zhanhe_counter.adapters.storage.engine import (
    current_revision,
    downgrade,
    head_revision,
    open_local_database,
)


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the opens that asked alembic for the pending migrations."""
    calls: list[int] = []
    real = storage_engine.pending_migrations

    def counted(engine: sa.Engine) -> list[str]:
        calls.append(1)
        return real(engine)

    monkeypatch.setattr(storage_engine, "pending_migrations", counted)
    return calls


def _open(path: Path) -> str | None:
    engine = open_local_database(path)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def current_revision_of(path: Path) -> str | None:
    engine = open_local_database(path, migrate_schema=False)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def test_a_file_at_head_opens_without_asking_alembic(
    tmp_path: Path, full_checks: list[int]
) -> None:
    path = tmp_path / "station.db"
    assert _open(path) == head_revision()
    assert len(full_checks) == 1  # a new file: alembic creates the schema
    assert _open(path) == head_revision()
    assert len(full_checks) == 1  # the mark: known at head, nothing asked


def test_a_file_at_an_older_revision_is_migrated_despite_the_mark(
    tmp_path: Path, full_checks: list[int]
) -> None:
    path = tmp_path / "station.db"
    _open(path)
    engine = open_local_database(path)
    downgrade(engine, "0007_pruned_case")  # as a restored older copy would be
    engine.dispose()
    assert current_revision_of(path) == "0007_pruned_case"
    assert _open(path) == head_revision()  # checked, and migrated back to head
    assert len(full_checks) == 2


def test_changed_scripts_are_checked_again(
    tmp_path: Path, full_checks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "station.db"
    _open(path)
    monkeypatch.setattr(storage_engine, "_scripts_fingerprint", lambda: "another program")
    assert _open(path) == head_revision()
    assert len(full_checks) == 2
