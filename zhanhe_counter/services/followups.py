"""回访整改: every 差评 is called back and rectified within a configurable deadline.

The list is a projection of case events: each ``RATED`` event below 基本满意, from this PC or
arrived through sync, is one follow-up, due ``rectify_days`` working days after the rating
(default 15, the commonly published figure; docs/domain.md, 好差评 follow-up — the Bureau sets
its own in the settings key ``bad_review_rectify_days``). The supervisor's steps on it (回访, 整改,
办结) are ``RATING_FOLLOWED_UP`` events of the same case, so they sync to the centre and the
tallies count them; the case state machine refuses a step on a case without a bad rating or after
办结.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from uuid6 import uuid7

from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.case import Followup
from zhanhe_counter.domain.china_time import CHINA_TIME
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import CaseEvent, EventDraft, EventKind
from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.domain.workdays import WorkCalendar
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.storage import EventStore
from zhanhe_counter.services.rating_scale import RATING_LABELS, is_bad
from zhanhe_counter.services.urgency import Urgency, day_urgency

DEFAULT_RECTIFY_WORKING_DAYS = 15
RECTIFY_DAYS_SETTING = "bad_review_rectify_days"
DUE_SOON_WORKING_DAYS = 3

#: The step a supervisor records (回访 / 整改 / 办结); the domain's vocabulary, named for callers.
FollowupActionKind = p.FollowupAction


class EventsByKind(Protocol):
    """Reads the event log across cases by kind (按类型读取办件事件)."""

    def events_of_kinds(self, kinds: Collection[EventKind]) -> list[CaseEvent]:
        """Every stored event of these kinds; each case's events in the order it accepted them."""
        ...


class FollowupStatus(StrEnum):
    """整改状态: the furthest step taken so far."""

    OPEN = "open"  # 待回访
    CONTACTED = "contacted"  # 已回访
    RECTIFIED = "rectified"  # 已整改
    CLOSED = "closed"  # 已办结

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    FollowupStatus.OPEN: "待回访",
    FollowupStatus.CONTACTED: "已回访",
    FollowupStatus.RECTIFIED: "已整改",
    FollowupStatus.CLOSED: "已办结",
}
# A rectification without a recorded callback still counts as rectified: furthest step wins.
_STEP_STATUS = {
    p.FollowupAction.CONTACTED: FollowupStatus.CONTACTED,
    p.FollowupAction.RECTIFIED: FollowupStatus.RECTIFIED,
    p.FollowupAction.CLOSED: FollowupStatus.CLOSED,
}
_STATUS_RANK = {status: rank for rank, status in enumerate(FollowupStatus)}


@dataclass(frozen=True, slots=True)
class FollowupRow:
    """One 差评 on the follow-up list."""

    rating_event_id: UUID
    case_id: UUID
    case_number: str
    matter_name: str
    staff_id: str
    window_id: str
    level: int
    reasons: tuple[str, ...]
    rated_at: datetime
    deadline: date
    working_days_left: int
    urgency: Urgency
    status: FollowupStatus
    actions: tuple[Followup, ...]

    @property
    def level_label(self) -> str:
        return RATING_LABELS[self.level]

    @property
    def overdue(self) -> bool:
        """Past the rectification deadline and not closed (逾期未办结)."""
        return self.urgency is Urgency.OVERDUE

    @property
    def countdown(self) -> str:
        if self.status is FollowupStatus.CLOSED:
            return "已办结"
        if self.urgency is Urgency.OVERDUE:
            return f"已超期 {-self.working_days_left}个工作日"
        return "今日到期" if self.working_days_left == 0 else f"剩{self.working_days_left}个工作日"


class FollowupService:
    """回访整改服务."""

    def __init__(
        self,
        *,
        store: EventStore,
        events: EventsByKind,
        catalogue: Catalogue,
        calendar: WorkCalendar,
        clock: Clock,
        station_id: str,
        rectify_days: int = DEFAULT_RECTIFY_WORKING_DAYS,
    ) -> None:
        if rectify_days < 1:
            raise DomainError("rectify days must be positive", "整改期限至少为1个工作日")
        self._store = store
        self._events = events
        self._catalogue = catalogue
        self._calendar = calendar
        self._clock = clock
        self._station_id = station_id
        self.rectify_days = rectify_days

    def rows(self, *, include_closed: bool = False) -> list[FollowupRow]:
        """The 差评 follow-ups, overdue first; closed ones only when asked."""
        today = self._clock.now().astimezone(CHINA_TIME).date()
        by_case: dict[UUID, list[CaseEvent]] = {}
        for event in self._events.events_of_kinds((EventKind.RATED, EventKind.RATING_FOLLOWED_UP)):
            by_case.setdefault(event.case_id, []).append(event)
        rows = []
        for events in by_case.values():
            row = self._row(events, today)
            if row is not None and (include_closed or row.status is not FollowupStatus.CLOSED):
                rows.append(row)
        rows.sort(key=lambda r: (r.urgency.rank, r.deadline, r.case_number))
        return rows

    def row(self, case_id: UUID) -> FollowupRow | None:
        """The follow-up of one case; ``None`` unless the case has a bad rating."""
        today = self._clock.now().astimezone(CHINA_TIME).date()
        return self._row(self._store.events_for_case(case_id), today)

    def record(
        self,
        rating_event_id: UUID,
        kind: p.FollowupAction,
        note: str,
        actor: str,
        *,
        action_id: UUID | None = None,
    ) -> FollowupRow:
        """Record a callback, a rectification or the closing of a 差评 follow-up.

        ``action_id`` is made when the supervisor starts the step and reused on a retry, which
        then returns the row without recording the step twice.
        """
        text = note.strip()
        if not text:
            raise DomainError("follow-up step without a note", "请填写回访或整改情况")
        if len(text) > p.MAX_FOLLOWUP_NOTE_LENGTH:
            raise DomainError(
                f"follow-up note of {len(text)} characters",
                f"情况说明不能超过{p.MAX_FOLLOWUP_NOTE_LENGTH}字",
            )
        found = [r for r in self.rows(include_closed=True) if r.rating_event_id == rating_event_id]
        if not found:
            raise DomainError("no such bad rating", "没有该差评记录")
        case_id = found[0].case_id
        # The state machine refuses a step after 办结 (IllegalTransition); a retry of a stored
        # step is returned by the store as it is, even after the follow-up was closed.
        self._store.append(
            EventDraft(
                event_id=action_id or uuid7(),
                case_id=case_id,
                kind=EventKind.RATING_FOLLOWED_UP,
                station_id=self._station_id,
                actor=actor,
                occurred_at=self._clock.now(),
                payload=p.rating_followed_up_payload(action=kind, note=text),
            )
        )
        # A rating is final, so the case still has its bad rating; the fallback is for mypy.
        return self.row(case_id) or found[0]

    def _row(self, events: Sequence[CaseEvent], today: date) -> FollowupRow | None:
        rating = next((e for e in events if e.kind is EventKind.RATED), None)
        if rating is None:
            return None
        data = p.parse_rated(rating.payload)
        if not is_bad(data.level):
            return None
        steps = tuple(_step(e) for e in events if e.kind is EventKind.RATING_FOLLOWED_UP)
        status = max(
            (_STEP_STATUS[s.action] for s in steps),
            key=_STATUS_RANK.__getitem__,
            default=FollowupStatus.OPEN,
        )
        # Stored instants are UTC; the deadline counts from the day the applicant saw.
        rated_on = rating.occurred_at.astimezone(CHINA_TIME).date()
        deadline = self._calendar.add_workdays(rated_on, self.rectify_days).date
        left, _ = self._calendar.count_workdays(today, deadline)
        if status is FollowupStatus.CLOSED:
            urgency = Urgency.NONE
        else:
            urgency = day_urgency(deadline, today, left, due_soon_days=DUE_SOON_WORKING_DAYS)
        payload = rating.payload
        matter_id = str(payload.get("matter_id") or "")
        matter = self._catalogue.matters.get(matter_id)
        return FollowupRow(
            rating_event_id=rating.event_id,
            case_id=rating.case_id,
            case_number=str(payload.get("case_number") or ""),
            matter_name=matter.name if matter else matter_id,
            staff_id=str(payload.get("staff_id") or ""),
            window_id=str(payload.get("window_id") or ""),
            level=data.level,
            reasons=data.reasons,
            rated_at=rating.occurred_at,
            deadline=deadline,
            working_days_left=left,
            urgency=urgency,
            status=status,
            actions=steps,
        )


def _step(event: CaseEvent) -> Followup:
    data = p.parse_rating_followed_up(event.payload)
    return Followup(event.event_id, data.action, data.note, event.actor, event.occurred_at)


def rectify_days_from(setting: object) -> int:
    """The configured deadline, tolerating a missing or malformed setting (default 15)."""
    if isinstance(setting, int) and not isinstance(setting, bool) and setting >= 1:
        return setting
    if isinstance(setting, str) and setting.strip().isdigit() and int(setting) >= 1:
        return int(setting)
    return DEFAULT_RECTIFY_WORKING_DAYS
