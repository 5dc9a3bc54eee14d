"""The back-office queues (后台待办队列) and the clocks that bind them.

Which cases wait in each queue, and how much of their time is left: office minutes for the
20-minute answer (办法第十五条第二项), working days for the 5-day acceptance (行政许可法第三十二条)
and for the promised date of a decision. The actions on a case are in ``services.backoffice``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from zhanhe_counter.domain.case import CaseState, CaseStatus
from zhanhe_counter.domain.china_time import china_date
from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.domain.workdays import WorkCalendar
from zhanhe_counter.services.documents import INTAKE_DECISION_WORKING_DAYS
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.storage import CaseQuery, EventStore
from zhanhe_counter.services.station import StationIdentity
from zhanhe_counter.services.urgency import Urgency, day_countdown, minute_countdown

#: The 20-minute countdown turns amber with this many office minutes left.
ANSWER_DUE_SOON = timedelta(minutes=5)
#: Deadlines in working days turn amber with this many working days left.
DUE_SOON_WORKING_DAYS = 1
_SCAN_LIMIT = 2000


class QueueKind(StrEnum):
    """后台队列."""

    ANSWER = "answer"  # 20分钟答复
    ACCEPTANCE = "acceptance"  # 5个工作日受理
    REVIEW = "review"  # 审查决定
    FINISHING = "finishing"  # 制证、移交出件

    @property
    def label(self) -> str:
        return _QUEUE_LABELS[self]


_QUEUE_LABELS = {
    QueueKind.ANSWER: "20分钟答复",
    QueueKind.ACCEPTANCE: "5日内受理",
    QueueKind.REVIEW: "审查决定",
    QueueKind.FINISHING: "制证移交",
}
_QUEUE_STATUSES = {
    QueueKind.ANSWER: (CaseStatus.PENDING_BACKOFFICE,),
    QueueKind.ACCEPTANCE: (CaseStatus.RECEIVED, CaseStatus.RONGQUE_RECEIVED),
    QueueKind.REVIEW: (CaseStatus.ACCEPTED, CaseStatus.UNDER_REVIEW),
    QueueKind.FINISHING: (
        CaseStatus.DECIDED_APPROVED,
        CaseStatus.CERTIFICATE_MADE,
        CaseStatus.DECIDED_REFUSED,
    ),
}


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One row of a back-office queue (待办), with its countdown."""

    case_id: UUID
    queue: QueueKind
    case_number: str
    matter_id: str
    matter_name: str
    department: str
    applicant_name: str
    status: CaseStatus
    first_handler: str | None
    due_at: datetime | None  # the 20-minute moment
    due_on: date | None  # the working-day deadline
    remaining: timedelta | None  # office time left (20-minute queue)
    working_days_left: int | None
    urgency: Urgency
    countdown: str  # what the countdown column says

    @property
    def status_label(self) -> str:
        return self.status.label


class BackofficeQueues:
    """后台待办: the four queues of one back-office desk, most urgent first."""

    def __init__(
        self,
        *,
        store: EventStore,
        catalogue: Catalogue,
        calendar: WorkCalendar,
        clock: Clock,
        station: StationIdentity,
    ) -> None:
        self._store = store
        self._catalogue = catalogue
        self._calendar = calendar
        self._clock = clock
        self._station = station

    def queue(self, kind: QueueKind) -> list[QueueItem]:
        """The cases waiting in one queue, most urgent first."""
        now = self._clock.now()
        items = [
            self._item(kind, state, now)
            for status in _QUEUE_STATUSES[kind]
            for state in self._states(status)
        ]
        items.sort(
            key=lambda i: (
                i.urgency.rank,
                i.due_at or datetime.max.replace(tzinfo=now.tzinfo),
                i.due_on or date.max,
                i.case_number,
            )
        )
        return items

    def overdue_answers(self) -> list[QueueItem]:
        """20-minute requests past their moment (for the escalation banner)."""
        return [i for i in self.queue(QueueKind.ANSWER) if i.urgency is Urgency.OVERDUE]

    def _states(self, status: CaseStatus) -> list[CaseState]:
        summaries = self._store.find_cases(CaseQuery(status=status.value, limit=_SCAN_LIMIT))
        states = (self._store.case_state(s.case_id) for s in summaries)
        return [s for s in states if s is not None]

    def _item(self, kind: QueueKind, state: CaseState, now: datetime) -> QueueItem:
        matter = self._catalogue.matters.get(state.matter_id or "")
        due_at: datetime | None = None
        due_on: date | None = None
        remaining: timedelta | None = None
        left: int | None = None
        urgency = Urgency.NONE
        countdown = ""
        if kind is QueueKind.ANSWER:
            due_at = answer_due(state)
            if due_at is not None:
                remaining = self._calendar.office_time_between(
                    now, due_at, self._station.office_hours
                )
                urgency, countdown = minute_countdown(remaining, due_soon=ANSWER_DUE_SOON)
        else:
            if kind is QueueKind.ACCEPTANCE:
                due_on = acceptance_due(state, self._calendar)
            elif kind is QueueKind.REVIEW:
                due_on = state.promised_due
            if due_on is not None:
                left, _ = self._calendar.count_workdays(now.date(), due_on)
                urgency, countdown = day_countdown(
                    due_on, now.date(), left, due_soon_days=DUE_SOON_WORKING_DAYS
                )
                if kind is QueueKind.ACCEPTANCE and urgency is Urgency.OVERDUE:
                    countdown += "（视为受理）"
        return QueueItem(
            case_id=state.case_id,
            queue=kind,
            case_number=state.case_number or "",
            matter_id=state.matter_id or "",
            matter_name=matter.name if matter else (state.matter_id or ""),
            department=matter.department if matter else "",
            applicant_name=state.applicant_name or "",
            status=state.status,
            first_handler=state.first_handler,
            due_at=due_at,
            due_on=due_on,
            remaining=remaining,
            working_days_left=left,
            urgency=urgency,
            countdown=countdown,
        )


def acceptance_due(state: CaseState, calendar: WorkCalendar) -> date | None:
    """受理期限: 5 working days after receipt, or after the completed supplement."""
    start = state.supplement_completed_at or state.received_at
    if start is None:
        return None
    return calendar.add_workdays(china_date(start), INTAKE_DECISION_WORKING_DAYS).date


def answer_due(state: CaseState) -> datetime | None:
    """The 20-minute moment of the case's latest back-office request."""
    return state.answer_due
