"""Who may see a case's personal data, and the record of every time someone did (查阅审计).

Screens and papers handed to the applicant show ID numbers masked (first 6 + last 4). Each time
staff open a case's detail, print or reprint one of its documents, reveal the full ID number or
export case-level data, an audit event is appended to the case (``EventKind.is_audit``): who (the
event's actor), which case, where, when — never the number or the applicant's name. Audit events
are ordinary case events, so they sync to the centre through the same outbox (docs/domain.md,
Personal information; 个人信息保护法 Art. 51).

Access rule: a window clerk may open only the cases of this station; the back office and
supervisors may open any case the station holds. Only they may reveal a full ID number, and only
supervisors read a case's access log (查阅记录).

Reveals made before audit events existed sit in the ``id_reveal`` table; it is no longer written
and is read as the older part of the access log (``LegacyReveals``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from uuid6 import uuid7

from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.case import CaseState, project
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import CaseEvent, EventDraft, EventKind
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.storage import EventIdConflict, EventStore

#: Roles that may see a whole ID number on screen.
REVEAL_ROLES = frozenset({"backoffice", "supervisor"})
#: Roles that may open any case this station holds; everyone else only this station's own.
ANY_CASE_ROLES = frozenset({"backoffice", "supervisor"})
#: Roles that may read a case's access log (查阅记录).
ACCESS_LOG_ROLES = frozenset({"supervisor"})


class RevealRefused(DomainError):
    """无权查看完整证件号码."""


class CaseAccessRefused(DomainError):
    """无权查看该办件: a window clerk opening another station's case."""


class AccessLogRefused(DomainError):
    """无权查看查阅记录."""


@dataclass(frozen=True, slots=True)
class IdReveal:
    """One reveal in the old audit table (查看记录): who, which case, where, when."""

    reveal_id: UUID
    case_id: UUID
    staff_id: str
    station_id: str
    at: datetime


class LegacyReveals(Protocol):
    """The reveals recorded before audit events existed (read only)."""

    def reveals_for_case(self, case_id: UUID) -> list[IdReveal]: ...


def may_open(roles: Sequence[str], case_station: str, own_station: str) -> bool:
    """Whether staff with ``roles`` at ``own_station`` may open a case of ``case_station``."""
    return case_station == own_station or bool(ANY_CASE_ROLES & set(roles))


def check_may_open(state: CaseState, roles: Sequence[str], own_station: str) -> None:
    """Raise ``CaseAccessRefused`` when the roles may not open the case."""
    if not may_open(roles, state.station_id, own_station):
        raise CaseAccessRefused(
            f"case {state.case_id} of station {state.station_id} refused to roles {list(roles)}",
            f"该办件属于其他站点（{state.station_id}），窗口人员只能查看本站点的办件。",
        )


class AuditTrail:
    """查阅审计: appends audit events to cases; each is written before the access it records."""

    def __init__(self, store: EventStore, clock: Clock, station_id: str) -> None:
        self._store = store
        self._clock = clock
        self.station_id = station_id

    def draft(
        self,
        case_id: UUID,
        staff_id: str,
        kind: EventKind,
        payload: p.Payload,
        *,
        event_id: UUID | None = None,
    ) -> EventDraft:
        if not kind.is_audit:
            raise ValueError(f"{kind} is not an audit kind")
        return EventDraft(
            event_id=event_id or uuid7(),
            case_id=case_id,
            kind=kind,
            station_id=self.station_id,
            actor=staff_id,
            occurred_at=self._clock.now(),
            payload=payload,
        )

    def record(self, drafts: Sequence[EventDraft]) -> list[CaseEvent]:
        """Append ``drafts`` in one transaction; a failure raises and nothing may be shown.

        Drafts with an id derived from a request id (prints) are recorded once: a retried
        request finds its events stored (made at another moment, hence the conflict) and keeps
        the first record.
        """
        if not drafts:
            return []
        try:
            return self._store.append_many(drafts)
        except EventIdConflict:
            ids = {d.event_id for d in drafts}
            stored = [
                e
                for case_id in {d.case_id for d in drafts}
                for e in self._store.events_for_case(case_id)
                if e.event_id in ids
            ]
            if len(stored) != len(ids):
                raise
            return stored

    def viewed(self, case_id: UUID, staff_id: str, *, screen: str = "case_detail") -> CaseEvent:
        """查阅: a case's detail was opened by ``staff_id``."""
        draft = self.draft(
            case_id, staff_id, EventKind.CASE_VIEWED, p.case_viewed_payload(screen=screen)
        )
        return self.record([draft])[0]

    def exported(
        self, case_ids: Sequence[UUID], staff_id: str, *, export: str, file_format: str
    ) -> list[CaseEvent]:
        """导出: one event per case whose case-level data went into an export file.

        No export of case-level data exists yet (the tallies export aggregates only); any that
        is added calls this before writing the file.
        """
        payload = p.case_exported_payload(export=export, file_format=file_format)
        return self.record(
            [self.draft(c, staff_id, EventKind.CASE_EXPORTED, payload) for c in case_ids]
        )


class PrivacyService:
    """证件号码查看服务."""

    def __init__(
        self,
        *,
        store: EventStore,
        trail: AuditTrail,
        legacy: LegacyReveals | None = None,
    ) -> None:
        self._store = store
        self._trail = trail
        self._legacy = legacy

    def may_reveal(self, roles: Sequence[str]) -> bool:
        return bool(REVEAL_ROLES & set(roles))

    def reveal_id_number(self, case_id: UUID, staff_id: str, roles: Sequence[str]) -> str:
        """The applicant's full ID number, after the reveal is recorded; refused without a role."""
        if not self.may_reveal(roles):
            raise RevealRefused(
                f"staff {staff_id} has no role to reveal ID numbers",
                "您的账号无权查看完整证件号码（需后台审批或督查角色）。",
            )
        events = self._store.events_for_case(case_id)
        if not events:
            raise DomainError(f"case {case_id} not stored", "本机没有这个办件的记录。")
        state = project(events)
        check_may_open(state, roles, self._trail.station_id)
        number = state.applicant.get("id_number")
        if not number:
            raise DomainError(f"case {case_id} has no ID number", "该办件没有记录证件号码。")
        # Recorded before it is shown: a failed write shows nothing.
        self._trail.record(
            [self._trail.draft(case_id, staff_id, EventKind.ID_REVEALED, p.id_revealed_payload())]
        )
        return number

    def reveals_for_case(self, case_id: UUID) -> list[IdReveal]:
        """Every reveal of the case, old table and audit events, oldest first."""
        older = self._legacy.reveals_for_case(case_id) if self._legacy else []
        recorded = [
            IdReveal(e.event_id, e.case_id, e.actor, e.station_id, e.occurred_at)
            for e in self._store.events_for_case(case_id)
            if e.kind is EventKind.ID_REVEALED
        ]
        return sorted([*older, *recorded], key=lambda r: r.at)
