"""好差评 at the window (一次一评): the applicant rates, the clerk never sees it first.

After service the applicant's screen shows five large buttons (非常满意 … 非常不满意); the two
lowest ask why with a few large choices (国办发〔2019〕51号, GB/T 39734). The rating is one
``RATED`` event carrying the case number, the matter, the clerk and the window, so the tallies and
the 差评 follow-up (``services.followups``) can name them. The clerk's side only learns *that* the
applicant has rated (``RatingReceipt`` carries no level): the rating is voluntary and its content
is not the clerk's to see or change before it is submitted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from uuid6 import uuid7

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventDraft, EventKind
from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.domain.payloads import (
    MAX_RATING,
    MIN_RATING,
    rated_payload,
)
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.storage import EventStore, UnknownCase
from zhanhe_counter.services.rating_scale import is_bad
from zhanhe_counter.services.station import StationIdentity


@dataclass(frozen=True, slots=True)
class RatingInvitation:
    """What the applicant's screen needs to ask for a rating (评价邀请); no clerk-only data."""

    case_id: UUID
    case_number: str
    matter_id: str
    matter_name: str
    staff_id: str
    window_id: str
    event_id: UUID  # made when the invitation is shown, kept across retries


@dataclass(frozen=True, slots=True)
class RatingReceipt:
    """What the clerk's side learns: that the applicant rated, not how (评价已提交)."""

    case_id: UUID
    case_number: str


class RatingService:
    """好差评服务."""

    def __init__(
        self,
        *,
        store: EventStore,
        catalogue: Catalogue,
        clock: Clock,
        station: StationIdentity,
    ) -> None:
        self._store = store
        self._catalogue = catalogue
        self._clock = clock
        self._station = station

    def invite(self, case_id: UUID, staff_id: str) -> RatingInvitation:
        """Ask the applicant of ``case_id`` to rate the service of ``staff_id``."""
        state = self._store.case_state(case_id)
        if state is None:
            raise UnknownCase(f"case {case_id} not stored", "本机没有该办件")
        if state.rating is not None:
            raise DomainError("case already rated", "该办件已评价，不能重复评价")
        matter = self._catalogue.matters.get(state.matter_id) if state.matter_id else None
        return RatingInvitation(
            case_id=case_id,
            case_number=state.case_number or "",
            matter_id=state.matter_id or "",
            matter_name=matter.name if matter else (state.matter_id or ""),
            staff_id=staff_id,
            window_id=self._station.window.id,
            event_id=uuid7(),
        )

    def submit(
        self, invitation: RatingInvitation, level: int, reasons: Sequence[str] = ()
    ) -> RatingReceipt:
        """Record the applicant's rating; the two lowest levels need at least one reason."""
        if not MIN_RATING <= level <= MAX_RATING:
            raise DomainError(f"rating level {level} out of range", "请选择一个评价等级")
        chosen = [r.strip() for r in reasons if r.strip()]
        if is_bad(level) and not chosen:
            raise DomainError("bad rating without reasons", "请选择不满意的原因（可多选）")
        payload = rated_payload(level, chosen if is_bad(level) else []) | {
            "case_number": invitation.case_number,
            "matter_id": invitation.matter_id,
            "staff_id": invitation.staff_id,
            "window_id": invitation.window_id,
            "channel": "窗口评价器",
        }
        self._store.append(
            EventDraft(
                event_id=invitation.event_id,
                case_id=invitation.case_id,
                kind=EventKind.RATED,
                station_id=self._station.station_id,
                # The rater is the applicant, whose identity stays confidential; the event
                # names the clerk rated in its payload and the station as the actor.
                actor=f"applicant@{self._station.window.id}",
                occurred_at=self._clock.now(),
                payload=payload,
            )
        )
        return RatingReceipt(invitation.case_id, invitation.case_number)
