"""The station's material pages (本机材料影像): ``MaterialPages`` and the upload's progress."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.engine import reading, storage_errors
from zhanhe_counter.adapters.storage.material_tables import material_page
from zhanhe_counter.services.ports.capture import PreparedPage
from zhanhe_counter.services.ports.materials import StoredPage


def _page(row: Any) -> StoredPage:
    return StoredPage(
        case_id=row.case_id,
        sha256=row.sha256,
        event_id=row.event_id,
        material_id=row.material_id,
        page_no=row.page_no,
        media_type=row.media_type,
        size=row.size,
        image=getattr(row, "image", b""),
        sent_chunks=row.sent_chunks,
        uploaded_at=row.uploaded_at,
    )


class SqliteMaterialPages:
    """``MaterialPages`` and ``PageProgress`` in the encrypted station database."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def keep(
        self,
        case_id: UUID,
        event_id: UUID,
        material_id: str,
        pages: Sequence[PreparedPage],
        captured_at: datetime,
    ) -> None:
        with storage_errors(), self._engine.begin() as connection:
            known = set(
                connection.execute(
                    sa.select(material_page.c.sha256).where(material_page.c.case_id == case_id)
                ).scalars()
            )
            for page_no, page in enumerate(pages, start=1):
                if page.sha256 in known:
                    continue
                known.add(page.sha256)
                connection.execute(
                    material_page.insert().values(
                        case_id=case_id,
                        sha256=page.sha256,
                        event_id=event_id,
                        material_id=material_id,
                        page_no=page_no,
                        media_type=page.media_type,
                        size=page.size,
                        image=page.image,
                        captured_at=captured_at,
                    )
                )

    def pages(self, case_id: UUID) -> list[StoredPage]:
        statement = (
            sa.select(material_page)
            .where(material_page.c.case_id == case_id)
            .order_by(material_page.c.event_id, material_page.c.page_no)  # uuid7: capture order
        )
        with reading(self._engine) as connection:
            return [_page(row) for row in connection.execute(statement)]

    def pending(self, limit: int) -> list[StoredPage]:
        """Pages not yet uploaded, oldest first, with their images."""
        statement = (
            sa.select(material_page)
            .where(material_page.c.uploaded_at.is_(None))
            .order_by(material_page.c.captured_at, material_page.c.case_id)
            .limit(limit)
        )
        with reading(self._engine) as connection:
            return [_page(row) for row in connection.execute(statement)]

    def pending_count(self) -> int:
        with reading(self._engine) as connection:
            statement = sa.select(sa.func.count()).where(material_page.c.uploaded_at.is_(None))
            return int(connection.execute(statement).scalar_one())

    def sent(self, case_id: UUID, sha256: str, chunks: int) -> None:
        self._update(case_id, sha256, sent_chunks=chunks)

    def uploaded(self, case_id: UUID, sha256: str, at: datetime) -> None:
        self._update(case_id, sha256, uploaded_at=at)

    def _update(self, case_id: UUID, sha256: str, **values: Any) -> None:
        with storage_errors(), self._engine.begin() as connection:
            connection.execute(
                material_page.update()
                .where(material_page.c.case_id == case_id, material_page.c.sha256 == sha256)
                .values(**values)
            )
