"""Alembic environment for the central PostgreSQL database (中心库).

Run programmatically by ``centre.schema.upgrade_central`` with an open connection in
``config.attributes["connection"]``; from the command line, ``sqlalchemy.url`` is used instead.
The central and station databases have separate environments because they are released on
different schedules (docs/sync.md, Two Alembic environments).
"""

from __future__ import annotations

from zhanhe_counter.adapters.centre.tables import central_metadata
from zhanhe_counter.adapters.storage import alembic_env

# One transaction per migration, not one for the whole run: an index on a live table is built
# CONCURRENTLY, which PostgreSQL refuses inside a transaction block (c0003).
alembic_env.run(
    central_metadata, version_table="alembic_version_central", transaction_per_migration=True
)
