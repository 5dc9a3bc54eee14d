"""The station side of the sync (本机同步库): the whole ``SyncOutbox`` port the sync engine drives.

It is the three sides of the outbox on one station database: push (``sync_push``), pull
(``sync_pull``, with reference data in ``reference_mirror``) and status (``sync_status``), which
share their marks and cursors (``sync_marks``). The UI and the intake gate use the status side
alone (``SqliteSyncStatus``).
"""

from __future__ import annotations

from zhanhe_counter.adapters.storage.sync_pull import SqliteSyncPull
from zhanhe_counter.adapters.storage.sync_push import SqliteSyncPush
from zhanhe_counter.adapters.storage.sync_status import SqliteSyncStatus


class SqliteSyncOutbox(SqliteSyncPush, SqliteSyncPull, SqliteSyncStatus):
    """The ``SyncOutbox`` port on the station database (本机同步库)."""
