"""Captured signatures as files (签名图像): ``<data>/signatures/<case id>/<event id>.png``.

The ``DELIVERED`` event keeps the relative path and the image's SHA-256, so the record stays
small and syncs fast while the image stays with the station's data (and its backups).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from uuid import UUID

from zhanhe_counter.domain.errors import DomainError

_FOLDER = "signatures"


class FolderSignatureArchive:
    """``SignatureArchive`` in the station's data folder."""

    def __init__(self, data_dir: Path) -> None:
        self._root = data_dir

    def save(self, case_id: UUID, event_id: UUID, png: bytes) -> str:
        reference = PurePosixPath(_FOLDER, str(case_id), f"{event_id}.png")
        target = self._root / reference
        if target.exists():
            return str(reference)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".tmp")
        # Written in full and synced before it takes its name: a crash never leaves half a file
        # under the name the event points to.
        with temporary.open("wb") as handle:
            handle.write(png)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(target)
        return str(reference)

    def load(self, reference: str) -> bytes:
        path = PurePosixPath(reference)
        if path.is_absolute() or ".." in path.parts or path.parts[:1] != (_FOLDER,):
            raise DomainError(
                f"signature reference outside the archive: {reference}", "签名文件路径无效"
            )
        try:
            return (self._root / path).read_bytes()
        except FileNotFoundError:
            raise DomainError(f"signature file missing: {reference}", "签名图像文件缺失") from None
