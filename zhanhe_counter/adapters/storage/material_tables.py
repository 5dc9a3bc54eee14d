"""Material page images (材料影像), kept inside the encrypted station database.

A page is personal data like the signature and the ID number, so it lives where SQLCipher's
encryption covers it. One row per page of a case, found by the SHA-256 its ``MATERIAL_CAPTURED``
event names; the same image captured twice for a case is kept once. ``sent_chunks`` and
``uploaded_at`` are the upload's progress to the centre (docs/materials.md): a case is not
pruned while one of its pages is not uploaded.
"""

from __future__ import annotations

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.tables import UtcDateTime, metadata

material_page = sa.Table(
    "material_page",
    metadata,
    sa.Column("case_id", sa.Uuid, primary_key=True),
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("event_id", sa.Uuid, nullable=False),
    sa.Column("material_id", sa.String(64), nullable=False),
    sa.Column("page_no", sa.Integer, nullable=False),
    sa.Column("media_type", sa.String(32), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("image", sa.LargeBinary, nullable=False),
    sa.Column("captured_at", UtcDateTime, nullable=False),
    sa.Column("sent_chunks", sa.Integer, nullable=False, server_default="0"),
    sa.Column("uploaded_at", UtcDateTime, nullable=True),
    sa.Index("ix_material_page_pending", "uploaded_at", "captured_at"),
)
