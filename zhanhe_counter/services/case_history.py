"""A case's history (办件详情): its state, its timeline of events and its prints.

What the clerk sees on pressing Enter on a case: who did what, when, at which station, whether
each step has reached the centre yet, and every document printed (to reprint, stamped 补打).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from uuid import UUID

from zhanhe_counter.domain.case import CaseState, allowed_next, project
from zhanhe_counter.domain.china_time import CHINA_TIME
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import CaseEvent, EventKind
from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.services.ports.storage import EventStore, SyncState
from zhanhe_counter.services.print_service import PrintHistoryEntry, PrintService

SYNC_LABELS = {
    SyncState.LOCAL: "已保存在本机",
    SyncState.SENT: "已发送",
    SyncState.CONFIRMED: "中心已确认",
    SyncState.REJECTED: "中心拒收，需处理",
}


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One step of the case, ready to show (办件轨迹)."""

    at: datetime  # Beijing time
    kind: EventKind
    label: str
    actor: str
    station_id: str
    sync_label: str
    detail: str


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """办件详情."""

    state: CaseState
    matter_name: str
    timeline: tuple[TimelineEntry, ...]
    prints: tuple[PrintHistoryEntry, ...]
    next_steps: tuple[str, ...]  # the actions the case's state allows, in Chinese


class CaseHistoryService:
    """办件详情服务."""

    def __init__(
        self,
        store: EventStore,
        print_service: PrintService,
        catalogue: Catalogue,
        *,
        zone: tzinfo = CHINA_TIME,
    ) -> None:
        self._store = store
        self._prints = print_service
        self._catalogue = catalogue
        self._zone = zone

    def detail(self, case_id: UUID) -> CaseDetail:
        events = self._store.events_for_case(case_id)
        if not events:
            raise DomainError(f"case {case_id} not stored", "本机没有这个办件的记录。")
        state = project(events)
        states = self._store.sync_states([e.event_id for e in events])
        matter_name = ""
        if state.matter_id and state.matter_id in self._catalogue.matters:
            matter_name = self._catalogue.matters[state.matter_id].name
        timeline = tuple(
            TimelineEntry(
                at=event.occurred_at.astimezone(self._zone),
                kind=event.kind,
                label=event.kind.label,
                actor=event.actor,
                station_id=event.station_id,
                sync_label=SYNC_LABELS[states.get(event.event_id, SyncState.LOCAL)],
                detail=_detail(event),
            )
            for event in events
            # A follow-up would tell the clerk their rating was bad: that stays with the 督查.
            if event.kind is not EventKind.RATING_FOLLOWED_UP
        )
        return CaseDetail(
            state=state,
            matter_name=matter_name,
            timeline=timeline,
            prints=tuple(self._prints.history_for_case(case_id)),
            next_steps=tuple(sorted(kind.label for kind in allowed_next(state))),
        )


def _detail(event: CaseEvent) -> str:
    """A short Chinese summary of what the event carries (never a full ID number)."""
    payload = event.payload
    if event.kind is EventKind.RECEIVED:
        return f"编号 {payload.get('case_number', '')}"
    items = payload.get("items")
    if isinstance(items, list) and items:
        names = [str(i.get("name", "")) for i in items if isinstance(i, dict)]
        deadline = payload.get("deadline")
        suffix = f"（期限 {deadline}）" if deadline else ""
        return "、".join(names) + suffix
    reasons = payload.get("reasons")
    if isinstance(reasons, list) and reasons:
        return "理由：" + "；".join(str(r) for r in reasons)
    if event.kind is EventKind.DELIVERED:
        waybill = payload.get("waybill")
        return f"快递 {payload.get('carrier', '')} {waybill}" if waybill else "窗口领取"
    if event.kind is EventKind.RATED:
        return "已评价"  # the level stays with the supervisor, never shown to the clerk
    if event.kind is EventKind.BACKOFFICE_REQUESTED and payload.get("answer_due"):
        due = datetime.fromisoformat(str(payload["answer_due"])).astimezone(CHINA_TIME)
        return f"请于 {due:%H:%M} 前答复"
    return ""
