"""Station tables of the sync (本机同步表), added by migration ``0003_sync``.

* ``sync_conflict`` keeps a pulled back-office fact that the local case cannot take (it would
  break the state machine) next to the case, which is flagged ``needs_attention``; both facts
  are kept and a person decides (docs/sync.md, Conflict policy and authority split).
* ``sync_session`` is the history the outbox screen shows (time, pushed, pulled, error).
* ``reference_mirror`` holds every pulled reference row as the centre sent it, including the
  entities that have no table of their own on this PC yet (holiday overrides).
"""

from __future__ import annotations

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.tables import UtcDateTime, json_type, metadata

sync_conflict = sa.Table(
    "sync_conflict",
    metadata,
    sa.Column("event_id", sa.Uuid, primary_key=True),
    sa.Column("case_id", sa.Uuid, nullable=False, index=True),
    sa.Column("origin", sa.String(32), nullable=False),
    sa.Column("origin_seq", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("hlc", sa.BigInteger, nullable=False),
    sa.Column("payload", json_type(), nullable=False),
    sa.Column("server_seq", sa.BigInteger, nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("pulled_at", UtcDateTime, nullable=False),
)

sync_session = sa.Table(
    "sync_session",
    metadata,
    sa.Column("session_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=False),
    sa.Column("pushed", sa.Integer, nullable=False),
    sa.Column("pulled", sa.Integer, nullable=False),
    sa.Column("pulled_reference", sa.Integer, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
)

reference_mirror = sa.Table(
    "reference_mirror",
    metadata,
    sa.Column("entity", sa.String(32), primary_key=True),
    sa.Column("entity_key", sa.String(200), primary_key=True),
    sa.Column("data", json_type(), nullable=False),
    sa.Column("server_seq", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
