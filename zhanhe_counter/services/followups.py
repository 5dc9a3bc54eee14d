"""回访整改: every 差评 is called back and rectified within a configurable deadline.

The list is a projection: each ``RATED`` event below 基本满意, from this PC or arrived through
sync, is one follow-up, due ``rectify_days`` working days after the rating (default 15, the
commonly published figure; domain.md §3 — the Bureau sets its own in the settings key
``bad_review_rectify_days``). The supervisor's actions on it (回访, 整改, 办结) are kept by a
``FollowupStore``; a follow-up is closed by a 办结 action.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from uuid6 import uuid7

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.domain.workdays import WorkCalendar
from zhanhe_counter.services.my_cases import Urgency
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.rating import RATING_LABELS, is_bad

DEFAULT_RECTIFY_WORKING_DAYS = 15
RECTIFY_DAYS_SETTING = "bad_review_rectify_days"
DUE_SOON_WORKING_DAYS = 3


class FollowupActionKind(StrEnum):
    """回访整改动作. Values are stored."""

    CALLBACK = "callback"  # 回访
    RECTIFY = "rectify"  # 整改
    CLOSE = "close"  # 办结

    @property
    def label(self) -> str:
        return {"callback": "回访", "rectify": "整改", "close": "办结"}[self.value]


@dataclass(frozen=True, slots=True)
class RatingRecord:
    """A stored ``RATED`` event, as the follow-up list reads it (评价记录)."""

    event_id: UUID
    case_id: UUID
    level: int
    reasons: tuple[str, ...]
    rated_at: datetime
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class FollowupAction:
    """One recorded follow-up step (回访整改记录)."""

    action_id: UUID
    rating_event_id: UUID
    case_id: UUID
    kind: FollowupActionKind
    note: str
    actor: str
    at: datetime


class FollowupStore(Protocol):
    """Ratings from the event log and the follow-up steps taken on them (回访整改存储)."""

    def ratings(self) -> list[RatingRecord]:
        """Every stored ``RATED`` event, oldest first."""
        ...

    def record_action(self, action: FollowupAction) -> FollowupAction:
        """Store a step; a retry with the same ``action_id`` returns the stored step."""
        ...

    def actions(self) -> list[FollowupAction]:
        """Every recorded step, oldest first."""
        ...


class FollowupStatus(StrEnum):
    """整改状态."""

    OPEN = "open"  # 待回访
    IN_PROGRESS = "in_progress"  # 整改中
    CLOSED = "closed"  # 已办结

    @property
    def label(self) -> str:
        return {"open": "待回访", "in_progress": "整改中", "closed": "已办结"}[self.value]


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
    actions: tuple[FollowupAction, ...]

    @property
    def level_label(self) -> str:
        return RATING_LABELS[self.level]

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
        store: FollowupStore,
        catalogue: Catalogue,
        calendar: WorkCalendar,
        clock: Clock,
        rectify_days: int = DEFAULT_RECTIFY_WORKING_DAYS,
    ) -> None:
        if rectify_days < 1:
            raise DomainError("rectify days must be positive", "整改期限至少为1个工作日")
        self._store = store
        self._catalogue = catalogue
        self._calendar = calendar
        self._clock = clock
        self.rectify_days = rectify_days

    def rows(self, *, include_closed: bool = False) -> list[FollowupRow]:
        """The 差评 follow-ups, overdue first; closed ones only when asked."""
        today = self._clock.now().date()
        by_rating: dict[UUID, list[FollowupAction]] = {}
        for action in self._store.actions():
            by_rating.setdefault(action.rating_event_id, []).append(action)
        rows = []
        for rating in self._store.ratings():
            if not is_bad(rating.level):
                continue
            row = self._row(rating, tuple(by_rating.get(rating.event_id, ())), today)
            if include_closed or row.status is not FollowupStatus.CLOSED:
                rows.append(row)
        order = {Urgency.OVERDUE: 0, Urgency.DUE_SOON: 1, Urgency.OK: 2, Urgency.NONE: 3}
        rows.sort(key=lambda r: (order[r.urgency], r.deadline, r.case_number))
        return rows

    def record(
        self,
        rating_event_id: UUID,
        kind: FollowupActionKind,
        note: str,
        actor: str,
        *,
        action_id: UUID | None = None,
    ) -> FollowupRow:
        """Record a callback, a rectification or the closing of a 差评 follow-up."""
        if not note.strip():
            raise DomainError("follow-up step without a note", "请填写回访或整改情况")
        rows = {r.rating_event_id: r for r in self.rows(include_closed=True)}
        row = rows.get(rating_event_id)
        if row is None:
            raise DomainError("no such bad rating", "没有该差评记录")
        if row.status is FollowupStatus.CLOSED:
            raise DomainError("follow-up already closed", "该差评已办结")
        self._store.record_action(
            FollowupAction(
                action_id=action_id or uuid7(),
                rating_event_id=rating_event_id,
                case_id=row.case_id,
                kind=kind,
                note=note.strip(),
                actor=actor,
                at=self._clock.now(),
            )
        )
        return {r.rating_event_id: r for r in self.rows(include_closed=True)}[rating_event_id]

    def _row(
        self, rating: RatingRecord, actions: Sequence[FollowupAction], today: date
    ) -> FollowupRow:
        deadline = self._calendar.add_workdays(rating.rated_at.date(), self.rectify_days).date
        left, _ = self._calendar.count_workdays(today, deadline)
        if any(a.kind is FollowupActionKind.CLOSE for a in actions):
            status = FollowupStatus.CLOSED
            urgency = Urgency.NONE
        else:
            status = FollowupStatus.IN_PROGRESS if actions else FollowupStatus.OPEN
            if deadline < today:
                urgency = Urgency.OVERDUE
            elif left <= DUE_SOON_WORKING_DAYS:
                urgency = Urgency.DUE_SOON
            else:
                urgency = Urgency.OK
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
            level=rating.level,
            reasons=rating.reasons,
            rated_at=rating.rated_at,
            deadline=deadline,
            working_days_left=left,
            urgency=urgency,
            status=status,
            actions=tuple(actions),
        )


def rectify_days_from(setting: object) -> int:
    """The configured deadline, tolerating a missing or malformed setting (default 15)."""
    if isinstance(setting, int) and not isinstance(setting, bool) and setting >= 1:
        return setting
    if isinstance(setting, str) and setting.strip().isdigit() and int(setting) >= 1:
        return int(setting)
    return DEFAULT_RECTIFY_WORKING_DAYS
