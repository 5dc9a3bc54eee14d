"""Alembic environment for the station database.

Run programmatically by ``engine.migrate`` with an open connection in
``config.attributes["connection"]``; from the command line, ``sqlalchemy.url`` is used instead.
Batch mode is always on so that every migration also runs on SQLite, which cannot ALTER most
things (docs/sync.md, Two Alembic environments).
"""

from __future__ import annotations

from zhanhe_counter.adapters.storage import alembic_env
from zhanhe_counter.adapters.storage.tables import full_metadata

alembic_env.run(full_metadata(), render_as_batch=True)
