"""What the follow-through screens work with (后续办理服务): services only, no adapters.

The composition root builds it (the follow-up store and the signature archive are adapters);
the screens only call these services.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.services.backoffice import BackofficeService
from zhanhe_counter.services.delivery import DeliveryService
from zhanhe_counter.services.document_dispatch import DocumentPrinter
from zhanhe_counter.services.documents import DocumentRequest
from zhanhe_counter.services.followups import FollowupService
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.materials import StoredPage
from zhanhe_counter.services.privacy import AuditTrail
from zhanhe_counter.services.rating import RatingService
from zhanhe_counter.services.station import Staff
from zhanhe_counter.services.supplements import SupplementsService
from zhanhe_counter.ui.jobs import StorageRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FollowthroughServices:
    """后续办理服务: back office, supplements, delivery, rating and follow-ups of one station."""

    backoffice: BackofficeService
    supplements: SupplementsService
    delivery: DeliveryService
    rating: RatingService
    followups: FollowupService
    printer: DocumentPrinter | None
    catalogue: Catalogue
    clock: Clock
    staff: Staff  # who is logged in
    audit: AuditTrail | None = None
    #: Staff names by login id (read on the storage thread), so screens show 张敏, not zhangmin.
    staff_names: Callable[[], Mapping[str, str]] | None = None
    #: 材料影像 of a case (this PC's, else the centre's); None: the viewer is not offered.
    material_pages: Callable[[UUID], Sequence[StoredPage]] | None = None
    #: Signs a rendered document with the pad's image and keeps it (签署文书); None: not kept.
    sign_document: Callable[[UUID, DocumentRequest, bytes, str], None] | None = None
    _viewed: set[tuple[UUID, str]] = field(default_factory=set, repr=False)

    def record_view(self, runner: StorageRunner, case_id: UUID, screen: str) -> None:
        """查阅记录: the first time this login shows ``case_id`` on ``screen``, off the UI thread.

        Once per screen and login, not per selection: arrowing through a queue shows each case
        many times and would bury the trail in repeats.
        """
        if self.audit is None or (case_id, screen) in self._viewed:
            return
        self._viewed.add((case_id, screen))
        audit, staff_id = self.audit, self.staff.staff_id

        def failed(error: Exception) -> None:
            self._viewed.discard((case_id, screen))  # try again next time it is shown
            log.warning("view of case %s on %s not recorded: %s", case_id, screen, error)

        runner.submit(lambda: audit.viewed(case_id, staff_id, screen=screen), None, failed)
