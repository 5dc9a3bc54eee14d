"""What both Alembic environments do (the station's and the centre's): run the migrations on
the connection handed over in ``config.attributes["connection"]`` (the programmatic path used by
the client and the admin commands), else on ``sqlalchemy.url``, or offline as SQL text."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context


def run(target_metadata: sa.MetaData, **options: Any) -> None:
    """Run the migrations of the current Alembic context; ``options`` go to ``configure``."""
    config = context.config

    def configure_and_run(connection: sa.Connection) -> None:
        context.configure(
            connection=connection, target_metadata=target_metadata, compare_type=True, **options
        )
        with context.begin_transaction():
            context.run_migrations()

    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=target_metadata,
            literal_binds=True,
            **options,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        configure_and_run(connection)
        return
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as new_connection:
        configure_and_run(new_connection)
    engine.dispose()
