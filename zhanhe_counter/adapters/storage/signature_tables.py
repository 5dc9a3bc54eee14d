"""Captured signatures (签名图像), kept inside the encrypted station database.

A signature is personal data like the ID number, so it lives where the database's encryption
covers it, not as a PNG in the data folder. The ``DELIVERED`` event keeps the reference
(``signatures/<case id>/<event id>.png``, the path earlier versions used for the file) and the
image's SHA-256; images still lying in the folder from an earlier version are moved in by
:meth:`SqliteSignatureArchive.absorb_files` when the station opens.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path, PurePosixPath
from uuid import UUID

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.engine import reading, storage_errors
from zhanhe_counter.adapters.storage.tables import metadata
from zhanhe_counter.domain.errors import DomainError

log = logging.getLogger(__name__)

FOLDER = "signatures"

signature_image = sa.Table(
    "signature_image",
    metadata,
    sa.Column("reference", sa.String(200), primary_key=True),
    sa.Column("case_id", sa.Uuid, nullable=False, index=True),
    sa.Column("png", sa.LargeBinary, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
)


def signature_reference(case_id: UUID, event_id: UUID) -> str:
    return str(PurePosixPath(FOLDER, str(case_id), f"{event_id}.png"))


class SqliteSignatureArchive:
    """``SignatureArchive`` in the station database."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def save(self, case_id: UUID, event_id: UUID, png: bytes) -> str:
        reference = signature_reference(case_id, event_id)
        with storage_errors(), self._engine.begin() as connection:
            self._insert(connection, reference, case_id, png)
        return reference

    @staticmethod
    def _insert(connection: sa.Connection, reference: str, case_id: UUID, png: bytes) -> None:
        exists = connection.execute(
            sa.select(signature_image.c.reference).where(signature_image.c.reference == reference)
        ).first()
        if exists is None:
            connection.execute(
                signature_image.insert().values(
                    reference=reference,
                    case_id=case_id,
                    png=png,
                    sha256=hashlib.sha256(png).hexdigest(),
                )
            )

    def load(self, reference: str) -> bytes:
        with reading(self._engine) as connection:
            png = connection.execute(
                sa.select(signature_image.c.png).where(signature_image.c.reference == reference)
            ).scalar_one_or_none()
        if png is None:
            raise DomainError(f"signature image missing: {reference}", "签名图像缺失")
        return bytes(png)

    def absorb_files(self, data_dir: Path) -> int:
        """Move signature PNGs left in ``data_dir/signatures`` by an earlier version inside.

        Each file is deleted only after the transaction holding its copy has committed.
        """
        root = data_dir / FOLDER
        if not root.is_dir():
            return 0
        moved: list[Path] = []
        with storage_errors(), self._engine.begin() as connection:
            for path in sorted(root.glob("*/*.png")):
                try:
                    case_id = UUID(path.parent.name)
                except ValueError:
                    log.warning("ignoring %s: folder is not a case id", path)
                    continue
                reference = str(PurePosixPath(FOLDER, path.parent.name, path.name))
                self._insert(connection, reference, case_id, path.read_bytes())
                moved.append(path)
        for path in moved:
            path.unlink()
            if not any(path.parent.iterdir()):
                path.parent.rmdir()
        if moved:
            log.info("moved %d signature images into the station database", len(moved))
        return len(moved)
