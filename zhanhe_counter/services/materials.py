"""Material images (材料影像): capture pages for a checklist row, keep them with the case.

Pages come from a ``PageSource`` (scanner, 高拍仪, file) and are prepared by ``PageImaging``
(a camera's photo is deskewed and cropped; a scan is straight already). During an intake the
case does not exist yet: the pages wait in :class:`CapturedMaterials` until the case is
committed, then :meth:`MaterialService.keep_captured` stores them and records one
``MATERIAL_CAPTURED`` event per row (hash, size, page count). The images are stored before the
event, so an event never names an image the station does not hold.

A capture never blocks the intake: a failure is a Chinese message beside the row, and a row
without an image is still ticked (the paper is what the law counts, docs/materials.md).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from uuid6 import uuid7

from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import CaseEvent, EventDraft, EventKind
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.capture import (
    CaptureFailed,
    PageImaging,
    PageSource,
    PreparedPage,
)
from zhanhe_counter.services.ports.materials import (
    MaterialPages,
    PageProgress,
    StoredPage,
    UploadChannel,
    UploadChannelRunner,
)
from zhanhe_counter.services.ports.signing import PdfSigner
from zhanhe_counter.services.ports.storage import EventStore

log = logging.getLogger(__name__)

#: The most pages one row may hold: a longer material is scanned as a file by the back office.
MAX_PAGES_PER_ROW = 50
NO_PAGES_ZH = "没有采集到页面，请重试"


@dataclass
class RowCapture:
    """The pages captured for one checklist row so far, and how."""

    material_id: str
    name: str
    source: str
    pages: list[PreparedPage] = field(default_factory=list)


@dataclass
class CapturedMaterials:
    """Pages captured during an intake, by row, kept until the case is committed."""

    rows: dict[str, RowCapture] = field(default_factory=dict)

    def add(
        self, material_id: str, name: str, source: str, pages: Sequence[PreparedPage]
    ) -> RowCapture:
        row = self.rows.setdefault(material_id, RowCapture(material_id, name, source))
        if len(row.pages) + len(pages) > MAX_PAGES_PER_ROW:
            raise CaptureFailed(
                f"row {material_id}: over {MAX_PAGES_PER_ROW} pages",
                f"一项材料最多采集 {MAX_PAGES_PER_ROW} 页",
            )
        row.pages.extend(pages)
        return row

    def page_count(self, material_id: str) -> int:
        row = self.rows.get(material_id)
        return len(row.pages) if row else 0

    def clear(self) -> None:
        self.rows.clear()


class MaterialService:
    """材料影像服务: capture, keep with a case, read back."""

    def __init__(
        self,
        *,
        store: EventStore,
        pages: MaterialPages,
        imaging: PageImaging,
        clock: Clock,
        station_id: str,
    ) -> None:
        self._store = store
        self._pages = pages
        self._imaging = imaging
        self._clock = clock
        self.station_id = station_id
        #: The centre's copy, for a case whose pages this PC never held (the back office's own
        #: PC); set when the sync starts.
        self.remote: UploadChannel | None = None

    def capture(self, source: PageSource) -> list[PreparedPage]:
        """The prepared pages of one capture; raises ``CaptureFailed`` with the clerk's message."""
        return self.prepare(source.kind, source.capture())

    def prepare(self, kind: str, raws: Sequence[bytes]) -> list[PreparedPage]:
        """Prepare raw pages from a source of ``kind``; a camera's are deskewed and cropped."""
        if not raws:
            raise CaptureFailed(f"{kind}: no pages", NO_PAGES_ZH)
        return [self._imaging.prepare(raw, straighten=kind == "camera") for raw in raws]

    def keep(self, case_id: UUID, row: RowCapture, actor: str) -> CaseEvent:
        """Store ``row``'s pages for the case and record its ``MATERIAL_CAPTURED`` event."""
        record = p.MaterialCaptured(
            material_id=row.material_id,
            name=row.name,
            pages=tuple(p.MaterialPage(page.sha256, page.size) for page in row.pages),
            source=row.source,
        )
        draft = EventDraft(
            event_id=uuid7(),
            case_id=case_id,
            kind=EventKind.MATERIAL_CAPTURED,
            station_id=self.station_id,
            actor=actor,
            occurred_at=self._clock.now(),
            payload=record.to_payload(),
        )
        self._pages.keep(case_id, draft.event_id, row.material_id, row.pages, draft.occurred_at)
        return self._store.append(draft)

    def keep_captured(self, case_id: UUID, captured: CapturedMaterials, actor: str) -> list[str]:
        """Keep every captured row with the committed case; the Chinese problems, if any.

        Never raises for a row that cannot be kept (a full disk): the case is committed already
        and stands without the image; the clerk is told which row to capture again.
        """
        problems = []
        for row in captured.rows.values():
            if not row.pages:
                continue
            try:
                self.keep(case_id, row, actor)
            except DomainError as error:
                log.warning("material %s of case %s not kept: %s", row.material_id, case_id, error)
                problems.append(f"{row.name}：{error.user_message}")
        captured.clear()
        return problems

    def pages(self, case_id: UUID) -> list[StoredPage]:
        return self._pages.pages(case_id)

    def case_pages(self, case_id: UUID) -> list[StoredPage]:
        """A case's pages to view: this PC's own, else the centre's (raises ``SyncError``)."""
        local = self._pages.pages(case_id)
        if local or self.remote is None:
            return local
        return self.remote.case_pages(case_id)


class MaterialUploadWorker:
    """Sends pending pages to the centre in the background, after each sync session.

    Pages wait for their case's events (the channel skips a case the centre lacks), so the
    upload is woken by the sync worker (:meth:`kick`) rather than timed on its own; a failed
    round is simply tried again at the next kick (the centre's chunks are the progress).
    """

    def __init__(self, channel: UploadChannelRunner, progress: PageProgress) -> None:
        self._channel = channel
        self._progress = progress
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="material-upload", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def kick(self, *_: object) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopped.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._channel.close()

    def _loop(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait()
            self._wake.clear()
            if self._stopped.is_set():
                return
            try:
                report = self._channel.upload_pending(self._progress)
            except DomainError as error:
                log.info("material upload paused: %s", error)
                continue
            if report.uploaded:
                log.info("uploaded %d material pages", report.uploaded)


class SigningService:
    """签署文书: a rendered pledge or receipt signed on the pad, kept and recorded with the case.

    The signed PDF is kept like a material page (encrypted, uploaded and routed with the case,
    pruned with it) under the material id ``signed:<document>``; the ``DOCUMENT_SIGNED`` event
    keeps its SHA-256, so the copy the back office sees can be checked against the case.
    """

    def __init__(
        self,
        *,
        store: EventStore,
        pages: MaterialPages,
        signer: PdfSigner,
        clock: Clock,
        station_id: str,
    ) -> None:
        self._store = store
        self._pages = pages
        self._signer = signer
        self._clock = clock
        self.station_id = station_id

    def sign(
        self, case_id: UUID, document: str, pdf: bytes, signature_png: bytes, actor: str
    ) -> tuple[CaseEvent, bytes]:
        """The signed PDF and its event; raises ``DomainError`` (nothing recorded then)."""
        if not signature_png:
            raise DomainError("empty signature", "请申请人先在签字板上签名")
        signed = self._signer.sign(pdf, signature_png)
        digest = hashlib.sha256(signed).hexdigest()
        record = p.DocumentSigned(
            document=document,
            sha256=digest,
            size=len(signed),
            signature_sha256=hashlib.sha256(signature_png).hexdigest(),
        )
        draft = EventDraft(
            event_id=uuid7(),
            case_id=case_id,
            kind=EventKind.DOCUMENT_SIGNED,
            station_id=self.station_id,
            actor=actor,
            occurred_at=self._clock.now(),
            payload=record.to_payload(),
        )
        page = PreparedPage(signed, "application/pdf", digest, 0, 0)
        self._pages.keep(case_id, draft.event_id, f"signed:{document}", [page], draft.occurred_at)
        return self._store.append(draft), signed
