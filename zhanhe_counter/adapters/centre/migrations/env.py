"""Alembic environment for the central PostgreSQL database (中心库).

Run programmatically by ``centre.schema.upgrade_central`` with an open connection in
``config.attributes["connection"]``; from the command line, ``sqlalchemy.url`` is used instead.
The central and station databases have separate environments because they are released on
different schedules (docs/sync.md, Two Alembic environments).
"""

from __future__ import annotations

from zhanhe_counter.adapters.centre.tables import central_metadata
from zhanhe_counter.adapters.storage import alembic_env

alembic_env.run(central_metadata, version_table="alembic_version_central")
