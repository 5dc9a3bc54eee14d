"""Alembic environment for the station database.

Run programmatically by ``engine.migrate`` with an open connection in
``config.attributes["connection"]``; from the command line, ``sqlalchemy.url`` is used instead.
Batch mode is always on so that every migration also runs on SQLite, which cannot ALTER most
things (sync.md §3.3).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from zhanhe_counter.adapters.storage.tables import full_metadata

config = context.config
target_metadata = full_metadata()


def _configure_and_run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as new_connection:
        _configure_and_run(new_connection)
    engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        render_as_batch=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
