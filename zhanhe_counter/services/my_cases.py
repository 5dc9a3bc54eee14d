"""My cases (我的办件): the cases a clerk opened as 首办负责人, with their deadlines.

A case's deadline is the one the clerk must act on next: the 容缺 supplement deadline while
materials are outstanding, the one-time-notice deadline while a supplement is awaited, and the
promised date otherwise. It is overdue after that day and due soon within ``DUE_SOON_WORKING_DAYS``
working days; both are computed from the injected clock and the working-day calendar, never from
the machine's clock. Finished cases (delivered, refused, withdrawn) carry no warning.

The list holds only cases of this station (``station_id``): a clerk works on their own station's
cases, and opening one goes through ``CaseHistoryService.open``, which checks and records it.

The list holds every unfinished case of the clerk and the ``RECENT_FINISHED`` finished ones
touched last; years of delivered cases stay out of it (and out of its query time: issue 20) and
are found by searching. The search box takes one text and decides what it is: a full ID number
(masked before it reaches the store, which keeps only masked numbers in its index), a case
number, a matter name or code, or part of an applicant's name; it shows the ``SEARCH_LIMIT``
newest matches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from uuid import UUID

from zhanhe_counter.domain.case import CaseStatus
from zhanhe_counter.domain.identity import check_id
from zhanhe_counter.domain.masking import mask_id_number
from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.domain.workdays import WorkCalendar
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.storage import CaseQuery, CaseSummary, EventStore, SyncState
from zhanhe_counter.services.urgency import Urgency, day_urgency

DUE_SOON_WORKING_DAYS = 2
RECENT_FINISHED = 50
SEARCH_LIMIT = 100
_CASE_NUMBER = re.compile(r"^[0-9]{6}[0-9A-Z]{2}[A-Z0-9]{3,}$")
_FINISHED = frozenset(
    {
        CaseStatus.CONSULTED,
        CaseStatus.REFUSED,
        CaseStatus.DELIVERED,
        CaseStatus.WITHDRAWN,
    }
)
# As store filters: "any of" lists, which an index on (clerk, status) answers by ranges.
_OPEN_STATUSES = tuple(s.value for s in CaseStatus if s not in _FINISHED)
_LISTED_FINISHED = tuple(
    s.value for s in sorted(_FINISHED - {CaseStatus.CONSULTED}, key=lambda s: s.value)
)


class CaseSync(StrEnum):
    """办件同步状态 (the least advanced event decides)."""

    LOCAL = "local"
    SENT = "sent"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {
            "local": "未同步",
            "sent": "已发送",
            "confirmed": "已同步",
            "rejected": "中心拒收",
        }[self.value]


@dataclass(frozen=True, slots=True)
class MyCaseRow:
    """One row of the 我的办件 list."""

    case_id: UUID
    case_number: str
    applicant_name: str
    applicant_id_masked: str
    matter_id: str
    matter_name: str
    status: CaseStatus
    sync: CaseSync
    received_on: date | None
    promised_due: date | None
    rongque_due: date | None
    deadline: date | None
    deadline_label: str
    urgency: Urgency
    working_days_left: int | None

    @property
    def status_label(self) -> str:
        return self.status.label


class MyCasesService:
    """我的办件服务."""

    def __init__(
        self,
        store: EventStore,
        calendar: WorkCalendar,
        clock: Clock,
        catalogue: Catalogue,
        *,
        station_id: str | None = None,
    ) -> None:
        self._store = store
        self._calendar = calendar
        self._clock = clock
        self._catalogue = catalogue
        self._station_id = station_id  # None: every station's cases this PC holds

    def list(self, staff_id: str, text: str = "") -> list[MyCaseRow]:
        """The clerk's cases matching ``text`` (all of them when empty), most urgent first."""
        today = self._clock.now().astimezone().date()
        found = self._find(staff_id, text)
        syncs = self._store.case_sync_states([s.case_id for s in found])
        rows = [self._row(s, today, syncs.get(s.case_id, frozenset())) for s in found]
        rows.sort(key=lambda r: (r.urgency.rank, r.deadline or date.max, r.case_number))
        return rows

    def warning_count(self, staff_id: str) -> int:
        """Overdue plus due-soon cases (the ⚠ number on the F4 button)."""
        return sum(r.urgency in (Urgency.OVERDUE, Urgency.DUE_SOON) for r in self.list(staff_id))

    def _find(self, staff_id: str, text: str) -> Sequence[CaseSummary]:
        # The clerk and station are filters of the query itself: a cut-off taken before
        # filtering by clerk lost a clerk's old cases once colleagues had recorded more newer
        # ones than the cut-off. Unfinished cases are never cut off.
        mine = CaseQuery(
            first_handler=staff_id,
            station_id=self._station_id,
            exclude_statuses=(CaseStatus.CONSULTED.value,),
            limit=SEARCH_LIMIT,
        )
        needle = text.strip()
        if not needle:
            unfinished = replace(
                mine,
                exclude_statuses=(),
                statuses=_OPEN_STATUSES,
                limit=None,
                newest_first=False,
            )
            finished = replace(
                mine, exclude_statuses=(), statuses=_LISTED_FINISHED, limit=RECENT_FINISHED
            )
            return [*self._store.find_cases(unfinished), *self._store.find_cases(finished)]
        upper = needle.upper()
        if len(upper) >= 15 and check_id(upper).valid:
            return self._store.find_cases(replace(mine, applicant_id_masked=mask_id_number(upper)))
        if "*" in needle:
            return self._store.find_cases(replace(mine, applicant_id_masked=upper))
        if _CASE_NUMBER.match(upper):
            return self._store.find_cases(replace(mine, case_number=upper))
        found: dict[UUID, CaseSummary] = {}
        for matter in self._catalogue.find(needle):
            for summary in self._store.find_cases(replace(mine, matter_id=matter.id)):
                found[summary.case_id] = summary
        # A part of a name matches anywhere in it: no index range finds that, so the name is read
        # from the (clerk, name) index, and only the matching cases from the table.
        named = replace(mine, applicant_name=needle, limit=None, newest_first=False)
        for summary in self._store.find_cases(named):
            found[summary.case_id] = summary
        newest = sorted(found.values(), key=lambda s: s.updated_at, reverse=True)
        return newest[:SEARCH_LIMIT]

    def _row(self, summary: CaseSummary, today: date, syncs: frozenset[SyncState]) -> MyCaseRow:
        status = CaseStatus(summary.status)
        deadline, label = _deadline(summary, status)
        urgency = Urgency.NONE
        left: int | None = None
        if deadline is not None and status not in _FINISHED:
            left, _provisional = self._calendar.count_workdays(today, deadline)
            urgency = day_urgency(deadline, today, left, due_soon_days=DUE_SOON_WORKING_DAYS)
        matter = self._catalogue.matters.get(summary.matter_id) if summary.matter_id else None
        return MyCaseRow(
            case_id=summary.case_id,
            case_number=summary.case_number or "",
            applicant_name=summary.applicant_name or "",
            applicant_id_masked=summary.applicant_id_masked or "",
            matter_id=summary.matter_id or "",
            matter_name=matter.name if matter else (summary.matter_id or ""),
            status=status,
            sync=_case_sync(syncs),
            received_on=summary.received_at.astimezone().date() if summary.received_at else None,
            promised_due=summary.promised_due,
            rongque_due=summary.rongque_due,
            deadline=deadline,
            deadline_label=label,
            urgency=urgency,
            working_days_left=left,
        )


def _case_sync(states: frozenset[SyncState]) -> CaseSync:
    for state, result in (
        (SyncState.REJECTED, CaseSync.REJECTED),
        (SyncState.LOCAL, CaseSync.LOCAL),
        (SyncState.SENT, CaseSync.SENT),
    ):
        if state in states:
            return result
    return CaseSync.CONFIRMED if states else CaseSync.LOCAL


def _deadline(summary: CaseSummary, status: CaseStatus) -> tuple[date | None, str]:
    # The summary does not say which 容缺 items are still outstanding; while the case waits in
    # 容缺收件 they all are, and that deadline comes before the promised one.
    if status is CaseStatus.RONGQUE_RECEIVED and summary.rongque_due is not None:
        return summary.rongque_due, "容缺补齐"
    if summary.promised_due is not None:
        return summary.promised_due, "承诺办结"
    return None, ""
