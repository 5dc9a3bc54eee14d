"""Revealing a full ID number (查看完整证件号码): by role, and every time recorded.

Screens and papers handed to the applicant show ID numbers masked (first 6 + last 4). Staff who
need the whole number — the back office checking a record, a supervisor following up — may reveal
it for one case; each reveal is written to an append-only audit log first, and the log never holds
the number (domain.md §7.2, 个人信息保护法 Art. 51).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from uuid6 import uuid7

from zhanhe_counter.domain.case import project
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.storage import EventStore

#: Roles that may see a whole ID number on screen.
REVEAL_ROLES = frozenset({"backoffice", "supervisor"})


class RevealRefused(DomainError):
    """无权查看完整证件号码."""


@dataclass(frozen=True, slots=True)
class IdReveal:
    """One reveal in the audit log (查看记录): who, which case, where, when — not the number."""

    reveal_id: UUID
    case_id: UUID
    staff_id: str
    station_id: str
    at: datetime


class RevealAudit(Protocol):
    """The append-only audit log of reveals."""

    def record(self, reveal: IdReveal) -> None: ...

    def reveals_for_case(self, case_id: UUID) -> list[IdReveal]: ...


class PrivacyService:
    """证件号码查看服务."""

    def __init__(
        self, *, store: EventStore, audit: RevealAudit, clock: Clock, station_id: str
    ) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock
        self._station_id = station_id

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
        number = project(events).applicant.get("id_number")
        if not number:
            raise DomainError(f"case {case_id} has no ID number", "该办件没有记录证件号码。")
        # Recorded before it is shown: a failed write shows nothing.
        self._audit.record(
            IdReveal(uuid7(), case_id, staff_id, self._station_id, self._clock.now())
        )
        return number

    def reveals_for_case(self, case_id: UUID) -> list[IdReveal]:
        return self._audit.reveals_for_case(case_id)
