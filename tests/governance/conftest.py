"""Fixtures of the governance tests: the real PostgreSQL (``tests/pg.py``), an in-memory keyring."""

from __future__ import annotations

from tests import pg
from tests.adapters.sync.helpers import memory_keyring

pg_cluster = pg.pg_cluster
central_url = pg.central_url
empty_central_url = pg.empty_central_url
memory_keyring = memory_keyring  # noqa: PLW0127 - re-exported as a fixture
