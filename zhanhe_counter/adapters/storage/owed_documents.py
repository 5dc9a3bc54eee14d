"""The documents owed by committed cases (待出具文书), on the station database.

The ``OwedDocuments`` port: rows written by the event store with the case
(:func:`record_owed`), read at station open to queue what a crash left unqueued, and listed
by ``zhanhe-admin db check``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from zhanhe_counter.adapters.storage.engine import reading, storage_errors
from zhanhe_counter.adapters.storage.owed_tables import owed_document
from zhanhe_counter.adapters.storage.plain_sql import RowEncoder, driver, insert_sql
from zhanhe_counter.adapters.storage.tables import case_status
from zhanhe_counter.services.document_dispatch import NOT_YET_QUEUED_ZH
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.storage import OwedDocument

_OWED_COLUMNS = (
    "request_id",
    "kind",
    "case_id",
    "clerk_id",
    "clerk_name",
    "at_window",
    "recorded_at",
)
# A known (request id, kind) is kept as it is: a retried action records its papers once.
_INSERT_OWED = (
    f"{insert_sql(owed_document, _OWED_COLUMNS)} ON CONFLICT (request_id, kind) DO NOTHING"
)
_OWED_ENCODER = RowEncoder(owed_document, _OWED_COLUMNS, sqlite.dialect())


def record_owed(raw: Any, owed: Sequence[OwedDocument], now: datetime) -> None:
    """Insert ``owed`` in the write transaction open on the DBAPI connection ``raw`` (plain SQL,
    :mod:`.plain_sql`: it runs with every intake)."""
    for item in owed:
        raw.execute(
            _INSERT_OWED,
            _OWED_ENCODER.encode(
                {
                    "request_id": item.request_id,
                    "kind": item.kind,
                    "case_id": item.case_id,
                    "clerk_id": item.clerk_id,
                    "clerk_name": item.clerk_name,
                    "at_window": item.at_window,
                    "recorded_at": now,
                }
            ),
        )


def _owed(row: Any) -> OwedDocument:
    return OwedDocument(
        case_id=row.case_id,
        kind=row.kind,
        request_id=row.request_id,
        clerk_id=row.clerk_id,
        clerk_name=row.clerk_name,
        reason_zh=row.reason_zh,
        at_window=row.at_window,
    )


class SqliteOwedDocuments:
    """待出具文书 (SQLite), implementing ``services.ports.storage.OwedDocuments``."""

    def __init__(self, engine: sa.Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def pending(self) -> list[OwedDocument]:
        statement = (
            sa.select(owed_document)
            .where(owed_document.c.fulfilled_at.is_(None))
            .order_by(owed_document.c.recorded_at, owed_document.c.request_id)
        )
        with storage_errors(), reading(self._engine) as connection:
            return [_owed(row) for row in connection.execute(statement)]

    def record(self, owed: Sequence[OwedDocument]) -> None:
        with storage_errors(), self._engine.begin() as connection:
            record_owed(driver(connection), owed, self._clock.now())

    def fulfilled(self, request_id: UUID) -> None:
        with storage_errors(), self._engine.begin() as connection:
            connection.execute(
                owed_document.update()
                .where(owed_document.c.request_id == request_id)
                .values(fulfilled_at=self._clock.now(), reason_zh=None)
            )

    def waiting(self, request_id: UUID, reason_zh: str) -> None:
        with storage_errors(), self._engine.begin() as connection:
            connection.execute(
                owed_document.update()
                .where(owed_document.c.request_id == request_id)
                .values(reason_zh=reason_zh[:500])
            )


def pending_report(connection: sa.Connection) -> list[dict[str, str]]:
    """For ``db check``: every case with owed documents not yet queued, and why."""
    statement = (
        sa.select(owed_document, case_status.c.case_number)
        .join(case_status, case_status.c.case_id == owed_document.c.case_id, isouter=True)
        .where(owed_document.c.fulfilled_at.is_(None))
        .order_by(owed_document.c.recorded_at)
    )
    return [
        {
            "case_number": row.case_number or str(row.case_id),
            "kind": row.kind,
            "reason": row.reason_zh or NOT_YET_QUEUED_ZH,
        }
        for row in connection.execute(statement)
    ]
