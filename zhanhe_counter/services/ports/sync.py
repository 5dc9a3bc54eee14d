"""Sync ports (同步端口): the central database, the local outbox and the secret store.

``SyncTarget`` is the transport (phase 1: PostgreSQL directly; a thin HTTP service later would be
another adapter, docs/sync.md). ``SyncOutbox`` is the station database's side, in three parts:
``SyncPush`` (the push mark and the centre's answers), ``SyncPull`` (cursors, applying pulled
rows) and ``SyncStatusReader`` (the sync state shown to the clerk, the only part the UI needs).
The engine in ``services/sync_engine.py`` only talks to these protocols.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from zhanhe_counter.domain.errors import DomainError

# ------------------------------------------------------------------------------------- errors


class SyncProblem(StrEnum):
    """Why a sync session failed, as the sync bar classifies it (同步问题)."""

    OFFLINE = "offline"  # timeout, refused, cut: retry with back-off
    NOT_AUTHORISED = "not_authorised"  # login refused or the station was deactivated
    STATION_MISMATCH = "station_mismatch"  # restored or cloned station database: blocking
    CLIENT_TOO_OLD = "client_too_old"  # recording continues; syncing needs an update
    NOT_CONFIGURED = "not_configured"
    CENTRAL_ERROR = "central_error"  # anything else the centre answered


class SyncError(DomainError):
    """A sync session could not complete (同步失败)."""

    problem = SyncProblem.CENTRAL_ERROR
    retryable = True


class CentralUnreachable(SyncError):
    """The central database cannot be reached now (无法连接中心)."""

    problem = SyncProblem.OFFLINE


class NotAuthorised(SyncError):
    """The centre refused this station's login (本站未获授权)."""

    problem = SyncProblem.NOT_AUTHORISED
    retryable = False


class StationDatabaseMismatch(SyncError):
    """The PC's numbering disagrees with the centre's (本机数据与中心不一致): restored or cloned."""

    problem = SyncProblem.STATION_MISMATCH
    retryable = False


class ClientTooOld(SyncError):
    """The centre needs a newer client to sync (需升级客户端)."""

    problem = SyncProblem.CLIENT_TOO_OLD
    retryable = False


class SyncNotConfigured(SyncError):
    """No central address or credential on this PC (未配置同步)."""

    problem = SyncProblem.NOT_CONFIGURED
    retryable = False


# --------------------------------------------------------------------------------- data moved


@dataclass(frozen=True, slots=True)
class OutboundCase:
    """The ownership row of a case, sent before its first event (办件归属)."""

    case_id: UUID
    station_id: str
    matter_id: str | None
    service_day: date
    created_at: datetime
    department: str | None = None  # the matter's department: routes the case to its desks
    hall: str | None = None  # the opening station's hall: routes it to the delivery windows


@dataclass(frozen=True, slots=True)
class CasePlaces:
    """Where this station's cases belong (办件归属): its hall, and each matter's department.

    Sent with a case's ownership row, so the centre can route it
    (docs/hall.md, Routing at the centre).
    """

    hall: str | None = None
    departments: Mapping[str, str] = field(default_factory=dict)  # matter id -> department


class JsonText(Mapping[str, Any]):
    """A payload still in the JSON text the station stored it as (记录原文).

    Read like any mapping (decoded on first use), and sent on to the centre as the text itself:
    a push forwards payloads it never reads, and decoding 10,000 of them only to encode them
    again cost it most of a second (issue 20).
    """

    __slots__ = ("_decoded", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._decoded: dict[str, Any] | None = None

    def _value(self) -> dict[str, Any]:
        if self._decoded is None:
            self._decoded = dict(json.loads(self.text))
        return self._decoded

    def __getitem__(self, key: str) -> Any:
        return self._value()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._value())

    def __len__(self) -> int:
        return len(self._value())


@dataclass(frozen=True, slots=True)
class OutboundEvent:
    """One of this station's events on its way to the centre (待上传事件)."""

    event_id: UUID
    case_id: UUID
    origin: str
    origin_seq: int
    kind: str
    occurred_at: datetime
    service_day: date
    hlc: int
    actor: str
    schema_version: int
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PushBatch:
    """Consecutive own events (by ``origin_seq``) and the cases they belong to (上传批次)."""

    cases: tuple[OutboundCase, ...]
    events: tuple[OutboundEvent, ...]

    @property
    def last_seq(self) -> int:
        return self.events[-1].origin_seq if self.events else 0


@dataclass(frozen=True, slots=True)
class Rejection:
    """An event the centre refused, with its reason (中心拒收)."""

    event_id: UUID
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class CentralCopy:
    """One of this station's events as the centre stores it (中心已存事件)."""

    event_id: UUID
    server_seq: int
    xid: int


@dataclass(frozen=True, slots=True)
class SentEvent:
    """An own event this PC believes sent but the centre has not confirmed (已发送待确认)."""

    event_id: UUID
    origin_seq: int


@dataclass(frozen=True, slots=True)
class PushResult:
    """What one committed central transaction did with a batch (上传结果).

    ``stored`` lists the batch's events the centre holds after the transaction (landed now or
    earlier): they are confirmed at once, without waiting for the pull's echo.
    """

    inserted: int
    duplicates: int
    rejected: tuple[Rejection, ...] = ()
    stored: tuple[CentralCopy, ...] = ()


@dataclass(frozen=True, slots=True)
class PullCursor:
    """Position in a central stream: (transaction id, server sequence) (下载游标)."""

    xid: int = 0
    seq: int = 0

    def to_text(self) -> str:
        return f"{self.xid}:{self.seq}"

    @classmethod
    def from_text(cls, text: str | None) -> PullCursor:
        if not text:
            return cls()
        try:
            xid, seq = text.split(":", 1)
            return cls(int(xid), int(seq))
        except ValueError:
            return cls()


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """A central case event visible to this station: an echo or a back-office fact (下载事件)."""

    event_id: UUID
    case_id: UUID
    origin: str
    origin_seq: int
    kind: str
    occurred_at: datetime
    hlc: int
    actor: str
    schema_version: int
    payload: Mapping[str, Any]
    server_seq: int  # the position in this station's routing log (c0006), with ``xid``
    xid: int


@dataclass(frozen=True, slots=True)
class RefChange:
    """One change of centrally edited reference data (基础数据变更)."""

    server_seq: int
    xid: int
    entity: str
    entity_key: str
    op: str  # 'upsert' or 'delete'
    data: Mapping[str, Any] | None


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PullPage(Generic[T]):
    """Rows in stream order and the cursor after the last of them (下载页)."""

    rows: tuple[T, ...]
    next_cursor: PullCursor


@dataclass(frozen=True, slots=True)
class Hello:
    """The centre's answer at the start of a session (握手应答)."""

    station_id: str
    server_time: datetime
    epoch: int
    system_id: str | None
    current_xid: int
    min_client_version: str | None
    max_origin_seq: int  # highest of this station's numbers the centre holds (stored or refused)
    started_at: datetime | None = None  # when the central server last (re)started


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """What the handshake changed locally (握手校正)."""

    previous_mark: int
    mark: int
    cursors_reset: bool

    @property
    def acks_recovered(self) -> int:
        """Events the centre had although this PC never saw the acknowledgement."""
        return max(0, self.mark - self.previous_mark)

    @property
    def resend(self) -> int:
        """Events this PC believed sent that the centre no longer has (restored backup)."""
        return max(0, self.previous_mark - self.mark)


@dataclass(frozen=True, slots=True)
class SettledSent:
    """What checking "sent" events by id at the centre changed locally (按编号核对结果)."""

    confirmed: int  # the centre holds them: confirmed without the echo
    rejected: int  # the centre refused them
    resend: int  # the centre has neither: back to "local", pushed again


@dataclass(frozen=True, slots=True)
class AppliedEvents:
    """What applying a page of pulled events did locally (下载事件处理结果)."""

    confirmed: int  # own events echoed back
    added: int  # back-office facts folded into local cases
    conflicts: int  # facts that contradict the local case (needs attention)


# ---------------------------------------------------------------------------------- UI state


class CaseSyncBadge(StrEnum):
    """A case's sync state: the worst of its events (办件同步标记)."""

    SAVED_LOCAL = "saved_local"  # 已保存在本机
    SENT = "sent"  # 已发送
    CONFIRMED = "confirmed"  # 中心已确认
    REJECTED = "rejected"  # 中心拒收
    NEEDS_ATTENTION = "needs_attention"  # 需处理


@dataclass(frozen=True, slots=True)
class OutboxSummary:
    """Counts and times behind the sync bar (同步概况)."""

    pending: int
    oldest_pending_at: datetime | None
    sent_unconfirmed: int
    rejected: int
    conflicts: int
    last_push_ok_at: datetime | None
    last_pull_ok_at: datetime | None
    last_reference_ok_at: datetime | None
    clock_offset_ms: int | None
    catalogue_version: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One line of the outbox screen: an unsent, rejected or conflicting event (待同步事项)."""

    event_id: UUID
    case_id: UUID
    case_number: str | None
    kind: str
    occurred_at: datetime
    badge: CaseSyncBadge
    message: str | None = None


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One past sync session (同步记录)."""

    started_at: datetime
    finished_at: datetime
    pushed: int
    pulled: int
    pulled_reference: int
    error: str | None


# ------------------------------------------------------------------------------------ ports


class SyncSession(Protocol):
    """One open connection to the centre; every call is one central transaction."""

    def hello(self, app_version: str, client_time: datetime) -> Hello: ...

    def push(self, batch: PushBatch) -> PushResult:
        """Insert the batch idempotently in one transaction; refused events are reported."""
        ...

    def pull_events(self, cursor: PullCursor, limit: int) -> PullPage[InboundEvent]:
        """Events after ``cursor`` whose transactions can no longer be overtaken."""
        ...

    def pull_reference(self, cursor: PullCursor, limit: int) -> PullPage[RefChange]: ...

    def check_key(self) -> str | None:
        """The centre's check-code key (hex) for the codes printed beside case numbers."""
        ...

    def rejections(self, event_ids: Sequence[UUID]) -> list[Rejection]:
        """The centre's refusals among ``event_ids``."""
        ...

    def stored(self, event_ids: Sequence[UUID]) -> list[CentralCopy]:
        """Which of ``event_ids`` the centre holds (among the rows this station may read)."""
        ...

    def holds(self, stream: str, cursor: PullCursor) -> bool:
        """Whether the row ``cursor`` points at still exists (``stream``: "events" or
        "reference"). After a crash restart the centre may have lost rows this PC already
        pulled, and hand their transaction ids out again."""
        ...

    def close(self) -> None: ...


class SyncTarget(Protocol):
    """The central database as the sync sees it (同步目标)."""

    def connect(self) -> SyncSession:
        """Open a session; raises ``SyncError`` subclasses, never driver errors."""
        ...


class SyncPush(Protocol):
    """This PC's push side: the push mark and what the centre's answers change (本机上传)."""

    @property
    def station_id(self) -> str: ...

    def push_mark(self) -> int: ...

    def reconcile(self, hello: Hello, now: datetime) -> Reconciliation:
        """Set the push mark to the centre's and reset cursors if the centre changed."""
        ...

    def next_batch(self, limit: int) -> PushBatch | None:
        """Own events after the push mark, oldest first; ``None`` when nothing is waiting."""
        ...

    def acknowledge(self, batch: PushBatch, result: PushResult, now: datetime) -> int:
        """Move the push mark past ``batch``, record its refusals and confirm what the centre
        stored, in one transaction; returns how many events became confirmed."""
        ...

    def sent_after(self, after_seq: int, limit: int) -> list[SentEvent]:
        """Own events in state "sent" with a number above ``after_seq``, oldest first."""
        ...

    def settle_sent(
        self,
        checked: Sequence[UUID],
        stored: Sequence[CentralCopy],
        refused: Sequence[Rejection],
        now: datetime,
    ) -> SettledSent:
        """Confirm the ``checked`` events the centre stores, reject the refused ones, and put
        the rest back to "local" (lowering the push mark) so they are pushed again."""
        ...

    def unconfirmed_sent(self, limit: int) -> list[UUID]: ...

    def record_rejections(self, rejections: Sequence[Rejection], now: datetime) -> int: ...


class SyncPull(Protocol):
    """This PC's pull side: cursors, and applying pulled rows (本机下载)."""

    def recent_pulled(self, limit: int) -> list[UUID]:
        """Events the centre numbered (pulled or confirmed), newest number first."""
        ...

    def central_start(self) -> datetime | None:
        """The central server start time the pull cursors were last checked against."""
        ...

    def note_central_start(
        self, started_at: datetime, events: PullCursor, reference: PullCursor, now: datetime
    ) -> bool:
        """Remember ``started_at``; pull cursors past the given positions move back to them.
        Returns whether a cursor moved."""
        ...

    def events_cursor(self) -> PullCursor: ...

    def apply_events(self, page: PullPage[InboundEvent], now: datetime) -> AppliedEvents:
        """Apply pulled events and move the cursor in one transaction."""
        ...

    def reference_cursor(self) -> PullCursor: ...

    def apply_reference(self, page: PullPage[RefChange], now: datetime) -> int: ...

    def store_check_key(self, key_hex: str) -> None:
        """Keep the centre's check-code key in this PC's settings (the documents read it)."""
        ...


class SyncStatusReader(Protocol):
    """What the sync bar and the outbox screen read (同步状态); all the UI needs."""

    def summary(self) -> OutboxSummary: ...

    def outbox_items(self, limit: int = 500) -> list[OutboxItem]: ...

    def sessions(self, limit: int = 20) -> list[SessionRecord]: ...

    def case_badges(self, case_ids: Sequence[UUID]) -> dict[UUID, CaseSyncBadge]: ...


class SyncOutbox(SyncPush, SyncPull, SyncStatusReader, Protocol):
    """This PC's side of the sync as the engine drives it: push, pull, status and the session
    log (本机同步库)."""

    def record_session(self, record: SessionRecord) -> None: ...


class SyncWakeups(Protocol):
    """The centre telling this PC that something was routed to it (中心变更提醒)."""

    def listen(self, wake: Callable[[], None]) -> None:
        """Block, calling ``wake`` on every notice (and on every reconnect), until
        :meth:`close`; connection trouble is retried inside, never raised."""
        ...

    def close(self) -> None: ...


class SecretStore(Protocol):
    """Credentials kept only in the OS keyring (密钥存储)."""

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...
