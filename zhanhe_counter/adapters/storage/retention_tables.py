"""The record of cases whose local copy was pruned (已清理办件).

Only the case id and when: enough for the sync to recognise a pulled event about a case this PC
let go (an echo arriving late, a full re-pull after the centre was restored) and ignore it,
instead of setting it aside as a conflict that would bring the pruned facts back.
"""

from __future__ import annotations

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.tables import UtcDateTime, metadata

pruned_case = sa.Table(
    "pruned_case",
    metadata,
    # Deliberately not named case_id: the pruner deletes every row of a table with that column.
    sa.Column("pruned_case_id", sa.Uuid, primary_key=True),
    sa.Column("pruned_at", UtcDateTime, nullable=False),
)
