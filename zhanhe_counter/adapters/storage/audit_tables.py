"""The old audit table of full ID numbers shown on screen (证件号码查看记录, before audit events).

Reveals are now ``id_revealed`` case events, which sync to the centre with the case. This table
held them on this PC only, before that; it is no longer written and is read as the older part of
a case's access log. It holds who, which case, when, at which station — never the number.
"""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.engine import reading
from zhanhe_counter.adapters.storage.tables import UtcDateTime, metadata
from zhanhe_counter.services.privacy import IdReveal

id_reveal = sa.Table(
    "id_reveal",
    metadata,
    sa.Column("reveal_id", sa.Uuid, primary_key=True),
    sa.Column("case_id", sa.Uuid, nullable=False, index=True),
    sa.Column("staff_id", sa.String(64), nullable=False),
    sa.Column("station_id", sa.String(32), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)


class SqliteLegacyReveals:
    """``LegacyReveals`` port on the station database (read only)."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def reveals_for_case(self, case_id: UUID) -> list[IdReveal]:
        with reading(self._engine) as connection:
            rows = connection.execute(
                sa.select(id_reveal).where(id_reveal.c.case_id == case_id).order_by(id_reveal.c.at)
            )
            return [IdReveal(r.reveal_id, r.case_id, r.staff_id, r.station_id, r.at) for r in rows]
