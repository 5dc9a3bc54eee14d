"""A case's history (办件详情): its state, its timeline of events and its prints.

What the clerk sees on pressing Enter on a case: who did what, when, at which station, whether
each step has reached the centre yet, and every document printed (to reprint, stamped 补打).

Opening a case is checked and recorded: a window clerk may open only this station's cases
(``privacy.check_may_open``), and every opening appends one ``case_viewed`` audit event before
the detail is returned. The timeline shows the steps only; supervisors also get the case's access
log (查阅记录: who viewed, printed, reprinted, revealed or exported it, and when).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from uuid import UUID

from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.case import CaseState, allowed_next, project
from zhanhe_counter.domain.china_time import CHINA_TIME
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import CaseEvent, EventKind
from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.services.notice_service import to_serve
from zhanhe_counter.services.ports.storage import EventStore, SyncState
from zhanhe_counter.services.print_service import PrintHistoryEntry, PrintService, document_title
from zhanhe_counter.services.privacy import (
    ACCESS_LOG_ROLES,
    AccessLogRefused,
    AuditTrail,
    IdReveal,
    LegacyReveals,
    check_may_open,
)

#: The sync column of a reveal from the old audit table (kept on this PC only).
LEGACY_SYNC_LABEL = "旧记录（仅本机）"

SYNC_LABELS = {
    SyncState.LOCAL: "已保存在本机",
    SyncState.SENT: "已发送",
    SyncState.CONFIRMED: "中心已确认",
    SyncState.REJECTED: "中心拒收，需处理",
}


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line ready to show: a step of the case (办件轨迹) or an access (查阅记录)."""

    at: datetime  # Beijing time
    kind: EventKind
    label: str
    actor: str
    station_id: str
    sync_label: str
    detail: str


@dataclass(frozen=True, slots=True)
class _StoredAround:
    """What a detail reads beside the case's events."""

    sync_states: Mapping[UUID, SyncState]
    prints: tuple[PrintHistoryEntry, ...]
    #: The old table's reveals for a supervisor's access log; None: this viewer gets no log.
    legacy_reveals: list[IdReveal] | None


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """办件详情."""

    state: CaseState
    matter_name: str
    timeline: tuple[TimelineEntry, ...]
    prints: tuple[PrintHistoryEntry, ...]
    next_steps: tuple[str, ...]  # the actions the case's state allows, in Chinese
    access_log: tuple[TimelineEntry, ...] | None = None  # None: the viewer may not see it
    service: str = "—"  # 送达: each notice's service and what is still to be served


class CaseHistoryService:
    """办件详情服务."""

    def __init__(
        self,
        store: EventStore,
        print_service: PrintService,
        catalogue: Catalogue,
        *,
        audit: AuditTrail | None = None,
        legacy_reveals: LegacyReveals | None = None,
        zone: tzinfo = CHINA_TIME,
    ) -> None:
        self._store = store
        self._prints = print_service
        self._catalogue = catalogue
        # The print service's trail is the station's: same store, clock and station id.
        self._audit = audit or print_service.audit
        self._legacy = legacy_reveals
        self._zone = zone

    def open(self, case_id: UUID, staff_id: str, roles: Sequence[str]) -> CaseDetail:
        """The case's detail for ``staff_id``, after the opening is checked and recorded."""
        events, state = self._read(case_id, roles)
        # Everything is read before the view event is written and nothing handed out before it
        # is committed. Reading first also spares a second read after the write, which would
        # find SQLite's page cache reset by it (WAL) and decrypt the case's pages again.
        stored = self._stored(events, state, roles)
        viewed = self._audit.viewed(case_id, staff_id)  # a failure raises: no detail
        return self._detail([*events, viewed], state, stored)

    def detail(self, case_id: UUID, staff_id: str, roles: Sequence[str]) -> CaseDetail:
        """The detail again for a viewer who has it open (after a reprint): checked, and not
        recorded as another opening."""
        events, state = self._read(case_id, roles)
        return self._detail(events, state, self._stored(events, state, roles))

    def access_log(self, case_id: UUID, roles: Sequence[str]) -> tuple[TimelineEntry, ...]:
        """查阅记录 of a case, oldest first; supervisors only."""
        if not ACCESS_LOG_ROLES & set(roles):
            raise AccessLogRefused(
                f"roles {list(roles)} may not read access logs", "查阅记录仅限督查角色查看。"
            )
        events = self._store.events_for_case(case_id)
        states = self._store.sync_states([e.event_id for e in events if e.kind.is_audit])
        return self._access_log(events, states, self._legacy_reveals(case_id))

    def _read(self, case_id: UUID, roles: Sequence[str]) -> tuple[list[CaseEvent], CaseState]:
        events = self._store.events_for_case(case_id)
        if not events:
            raise DomainError(f"case {case_id} not stored", "本机没有这个办件的记录。")
        state = project(events)
        check_may_open(state, roles, self._audit.station_id)
        return events, state

    def _stored(
        self, events: list[CaseEvent], state: CaseState, roles: Sequence[str]
    ) -> _StoredAround:
        return _StoredAround(
            sync_states=self._store.sync_states([e.event_id for e in events]),
            prints=tuple(self._prints.history_for_case(state.case_id)),
            legacy_reveals=(
                self._legacy_reveals(state.case_id) if ACCESS_LOG_ROLES & set(roles) else None
            ),
        )

    def _legacy_reveals(self, case_id: UUID) -> list[IdReveal]:
        return self._legacy.reveals_for_case(case_id) if self._legacy else []

    def _detail(
        self,
        events: list[CaseEvent],
        state: CaseState,
        stored: _StoredAround,
    ) -> CaseDetail:
        """The detail from what was read: an event not among ``stored`` is this PC's own, just
        written (未同步)."""
        states = stored.sync_states
        matter_name = ""
        if state.matter_id and state.matter_id in self._catalogue.matters:
            matter_name = self._catalogue.matters[state.matter_id].name
        timeline = tuple(
            self._entry(event, states, _detail(event))
            for event in events
            if not event.kind.is_audit
            # A follow-up would tell the clerk their rating was bad: that stays with the 督查.
            and event.kind is not EventKind.RATING_FOLLOWED_UP
        )
        return CaseDetail(
            state=state,
            matter_name=matter_name,
            timeline=timeline,
            prints=stored.prints,
            next_steps=tuple(sorted(kind.label for kind in allowed_next(state))),
            access_log=(
                None
                if stored.legacy_reveals is None
                else self._access_log(events, states, stored.legacy_reveals)
            ),
            service=service_summary(state, self._catalogue),
        )

    def _entry(
        self, event: CaseEvent, states: Mapping[UUID, SyncState], detail: str
    ) -> TimelineEntry:
        return TimelineEntry(
            at=event.occurred_at.astimezone(self._zone),
            kind=event.kind,
            label=event.kind.label,
            actor=event.actor,
            station_id=event.station_id,
            sync_label=SYNC_LABELS[states.get(event.event_id, SyncState.LOCAL)],
            detail=detail,
        )

    def _access_log(
        self,
        events: list[CaseEvent],
        states: Mapping[UUID, SyncState],
        older: Sequence[IdReveal],
    ) -> tuple[TimelineEntry, ...]:
        entries = [self._entry(e, states, _access_detail(e)) for e in events if e.kind.is_audit]
        entries += [
            TimelineEntry(
                at=r.at.astimezone(self._zone),
                kind=EventKind.ID_REVEALED,
                label=EventKind.ID_REVEALED.label,
                actor=r.staff_id,
                station_id=r.station_id,
                sync_label=LEGACY_SYNC_LABEL,
                detail="",
            )
            for r in older
        ]
        return tuple(sorted(entries, key=lambda a: a.at))


def _access_detail(event: CaseEvent) -> str:
    """What was accessed, in Chinese (an audit record never holds personal data)."""
    record = p.record_of(event)
    if isinstance(record, p.DocumentPrinted | p.DocumentReprinted):
        return f"《{document_title(record.document)}》 {record.printer}"
    if isinstance(record, p.CaseExported):
        return f"{record.export}（{record.file_format}）"
    return ""


def _detail(event: CaseEvent) -> str:
    """A short Chinese summary of what the event carries (never a full ID number)."""
    record = p.record_of(event)
    match record:
        case p.Received():
            return f"编号 {record.case_number}"
        case p.RongquePledged() | p.NotifiedOnce():
            suffix = f"（期限 {record.deadline.isoformat()}）" if record.deadline else ""
            return "、".join(i.name for i in record.items) + suffix
        case p.Refused() | p.Decided() if record.reasons:
            return "理由：" + "；".join(record.reasons)
        case p.Rated():
            return "已评价"  # the level stays with the supervisor, never shown to the clerk
        case p.Delivered():
            if record.mode is p.DeliveryMode.EXPRESS:
                return f"快递 {record.carrier} {record.waybill}"
            return "窗口领取"
        case p.BackofficeRequested(answer_due=datetime() as due):
            return f"请于 {due.astimezone(CHINA_TIME):%H:%M} 前答复"
        case p.NoticeServed():
            return _served_detail(record)
    return ""


def _served_detail(record: p.NoticeServed) -> str:
    """送达: "受理通知书 · 邮寄送达 中国邮政EMS 1180…（2026-12-01 寄出）" or its 签收."""
    head = f"{record.document.label} · {record.method.label}"
    if record.method is p.ServiceMethod.POST:
        if record.signed_for_on is not None:
            return f"{head} {record.waybill} 签收 {record.signed_for_on.isoformat()}"
        sent = record.dispatched_on.isoformat() if record.dispatched_on else ""
        return f"{head} {record.carrier} {record.waybill}（{sent} 寄出）"
    if record.method is p.ServiceMethod.IN_PERSON:
        return f"{head} 签收人 {record.receiver}"
    return head


def service_summary(state: CaseState, catalogue: Catalogue) -> str:
    """Where the service of the case's notices stands, for the detail's header: what was served
    how, and what is still to be served (待送达)."""
    done = [f"{r.document.label}{r.summary}" for r in state.services]
    waiting = [d.label for d in to_serve(state, catalogue)]
    parts = (["；".join(done)] if done else []) + (
        [f"待送达：{'、'.join(waiting)}"] if waiting else []
    )
    return "；".join(parts) or "—"
