"""The case event log in SQLite (办件事件库) with its status projection.

Every write is one ``BEGIN IMMEDIATE`` transaction that (1) returns the stored event if the
event id is already there (a retry), (2) takes the case's state, (3) numbers the event with the
station's gap-free sequence, (4) applies it — an illegal transition raises and the whole
transaction rolls back, counter included — and (5) writes the event and the updated
``case_status`` row together. The projection is therefore never behind or ahead of the log.

The case's state (2) comes from a cache of committed states, each kept with the version of the
case it folds (``case_status.event_count`` and ``updated_at``, read inside the transaction); only
a case the cache does not hold at that version is replayed from its events, so an append costs
the same at the third event as at the four hundredth. The statements of an append are plain SQL
in the driver's own transaction (:mod:`.plain_sql`), and the payload is encoded to JSON once.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.engine import reading, storage_errors
from zhanhe_counter.adapters.storage.numbering import allocate_number, allocate_station_seq
from zhanhe_counter.adapters.storage.owed_documents import record_owed
from zhanhe_counter.adapters.storage.plain_sql import (
    RowDecoder,
    RowEncoder,
    WriterConnection,
    driver,
    insert_sql,
    upsert_sql,
)
from zhanhe_counter.adapters.storage.tables import case_event, case_status
from zhanhe_counter.adapters.storage.tally_tables import (
    INSERT_TALLY_EVENT,
    SETTLE_CASE,
    SETTLED_KINDS,
    SETTLING_KINDS,
)
from zhanhe_counter.domain.case import CaseState, apply
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import CaseEvent, EventDraft, EventKind
from zhanhe_counter.domain.masking import mask_id_number
from zhanhe_counter.services.ports.storage import (
    CaseQuery,
    CaseSummary,
    EventIdConflict,
    OwedDocument,
    SyncState,
)

log = logging.getLogger(__name__)


class InvalidDraft(DomainError):
    """An event draft the store cannot record as given (事件数据无效)."""


class DuplicateCaseNumber(DomainError):
    """The case number is already used by another case (受理编号重复)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _normalised_payload(draft: EventDraft) -> tuple[str, dict[str, Any]]:
    """The payload as the JSON text stored, and as every reader will see it (tuples become
    lists, keys strings)."""
    try:
        text = json.dumps(dict(draft.payload))
        normalised: dict[str, Any] = json.loads(text)
    except (TypeError, ValueError) as error:
        raise InvalidDraft(
            f"payload of event {draft.event_id} is not JSON: {error}",
            "事件内容无法保存（包含不支持的数据），请联系管理员。",
        ) from error
    return text, normalised


def row_to_event(row: sa.Row[Any]) -> CaseEvent:
    return CaseEvent(
        event_id=row.event_id,
        case_id=row.case_id,
        kind=EventKind(row.kind),
        station_id=row.station_id,
        station_seq=int(row.station_seq),
        actor=row.actor,
        occurred_at=row.occurred_at,
        payload=row.payload,
    )


def _row_to_summary(row: sa.Row[Any]) -> CaseSummary:
    return CaseSummary(
        case_id=row.case_id,
        case_number=row.case_number,
        matter_id=row.matter_id,
        status=row.status,
        first_handler=row.first_handler,
        station_id=row.station_id,
        applicant_name=row.applicant_name,
        applicant_id_masked=row.applicant_id_masked,
        received_at=row.received_at,
        promised_due=row.promised_due,
        rongque_due=row.rongque_due,
        updated_at=row.updated_at,
        event_count=int(row.event_count),
        needs_attention=bool(row.needs_attention),
    )


#: Ids per ``IN (…)`` list, well under SQLite's bound-parameter limit.
_IN_CHUNK = 500

#: Committed case states kept in memory (the cases a station works on in a day, many times over).
CACHED_CASES = 4096

#: The columns of a ``CaseEvent``, in the order of its fields.
_READ_COLUMNS = (
    "event_id",
    "case_id",
    "kind",
    "station_id",
    "station_seq",
    "actor",
    "occurred_at",
    "payload",
)
_EVENT_COLUMNS = (*_READ_COLUMNS, "case_pos", "recorded_at", "hlc", "sync_state")
_PROJECTED = (
    "status",
    "case_number",
    "matter_id",
    "first_handler",
    "applicant_name",
    "applicant_id_masked",
    "received_at",
    "promised_due",
    "rongque_due",
    "updated_at",
    "last_station_seq",
    "event_count",
)
_STATUS_COLUMNS = ("case_id", "station_id", "needs_attention", *_PROJECTED)
_INSERT_EVENT = insert_sql(case_event, _EVENT_COLUMNS)
#: The kinds after which the case's tally rows are settled again (adapters/storage/tally_tables.py).
_SETTLES = frozenset(SETTLED_KINDS + SETTLING_KINDS)
# station_id and needs_attention belong to the case's first row and to the sync respectively.
_UPSERT_STATUS = upsert_sql(case_status, _STATUS_COLUMNS, "case_id", _PROJECTED)
# An audit event (a view, a print …) moves nothing of the case: only the version columns change,
# so the row's other indexes (eleven in all) are left alone rather than rewritten by the upsert.
_AUDIT_STATUS = (
    "UPDATE case_status SET updated_at = ?, last_station_seq = ?, event_count = ? WHERE case_id = ?"
)
_EVENT_EXISTS = "SELECT 1 FROM case_event WHERE event_id = ?"
_CASE_VERSION = "SELECT event_count, updated_at FROM case_status WHERE case_id = ?"
_STATION_LAST_HLC = (
    "SELECT hlc FROM case_event WHERE station_id = ? ORDER BY station_seq DESC LIMIT 1"
)
_CASE_LAST_HLC = "SELECT max(hlc) FROM case_event WHERE case_id = ?"
_READ_EVENTS = f"SELECT {', '.join(_READ_COLUMNS)} FROM case_event"
_STORED_EVENT = f"{_READ_EVENTS} WHERE event_id = ?"
_CASE_EVENTS = f"{_READ_EVENTS} WHERE case_id = ? ORDER BY case_pos"


@dataclass(slots=True)
class _CaseInProgress:
    """A case's state while a write transaction appends to it, with the version it is at."""

    state: CaseState | None
    event_count: int
    updated_at: Any  # case_status.updated_at as stored: with event_count, the cache's check
    last_hlc: int


class _Encoders:
    """The row encoders and the event decoder of one engine's dialect."""

    def __init__(self, dialect: sa.Dialect) -> None:
        # The payload arrives as the JSON text _normalised_payload made.
        self.event = RowEncoder(case_event, _EVENT_COLUMNS, dialect, raw=("payload",))
        self.status = RowEncoder(case_status, _STATUS_COLUMNS, dialect)
        self.read = RowDecoder([case_event.c[name] for name in _READ_COLUMNS], dialect)

    def event_of(self, row: Sequence[Any]) -> CaseEvent:
        event_id, case_id, kind, station_id, station_seq, actor, occurred_at, payload = (
            self.read.decode(row)
        )
        return CaseEvent(
            event_id,
            case_id,
            EventKind(kind),
            station_id,
            int(station_seq),
            actor,
            occurred_at,
            payload,
        )


class SqliteEventStore:
    """The ``EventStore`` port on the station SQLite database (本机办件事件库)."""

    def __init__(self, engine: sa.Engine, clock: Callable[[], datetime] = _utc_now) -> None:
        self._engine = engine
        self._writer = WriterConnection(engine)  # kept: a pool checkout per append costs 10 %
        self._clock = clock
        self._encoders = _Encoders(engine.dialect)
        self._states: OrderedDict[UUID, _CaseInProgress] = OrderedDict()
        self._states_lock = threading.Lock()
        #: Called after every committed write (the sync worker: "sync soon").
        self.after_write: list[Callable[[], None]] = []

    def _written(self) -> None:
        for listener in self.after_write:
            try:
                listener()
            except Exception:  # a listener must never undo or hide a committed write
                log.exception("after-write listener failed")

    # ----------------------------------------------------------------------------- writes

    def append(self, draft: EventDraft, *, owed: Sequence[OwedDocument] = ()) -> CaseEvent:
        return self.append_many([draft], owed=owed)[0]

    def append_many(
        self, drafts: Sequence[EventDraft], *, owed: Sequence[OwedDocument] = ()
    ) -> list[CaseEvent]:
        with self._writer.transaction() as raw:
            cases: dict[UUID, _CaseInProgress] = {}
            events = [self._append(raw, draft, cases) for draft in drafts]
            # In the same transaction: an action is never stored without the record of its papers.
            record_owed(raw, owed, self._clock())
        self._remember(cases)
        self._written()
        return events

    def record_numbered(
        self,
        event_id: UUID,
        station_code: str,
        number_kind: str,
        day: date,
        build: Callable[[int], EventDraft],
    ) -> CaseEvent:
        events = self.record_numbered_batch(
            event_id, station_code, number_kind, day, lambda seq: [build(seq)]
        )
        return events[0]

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
        with self._writer.transaction() as raw:
            stored = self._stored_event(raw, event_id)
            if stored is not None:
                # A retry after the answer was lost: the first attempt used the number and wrote
                # the whole batch in one transaction, so the case holds every event of it.
                return self._events_in(raw, stored.case_id)
            seq = allocate_number(raw, station_code, number_kind, day)
            drafts = list(build(seq))
            if not drafts or drafts[0].event_id != event_id:
                raise InvalidDraft(
                    f"build() must return drafts starting with event {event_id}",
                    "内部错误：编号事件不一致，未保存。",
                )
            cases: dict[UUID, _CaseInProgress] = {}
            events = [self._append(raw, draft, cases) for draft in drafts]
            # In the same transaction: a case is never stored without the record of its papers.
            record_owed(raw, owed, self._clock())
        self._remember(cases)
        self._written()
        return events

    def mark_synced(
        self, event_ids: Sequence[UUID], state: SyncState, error: str | None = None
    ) -> int:
        if not event_ids:
            return 0
        with storage_errors(), self._engine.begin() as connection:
            result = connection.execute(
                sa.update(case_event)
                .where(case_event.c.event_id.in_(list(event_ids)))
                .values(sync_state=SyncState(state).value, sync_error=error)
            )
            return int(result.rowcount)

    # ------------------------------------------------------------------------------ reads

    def events_for_case(self, case_id: UUID) -> list[CaseEvent]:
        with reading(self._engine) as connection:
            return self._events_in(driver(connection), case_id)

    def case_state(self, case_id: UUID) -> CaseState | None:
        events = self.events_for_case(case_id)
        state: CaseState | None = None
        for event in events:
            state = apply(state, event)
        return state

    def find_cases(self, query: CaseQuery) -> list[CaseSummary]:
        statement = sa.select(case_status)
        if query.case_number:
            statement = statement.where(case_status.c.case_number == query.case_number.strip())
        if query.applicant_name:
            pattern = "%" + _escape_like(query.applicant_name.strip()) + "%"
            statement = statement.where(case_status.c.applicant_name.like(pattern, escape="\\"))
        if query.applicant_id_masked:
            statement = statement.where(
                case_status.c.applicant_id_masked == query.applicant_id_masked.strip()
            )
        if query.matter_id:
            statement = statement.where(case_status.c.matter_id == query.matter_id)
        if query.status:
            statement = statement.where(case_status.c.status == query.status)
        if query.first_handler:
            statement = statement.where(case_status.c.first_handler == query.first_handler)
        if query.station_id:
            statement = statement.where(case_status.c.station_id == query.station_id)
        if query.exclude_statuses:
            statement = statement.where(case_status.c.status.not_in(query.exclude_statuses))
        if query.statuses:
            statement = statement.where(case_status.c.status.in_(query.statuses))
        if query.newest_first:
            statement = statement.order_by(case_status.c.updated_at.desc(), case_status.c.case_id)
        if query.limit is not None:
            statement = statement.limit(max(1, query.limit))
        with reading(self._engine) as connection:
            return [_row_to_summary(row) for row in connection.execute(statement)]

    def unsynced_events(self, limit: int) -> list[CaseEvent]:
        statement = (
            sa.select(case_event)
            .where(case_event.c.sync_state == SyncState.LOCAL.value)
            .order_by(case_event.c.station_id, case_event.c.station_seq)
            .limit(max(0, limit))
        )
        with reading(self._engine) as connection:
            return [row_to_event(row) for row in connection.execute(statement)]

    def sync_states(self, event_ids: Sequence[UUID]) -> Mapping[UUID, SyncState]:
        if not event_ids:
            return {}
        statement = sa.select(case_event.c.event_id, case_event.c.sync_state).where(
            case_event.c.event_id.in_(list(event_ids))
        )
        with reading(self._engine) as connection:
            return {
                row.event_id: SyncState(row.sync_state) for row in connection.execute(statement)
            }

    def case_sync_states(self, case_ids: Sequence[UUID]) -> Mapping[UUID, frozenset[SyncState]]:
        found: dict[UUID, set[SyncState]] = {}
        ids = list(dict.fromkeys(case_ids))
        with reading(self._engine) as connection:
            for first in range(0, len(ids), _IN_CHUNK):
                statement = (
                    sa.select(case_event.c.case_id, case_event.c.sync_state)
                    .where(case_event.c.case_id.in_(ids[first : first + _IN_CHUNK]))
                    .distinct()
                )
                for row in connection.execute(statement):
                    found.setdefault(row.case_id, set()).add(SyncState(row.sync_state))
        return {case_id: frozenset(states) for case_id, states in found.items()}

    # --------------------------------------------------------------------------- internals

    def _stored_event(self, raw: Any, event_id: UUID) -> CaseEvent | None:
        row = raw.execute(_STORED_EVENT, (self._encoders.event.one("event_id", event_id),))
        found = row.fetchone()
        return None if found is None else self._encoders.event_of(found)

    def _events_in(self, raw: Any, case_id: UUID) -> list[CaseEvent]:
        rows = raw.execute(_CASE_EVENTS, (self._encoders.event.one("case_id", case_id),))
        return [self._encoders.event_of(row) for row in rows]

    def append_in(
        self,
        connection: sa.Connection,
        draft: EventDraft,
        cases: dict[UUID, _CaseInProgress],
    ) -> CaseEvent:
        """Append ``draft`` inside the caller's write transaction (sync applies pulled events
        this way, so the state machine and the projection move with the pull cursor)."""
        return self._append(driver(connection), draft, cases)

    def _append(self, raw: Any, draft: EventDraft, cases: dict[UUID, _CaseInProgress]) -> CaseEvent:
        """Append ``draft`` in the write transaction open on the DBAPI connection ``raw``."""
        if draft.occurred_at.tzinfo is None or draft.occurred_at.utcoffset() is None:
            raise InvalidDraft(
                f"event {draft.event_id} has a naive occurred_at",
                "事件时间缺少时区，未保存。",
            )
        payload_json, payload = _normalised_payload(draft)
        encode = self._encoders
        if raw.execute(_EVENT_EXISTS, (encode.event.one("event_id", draft.event_id),)).fetchone():
            stored = self._stored_event(raw, draft.event_id)
            assert stored is not None  # just seen, in this transaction
            if not _same_content(stored, draft, payload):
                raise EventIdConflict(
                    f"event id {draft.event_id} already stored with different content",
                    "事件编号重复但内容不同，未保存。请联系管理员检查本机数据。",
                )
            return stored

        progress = cases.get(draft.case_id)
        if progress is None:
            progress = self._case_progress(raw, draft.case_id)
            cases[draft.case_id] = progress

        station_seq = allocate_station_seq(raw, draft.station_id)
        event = CaseEvent(
            event_id=draft.event_id,
            case_id=draft.case_id,
            kind=EventKind(draft.kind),
            station_id=draft.station_id,
            station_seq=station_seq,
            actor=draft.actor,
            occurred_at=draft.occurred_at.astimezone(UTC),
            payload=payload,
        )
        new_state = apply(progress.state, event)  # IllegalTransition rolls everything back
        position = progress.event_count + 1
        now = self._clock()
        hlc = _next_hlc(raw, draft.station_id, progress.last_hlc, now)
        self._write_projection(raw, event, new_state, position, now)
        raw.execute(
            _INSERT_EVENT,
            encode.event.encode(
                {
                    "event_id": event.event_id,
                    "case_id": event.case_id,
                    "case_pos": position,
                    "kind": event.kind.value,
                    "station_id": event.station_id,
                    "station_seq": station_seq,
                    "actor": event.actor,
                    "occurred_at": event.occurred_at,
                    "payload": payload_json,
                    "recorded_at": now,
                    "hlc": hlc,
                    "sync_state": SyncState.LOCAL.value,
                }
            ),
        )
        # The tally projection's row, from the rows just written (adapters/storage/tally_tables.py).
        raw.execute(INSERT_TALLY_EVENT, (encode.event.one("event_id", event.event_id),))
        if event.kind.value in _SETTLES:
            raw.execute(SETTLE_CASE, (encode.event.one("case_id", event.case_id),))
        progress.state = new_state
        progress.event_count = position
        progress.updated_at = encode.status.one("updated_at", now)
        progress.last_hlc = hlc
        return event

    def _case_progress(self, raw: Any, case_id: UUID) -> _CaseInProgress:
        """The case's committed state: the cached one when the case is still at its version,
        else a replay of its events (and the replay is cached once the transaction commits)."""
        row = raw.execute(
            _CASE_VERSION, (self._encoders.status.one("case_id", case_id),)
        ).fetchone()
        if row is None:
            return _CaseInProgress(None, 0, None, 0)
        event_count, updated_at = int(row[0]), row[1]
        with self._states_lock:
            cached = self._states.get(case_id)
        if cached is not None and (cached.event_count, cached.updated_at) == (
            event_count,
            updated_at,
        ):
            return _CaseInProgress(cached.state, event_count, updated_at, cached.last_hlc)
        state: CaseState | None = None
        earlier = self._events_in(raw, case_id)
        for event in earlier:
            state = apply(state, event)
        last_hlc = raw.execute(_CASE_LAST_HLC, (self._encoders.event.one("case_id", case_id),))
        return _CaseInProgress(state, len(earlier), updated_at, int(last_hlc.fetchone()[0] or 0))

    def _remember(self, cases: Mapping[UUID, _CaseInProgress]) -> None:
        """Keep the states a committed transaction left (never before the commit: a rolled-back
        state must not outlive its transaction)."""
        with self._states_lock:
            for case_id, progress in cases.items():
                self._states[case_id] = _CaseInProgress(
                    progress.state, progress.event_count, progress.updated_at, progress.last_hlc
                )
                self._states.move_to_end(case_id)
            while len(self._states) > CACHED_CASES:
                self._states.popitem(last=False)

    def _write_projection(
        self,
        raw: Any,
        event: CaseEvent,
        state: CaseState,
        position: int,
        now: datetime,
    ) -> None:
        if event.kind.is_audit:  # may_record: an audit event comes only to a stored case
            status = self._encoders.status
            raw.execute(
                _AUDIT_STATUS,
                (
                    status.one("updated_at", now),
                    event.station_seq,
                    position,
                    status.one("case_id", event.case_id),
                ),
            )
            return
        values: dict[str, Any] = {
            "status": str(state.status),
            "case_number": state.case_number,
            "matter_id": state.matter_id,
            "first_handler": state.first_handler,
            "applicant_name": state.applicant_name,
            "applicant_id_masked": _masked_applicant_id(state),
            "received_at": state.received_at,
            "promised_due": state.promised_due,
            "rongque_due": state.rongque_due,
            "updated_at": now,
            "last_station_seq": event.station_seq,
            "event_count": position,
        }
        row = self._encoders.status.encode(
            {"case_id": event.case_id, "station_id": event.station_id, "needs_attention": False}
            | values
        )
        try:
            # A failed statement leaves SQLite's transaction open; raising rolls it all back.
            raw.execute(_UPSERT_STATUS, row)
        except raw.IntegrityError as error:
            if "case_number" in str(error):
                raise DuplicateCaseNumber(
                    f"case number {state.case_number} already used by another case",
                    f"受理编号 {state.case_number} 已被其他办件使用，未保存。",
                ) from error
            raise


def _next_hlc(raw: Any, station_id: str, case_last: int, now: datetime) -> int:
    """The hybrid logical clock of a new event (混合逻辑时钟): ``wall ms << 16 | counter``.

    Past the station's last value and past every event already in the case (the back office's
    included, ``case_last``), so it never runs backwards when the PC's clock is set back, and a
    case's events keep their causal order at the centre whatever the clocks say.
    """
    row = raw.execute(_STATION_LAST_HLC, (station_id,)).fetchone()
    station_last = int(row[0] or 0) if row is not None else 0
    physical = int(now.timestamp() * 1000) << 16
    return max(physical, station_last + 1, case_last + 1)


def _masked_applicant_id(state: CaseState) -> str | None:
    id_number = state.applicant.id_number if state.applicant else ""
    return mask_id_number(id_number) if id_number else None


def _same_content(stored: CaseEvent, draft: EventDraft, payload: Mapping[str, Any]) -> bool:
    return (
        stored.case_id == draft.case_id
        and stored.kind == EventKind(draft.kind)
        and stored.station_id == draft.station_id
        and stored.actor == draft.actor
        and stored.occurred_at == draft.occurred_at
        and dict(stored.payload) == dict(payload)
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
