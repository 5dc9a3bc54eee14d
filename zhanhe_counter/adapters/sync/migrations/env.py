"""Alembic environment for the central PostgreSQL database (中心库).

Run programmatically by ``central_schema.upgrade_central`` with an open connection in
``config.attributes["connection"]``; from the command line, ``sqlalchemy.url`` is used instead.
The central and station databases have separate environments because they are released on
different schedules (sync.md §3.3).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from zhanhe_counter.adapters.sync.central_tables import central_metadata

config = context.config
target_metadata = central_metadata


def _configure_and_run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        version_table="alembic_version_central",
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
        literal_binds=True,
        version_table="alembic_version_central",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
