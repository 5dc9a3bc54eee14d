"""Storage ports (存储端口): what the services need from the station database.

The SQLite adapters in ``zhanhe_counter.adapters.storage`` implement them; services and their
tests depend only on these protocols and dataclasses.

Numbering and receipt commit together: a case number (受理编号) that was printed must belong to a
case that exists, and a number must never be used twice. ``EventStore.record_numbered`` therefore
allocates the number and appends the event that carries it in ONE write transaction; either both
are stored or neither is, and a retry with the same event id returns the stored event without
using another number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import CaseEvent, EventDraft

if TYPE_CHECKING:
    from zhanhe_counter.domain.case import CaseState


class SyncState(StrEnum):
    """Where an event is on its way to the centre (同步状态). Values are stored."""

    LOCAL = "local"  # 已保存在本机
    SENT = "sent"  # 已发送
    CONFIRMED = "confirmed"  # 中心已确认
    REJECTED = "rejected"  # 中心拒收（需处理）


class EventIdConflict(DomainError):
    """An event id was reused for different content (事件编号冲突): a bug or a cloned database."""


class UnknownCase(DomainError):
    """No case with this id is stored on this PC (办件不存在)."""


class StorageBusy(DomainError):
    """Another writer held the station file longer than the store waits (数据库占用).

    Nothing of the failed unit of work was stored; trying it again later may succeed
    (:mod:`zhanhe_counter.services.storage_retry`).
    """


@dataclass(frozen=True, slots=True)
class CaseQuery:
    """Filters for finding cases (办件查询); all given filters must match."""

    case_number: str | None = None
    applicant_name: str | None = None  # substring
    applicant_id_masked: str | None = None  # exact masked form, e.g. 410411********1234
    matter_id: str | None = None
    status: str | None = None
    first_handler: str | None = None  # 首办负责人 (staff id)
    station_id: str | None = None
    exclude_statuses: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # any of these (empty: no filter)
    # False: in any order (the caller sorts), so the store may take the index that narrows most
    # (a clerk's open cases by status, a name among the clerk's cases) instead of the one that
    # sorts (every case of the clerk, newest first).
    newest_first: bool = True
    limit: int | None = 50  # None: every match (a clerk's own list must not lose cases)


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """One row of the case list (办件概要), read from the status projection."""

    case_id: UUID
    case_number: str | None
    matter_id: str | None
    status: str
    first_handler: str | None
    station_id: str
    applicant_name: str | None
    applicant_id_masked: str | None
    received_at: datetime | None
    promised_due: date | None
    rongque_due: date | None
    updated_at: datetime
    event_count: int
    needs_attention: bool


@dataclass(frozen=True, slots=True)
class OwedDocument:
    """A document a case needs printed (待出具文书), recorded with the events that need it.

    ``request_id`` is the print action's id, so queuing it again after a crash finds the jobs
    already queued instead of printing twice.
    """

    case_id: UUID
    kind: str
    request_id: UUID
    clerk_id: str
    clerk_name: str
    reason_zh: str | None = None  # why it still waits (the last rendering or queuing error)
    at_window: bool = True  # issued by the window itself (intake), not the back office/delivery


class OwedDocuments(Protocol):
    """The documents owed by committed cases and not yet queued (待出具文书)."""

    def pending(self) -> list[OwedDocument]:
        """Every owed document whose print job is not queued yet, oldest first."""
        ...

    def fulfilled(self, request_id: UUID) -> None:
        """The print jobs of ``request_id`` are queued (or not needed on this station)."""
        ...

    def waiting(self, request_id: UUID, reason_zh: str) -> None:
        """Queuing ``request_id`` failed; it stays owed with ``reason_zh`` on screen."""
        ...

    def record(self, owed: Sequence[OwedDocument]) -> None:
        """Record ``owed`` on its own, for a print that no event comes with (a request id
        already recorded is kept as it is, fulfilled or not)."""
        ...


class EventStore(Protocol):
    """The append-only log of case events with its status projection (办件事件库)."""

    def append(self, draft: EventDraft, *, owed: Sequence[OwedDocument] = ()) -> CaseEvent:
        """Record one event, numbered gap-free per station, validated by the state machine,
        with the ``owed`` documents it needs printed, in the one transaction.

        Idempotent on ``draft.event_id``: a retried draft returns the stored event. Raises
        ``EventIdConflict`` if the id is stored with different content, ``IllegalTransition`` (and
        writes nothing) if the case's state does not allow the event.
        """
        ...

    def append_many(
        self, drafts: Sequence[EventDraft], *, owed: Sequence[OwedDocument] = ()
    ) -> list[CaseEvent]:
        """Record several events atomically (all of them or none), with their ``owed``
        documents."""
        ...

    def record_numbered(
        self,
        event_id: UUID,
        station_code: str,
        number_kind: str,
        day: date,
        build: Callable[[int], EventDraft],
    ) -> CaseEvent:
        """Allocate the next number of (station, kind, day) and append ``build(seq)`` atomically.

        ``build`` formats the case number from ``seq`` and returns the draft carrying it; its
        ``event_id`` must equal ``event_id``. If ``event_id`` is already stored (a retry after a
        lost answer), the stored event is returned and no number is used.
        """
        ...

    def record_numbered_batch(
        self,
        event_id: UUID,
        station_code: str,
        number_kind: str,
        day: date,
        build: Callable[[int], Sequence[EventDraft]],
        *,
        owed: Sequence[OwedDocument] = (),
    ) -> list[CaseEvent]:
        """As ``record_numbered``, for a case opened with several events (收件 + 受理 …).

        ``build(seq)`` returns the drafts, the first with ``event_id``; all are stored in the one
        transaction that takes the number, with the ``owed`` documents the case needs printed.
        A retry returns the case's stored events.
        """
        ...

    def events_for_case(self, case_id: UUID) -> list[CaseEvent]:
        """The case's events in the order they were accepted (empty if unknown)."""
        ...

    def case_state(self, case_id: UUID) -> CaseState | None:
        """The case's current state, projected from its events; ``None`` if unknown."""
        ...

    def find_cases(self, query: CaseQuery) -> list[CaseSummary]:
        """Cases matching ``query``, most recently updated first."""
        ...

    def unsynced_events(self, limit: int) -> list[CaseEvent]:
        """Up to ``limit`` events still only on this PC, in station sequence order."""
        ...

    def mark_synced(
        self, event_ids: Sequence[UUID], state: SyncState, error: str | None = None
    ) -> int:
        """Set the sync state (and error text) of the given events; returns how many changed."""
        ...

    def sync_states(self, event_ids: Sequence[UUID]) -> Mapping[UUID, SyncState]:
        """The sync state of each given, stored event."""
        ...

    def case_sync_states(self, case_ids: Sequence[UUID]) -> Mapping[UUID, frozenset[SyncState]]:
        """The sync states the events of each given case are in (one read for a whole list)."""
        ...


@dataclass(frozen=True, slots=True)
class StaffRecord:
    """A staff account as stored on this PC (工作人员账号)."""

    staff_id: str
    name: str
    roles: tuple[str, ...]
    password_hash: str
    failed_logins: int = 0
    locked_until: datetime | None = None
    active: bool = True
    #: Created or reset by the bureau: the person sets their own password at first login.
    must_change_password: bool = False


@dataclass(frozen=True, slots=True)
class WindowRecord:
    """A service window of this station (窗口配置)."""

    window_id: str
    name: str
    station_id: str
    can_accept: bool
    matter_ids: tuple[str, ...]
    active: bool = True


@dataclass(frozen=True, slots=True)
class MatterRecord:
    """One matter of one catalogue version, its full definition as JSON (事项)."""

    matter_id: str
    name: str
    department_id: str | None
    body: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CatalogueVersionInfo:
    """An imported catalogue version (事项目录版本)."""

    version: str
    imported_at: datetime
    source: str
    checksum: str
    is_current: bool
    matter_count: int


class ReferenceStore(Protocol):
    """Catalogue versions, departments, staff, windows and this PC's settings (基础数据)."""

    def save_catalogue(
        self,
        version: str,
        matters: Sequence[MatterRecord],
        *,
        source: str,
        checksum: str,
        imported_at: datetime,
        make_current: bool = True,
    ) -> CatalogueVersionInfo:
        """Store a whole catalogue version atomically (replacing a same-named version)."""
        ...

    def current_catalogue(self) -> CatalogueVersionInfo | None: ...

    def catalogue_versions(self) -> list[CatalogueVersionInfo]: ...

    def matters(self, version: str | None = None) -> list[MatterRecord]:
        """Matters of ``version`` (default: the current one), by id."""
        ...

    def matter(self, matter_id: str, version: str | None = None) -> MatterRecord | None: ...

    def save_department(self, department_id: str, name: str, active: bool = True) -> None: ...

    def departments(self) -> dict[str, str]:
        """Active departments: id → name."""
        ...

    def save_staff(self, record: StaffRecord) -> None: ...

    def staff(self, staff_id: str) -> StaffRecord | None: ...

    def all_staff(self) -> list[StaffRecord]: ...

    def record_login_failure(self, staff_id: str, lock_until: datetime | None) -> int:
        """Count a failed login (and lock until ``lock_until`` if given); returns the count."""
        ...

    def record_login_success(self, staff_id: str) -> None:
        """Reset the failure count and lock."""
        ...

    def save_window(self, record: WindowRecord) -> None: ...

    def windows(self, station_id: str | None = None) -> list[WindowRecord]: ...

    def get_setting(self, key: str, default: Any = None) -> Any: ...

    def set_setting(self, key: str, value: Any) -> None:
        """Store a JSON-compatible value for this PC."""
        ...
