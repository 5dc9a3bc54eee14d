"""容缺 and 补正 supplements (补齐材料): every promised material, its deadline and its arrival.

A 容缺 pledge (容缺受理承诺书) and a one-time notice (一次性告知书) each set a date by which the
applicant brings what is missing. This service lists every material still outstanding with that
date counted in working days, for the 首办负责人 (their own cases) and the supervisor (all cases),
and records a supplement when it arrives. "Due soon" and "overdue" come from the injected clock
and the working-day calendar, never from the PC's clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from uuid6 import uuid7

from zhanhe_counter.domain.case import CaseState, CaseStatus
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventDraft, EventKind
from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.domain.payloads import MaterialItem, SupplementReceived
from zhanhe_counter.domain.workdays import WorkCalendar
from zhanhe_counter.services.my_cases import Urgency
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.storage import CaseQuery, EventStore, UnknownCase

#: Amber when this many working days or fewer are left.
DUE_SOON_WORKING_DAYS = 2
_SCAN_LIMIT = 5000


class SupplementKind(StrEnum):
    """补齐的来由."""

    RONGQUE = "rongque"  # 容缺承诺
    NOTICE = "notice"  # 一次性告知补正

    @property
    def label(self) -> str:
        return "容缺补齐" if self is SupplementKind.RONGQUE else "告知补正"


@dataclass(frozen=True, slots=True)
class SupplementRow:
    """One case with materials still owed (待补材料), most urgent first in the lists."""

    case_id: UUID
    case_number: str
    applicant_name: str
    matter_name: str
    first_handler: str | None
    kind: SupplementKind
    items: tuple[MaterialItem, ...]
    deadline: date | None
    working_days_left: int | None
    urgency: Urgency

    @property
    def item_names(self) -> str:
        return "、".join(i.name for i in self.items)

    @property
    def countdown(self) -> str:
        if self.deadline is None:
            return "未定期限"
        if self.urgency is Urgency.OVERDUE:
            return f"已超期 {-(self.working_days_left or 0)}个工作日"
        if self.working_days_left == 0:
            return "今日到期"
        return f"剩{self.working_days_left}个工作日"


class SupplementsService:
    """容缺补齐服务."""

    def __init__(
        self,
        *,
        store: EventStore,
        catalogue: Catalogue,
        calendar: WorkCalendar,
        clock: Clock,
        station_id: str,
    ) -> None:
        self._store = store
        self._catalogue = catalogue
        self._calendar = calendar
        self._clock = clock
        self._station_id = station_id

    def pending(self, first_handler: str | None = None) -> list[SupplementRow]:
        """Every case still owed materials; only the given 首办负责人's when one is named."""
        today = self._clock.now().date()
        rows: list[SupplementRow] = []
        for state in self._candidates():
            if first_handler is not None and state.first_handler != first_handler:
                continue
            if state.outstanding_rongque:
                rows.append(
                    self._row(
                        state,
                        SupplementKind.RONGQUE,
                        state.outstanding_rongque,
                        state.rongque_due,
                        today,
                    )
                )
            if state.outstanding_notice:
                rows.append(
                    self._row(
                        state,
                        SupplementKind.NOTICE,
                        state.outstanding_notice,
                        state.notice_due,
                        today,
                    )
                )
        order = {Urgency.OVERDUE: 0, Urgency.DUE_SOON: 1, Urgency.OK: 2, Urgency.NONE: 3}
        rows.sort(key=lambda r: (order[r.urgency], r.deadline or date.max, r.case_number))
        return rows

    def due_soon(self, first_handler: str | None = None) -> list[SupplementRow]:
        return [r for r in self.pending(first_handler) if r.urgency is Urgency.DUE_SOON]

    def overdue(self, first_handler: str | None = None) -> list[SupplementRow]:
        return [r for r in self.pending(first_handler) if r.urgency is Urgency.OVERDUE]

    def receive(
        self,
        case_id: UUID,
        material_ids: Sequence[str],
        actor: str,
        *,
        event_id: UUID | None = None,
    ) -> CaseState:
        """补齐: record the materials that arrived (some or all of those owed)."""
        ids = list(dict.fromkeys(m for m in material_ids if m.strip()))
        if not ids:
            raise DomainError("supplement without materials", "请勾选收到的补正材料")
        state = self._store.case_state(case_id)
        if state is None:
            raise UnknownCase(f"case {case_id} not stored", "本机没有该办件")
        self._store.append(
            EventDraft(
                event_id=event_id or uuid7(),
                case_id=case_id,
                kind=EventKind.SUPPLEMENT_RECEIVED,
                station_id=self._station_id,
                actor=actor,
                occurred_at=self._clock.now(),
                payload=SupplementReceived(tuple(ids)).to_payload(),
            )
        )
        stored = self._store.case_state(case_id)
        assert stored is not None  # it was there a moment ago and cases are never deleted
        return stored

    def _candidates(self) -> list[CaseState]:
        # The projection keeps the 容缺 date; cases waiting on a notice are in status NOTIFIED.
        found = {
            s.case_id: s
            for s in self._store.find_cases(CaseQuery(limit=_SCAN_LIMIT))
            if s.rongque_due is not None
        }
        for summary in self._store.find_cases(
            CaseQuery(status=CaseStatus.NOTIFIED.value, limit=_SCAN_LIMIT)
        ):
            found[summary.case_id] = summary
        states = (self._store.case_state(case_id) for case_id in found)
        return [s for s in states if s is not None and not s.status.is_final]

    def _row(
        self,
        state: CaseState,
        kind: SupplementKind,
        items: tuple[MaterialItem, ...],
        deadline: date | None,
        today: date,
    ) -> SupplementRow:
        left: int | None = None
        urgency = Urgency.NONE
        if deadline is not None:
            left, _ = self._calendar.count_workdays(today, deadline)
            if deadline < today:
                urgency = Urgency.OVERDUE
            elif left <= DUE_SOON_WORKING_DAYS:
                urgency = Urgency.DUE_SOON
            else:
                urgency = Urgency.OK
        matter = self._catalogue.matters.get(state.matter_id) if state.matter_id else None
        return SupplementRow(
            case_id=state.case_id,
            case_number=state.case_number or "",
            applicant_name=state.applicant_name or "",
            matter_name=matter.name if matter else (state.matter_id or ""),
            first_handler=state.first_handler,
            kind=kind,
            items=items,
            deadline=deadline,
            working_days_left=left,
            urgency=urgency,
        )
