"""Ports of material images (材料影像): the station's page store and the centre's upload channel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from zhanhe_counter.services.ports.capture import PreparedPage


@dataclass(frozen=True, slots=True)
class StoredPage:
    """A page kept for a case (已保存的材料页), with or without its image bytes."""

    case_id: UUID
    sha256: str
    event_id: UUID
    material_id: str
    page_no: int
    media_type: str
    size: int
    image: bytes = b""
    sent_chunks: int = 0
    uploaded_at: datetime | None = None


class MaterialPages(Protocol):
    """The station's page images (本机材料影像)."""

    def keep(
        self,
        case_id: UUID,
        event_id: UUID,
        material_id: str,
        pages: Sequence[PreparedPage],
        captured_at: datetime,
    ) -> None:
        """Store ``pages`` of one checklist row (a page already kept for the case is skipped)."""
        ...

    def pages(self, case_id: UUID) -> list[StoredPage]:
        """The case's pages with their images, by material and page number."""
        ...


class UploadChannel(Protocol):
    """Sends pages to the centre and fetches them from it (材料影像上传)."""

    def upload(self, page: StoredPage, progress: PageProgress) -> None:
        """Send what the centre lacks of ``page``; raises ``SyncError`` when the link fails."""
        ...

    def case_pages(self, case_id: UUID) -> list[StoredPage]:
        """The pages of a case routed to this station, with their images."""
        ...


@dataclass(frozen=True, slots=True)
class UploadReport:
    """One upload round: pages that reached the centre, pages whose case is not there yet."""

    uploaded: int = 0
    waiting: int = 0
    chunks_sent: int = 0


class UploadChannelRunner(Protocol):
    """What the background upload needs of the channel."""

    def upload_pending(self, progress: PageProgress, limit: int = 100) -> UploadReport: ...

    def close(self) -> None: ...


class PageProgress(Protocol):
    """Where an upload records how far it got, so a restart resumes there."""

    def pending(self, limit: int) -> list[StoredPage]: ...

    def sent(self, case_id: UUID, sha256: str, chunks: int) -> None: ...

    def uploaded(self, case_id: UUID, sha256: str, at: datetime) -> None: ...
