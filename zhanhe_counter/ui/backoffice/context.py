"""What the follow-through screens work with (后续办理服务): services only, no adapters.

The composition root builds it (the follow-up store and the signature archive are adapters);
the screens only call these services.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.services.backoffice import BackofficeService, DocumentPrinter
from zhanhe_counter.services.delivery import DeliveryService
from zhanhe_counter.services.followups import FollowupService
from zhanhe_counter.services.intake import Staff
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.rating import RatingService
from zhanhe_counter.services.supplements import SupplementsService


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
