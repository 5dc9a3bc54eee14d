"""The real PostgreSQL fixtures of the sync tests, reused for the central tally."""

from __future__ import annotations

from tests import pg

pg_cluster = pg.pg_cluster
central_url = pg.central_url
