"""The audit log of full ID numbers shown on screen (证件号码查看记录).

Screens show ID numbers masked; a person with the right role may reveal one, and every reveal is
kept here — who, which case, when, at which station — never the number itself (domain.md §7.2).
"""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.engine import reading, storage_errors
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


class SqliteRevealAudit:
    """``RevealAudit`` port on the station database; rows are only ever added."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def record(self, reveal: IdReveal) -> None:
        with storage_errors(), self._engine.begin() as connection:
            connection.execute(
                id_reveal.insert().values(
                    reveal_id=reveal.reveal_id,
                    case_id=reveal.case_id,
                    staff_id=reveal.staff_id,
                    station_id=reveal.station_id,
                    at=reveal.at,
                )
            )

    def reveals_for_case(self, case_id: UUID) -> list[IdReveal]:
        with reading(self._engine) as connection:
            rows = connection.execute(
                sa.select(id_reveal).where(id_reveal.c.case_id == case_id).order_by(id_reveal.c.at)
            )
            return [IdReveal(r.reveal_id, r.case_id, r.staff_id, r.station_id, r.at) for r in rows]
