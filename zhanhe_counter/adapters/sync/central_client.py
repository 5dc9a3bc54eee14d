"""The ``SyncTarget`` port on PostgreSQL, straight over libpq (中心库同步客户端).

Push is one central transaction per batch (docs/sync.md, Push transaction), sent as one pipeline:
the batch as binary column arrays into a session's temp table, then the statements that land the
case rows and events set-wise (``INSERT … SELECT … ON CONFLICT (event_id) DO NOTHING``) and read
the refusals and positions of the batch: one round trip whatever the batch size. Pull
reads only rows whose transaction is older than every transaction still running
(``xid < pg_snapshot_xmin``), ordered by ``(xid, server_seq)`` as numbers, never as their text:
a row committed late can never fall behind the cursor (docs/sync.md, Pull cursor).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from zhanhe_counter.adapters.sync.connection import OPERATION_TIMEOUT, CentralAddress
from zhanhe_counter.adapters.sync.errors import translate_central_error
from zhanhe_counter.services.ports.sync import (
    CentralCopy,
    CentralUnreachable,
    Hello,
    InboundEvent,
    JsonText,
    OutboundCase,
    OutboundEvent,
    PullCursor,
    PullPage,
    PushBatch,
    PushResult,
    RefChange,
    Rejection,
    SyncError,
)

log = logging.getLogger(__name__)

R = TypeVar("R")

# The staging table lives as long as the session and empties itself at every commit (docs/sync.md,
# Push transaction). A temp table, not a shared one: a station never sees another's batch.
_CREATE_STAGE = (
    "CREATE TEMP TABLE IF NOT EXISTS sync_push_stage ("
    "event_id uuid NOT NULL, case_id uuid NOT NULL, origin text NOT NULL, "
    "origin_seq bigint NOT NULL, kind text NOT NULL, occurred_at timestamptz NOT NULL, "
    "service_day date NOT NULL, hlc bigint NOT NULL, actor text NOT NULL, "
    "schema_version smallint NOT NULL, payload jsonb NOT NULL, "
    "case_station text, case_matter text, case_day date, case_created timestamptz, "
    "case_department text, case_hall text) ON COMMIT DELETE ROWS"
)
# The batch travels as one array per column, in binary: a UUID is 16 bytes instead of 36
# characters, a timestamp 8 instead of about 30. Over a slow link the bytes of a batch are most
# of its time (issue 20).
_FILL_STAGE = (
    "INSERT INTO sync_push_stage SELECT * FROM unnest("
    "%b::uuid[], %b::uuid[], %b::text[], %b::int8[], %b::text[], %b::timestamptz[], %b::date[], "
    "%b::int8[], %b::text[], %b::int2[], %b::jsonb[], %b::text[], %b::text[], %b::date[], "
    "%b::timestamptz[], %b::text[], %b::text[])"
)
# The statements of one push, sent together in one pipeline: one round trip for the batch. The
# cases first (which routes the new ones), then the refusal of events of cases not routed to this
# station for writing (set-wise, c0006; only those events travel to the function), then the events
# (RLS and the screen trigger per row, but the policies' station lookup once per statement). A new
# event id under a number the centre already holds still fails loudly on UNIQUE (origin,
# origin_seq): only event_id is the conflict target.
_LAND_CASES = """
INSERT INTO case_file (case_id, station_id, matter_id, service_day, created_at, department, hall)
SELECT DISTINCT ON (case_id) case_id, case_station, case_matter, case_day, case_created,
       case_department, case_hall
  FROM sync_push_stage WHERE case_station IS NOT NULL
 ORDER BY case_id
ON CONFLICT (case_id) DO NOTHING
"""
_REFUSE_UNROUTED = """
SELECT refuse_unrouted(jsonb_agg(jsonb_build_object(
  'event_id', event_id, 'case_id', case_id, 'origin', origin, 'origin_seq', origin_seq,
  'kind', kind, 'payload', payload))) FROM sync_push_stage AS s
 WHERE NOT EXISTS (SELECT 1 FROM case_route AS cr
                    WHERE cr.case_id = s.case_id AND cr.station_id = (SELECT my_station())
                      AND cr.access = 'write')
"""
_LAND_EVENTS = """
WITH landed AS (
  INSERT INTO case_event (event_id, case_id, origin, origin_seq, kind, occurred_at, service_day,
                          hlc, actor, schema_version, payload)
  SELECT event_id, case_id, origin, origin_seq, kind, occurred_at, service_day, hlc, actor,
         schema_version, payload
    FROM (SELECT DISTINCT ON (event_id) * FROM sync_push_stage ORDER BY event_id) AS s
   WHERE NOT EXISTS (SELECT 1 FROM sync_rejection AS r WHERE r.event_id = s.event_id)
   ORDER BY origin_seq
  ON CONFLICT (event_id) DO NOTHING
  RETURNING 1)
SELECT count(*) FROM landed
"""
# The refusals of this batch, and where the centre now stores its events: they are confirmed from
# this answer, not only from the pull's echo.
_BATCH_REJECTIONS = """
SELECT r.event_id, r.code, r.message FROM sync_rejection AS r
 WHERE r.event_id IN (SELECT event_id FROM sync_push_stage)
"""
_BATCH_STORED = """
SELECT r.event_id, r.server_seq, r.xid::text FROM route_log AS r
 WHERE r.station_id = my_station() AND r.event_id IN (SELECT event_id FROM sync_push_stage)
"""
# The station's own routing log (c0006): one index range, each row joined to its event by primary
# key, so a pull reads what it returns and never another station's history. The cursor is the
# log row's (xid, server_seq); the function compares and sorts them as numbers, never as text (a
# text sort once made the cursor jump over rows whenever a page spanned 999 -> 1000).
# One statement, one round trip: the page and the pull mark (c0011); the station's own events
# come without their payloads, which it holds.
_PULL_EVENTS = "SELECT * FROM pull_page(%s, %s, %s)"
_PULL_REFERENCE = (
    "SELECT r.server_seq, r.xid::text AS xid_text, r.entity, r.entity_key, r.op, r.data "
    "FROM ref_change AS r "
    "WHERE (r.xid, r.server_seq) > (%s::text::xid8, %s) "
    "AND r.xid < pg_snapshot_xmin(pg_current_snapshot()) "
    "ORDER BY r.xid, r.server_seq LIMIT %s"
)
# Where this station's log holds the events: their positions are what the pull cursor compares.
_STORED = (
    "SELECT event_id, server_seq, xid::text FROM route_log "
    "WHERE station_id = my_station() AND event_id = ANY(%s)"
)
# Whether the row a pull cursor points at still exists: after a crash restart it may not.
_HOLDS = {
    stream: (
        f"SELECT EXISTS (SELECT 1 FROM {table} WHERE xid = %s::text::xid8 AND server_seq = %s)"
    )
    for stream, table in (("events", "route_log"), ("reference", "ref_change"))
}
_HELLO = (
    "SELECT h.*, pg_postmaster_start_time(), "
    "(SELECT coalesce(max(origin_seq), 0) FROM case_event WHERE origin = h.h_station), "
    "(SELECT coalesce(max(origin_seq), 0) FROM sync_rejection WHERE origin = h.h_station) "
    "FROM sync_hello(%s, %s) AS h"
)


def _stage_row(e: OutboundEvent, case: OutboundCase | None) -> tuple[Any, ...]:
    return (
        e.event_id,
        e.case_id,
        e.origin,
        e.origin_seq,
        e.kind,
        e.occurred_at,
        e.service_day,
        e.hlc,
        e.actor,
        e.schema_version,
        _payload(e.payload),
        case.station_id if case else None,
        case.matter_id if case else None,
        case.service_day if case else None,
        case.created_at if case else None,
        case.department if case else None,
        case.hall if case else None,
    )


def _stored_text(payload: JsonText) -> str:
    return payload.text


def _payload(payload: Any) -> Jsonb:
    # A payload still in the station's JSON text goes on as that text, never decoded here.
    if isinstance(payload, JsonText):
        return Jsonb(payload, dumps=_stored_text)
    return Jsonb(dict(payload))


class PostgresSyncSession:
    """One libpq connection used for one sync session.

    The connection is in autocommit mode and every read is one statement, which the server runs
    as its own transaction: one round trip each, not three (BEGIN, the statement, COMMIT). Over
    a 50 ms link that is most of a session (issue 20).
    """

    def __init__(
        self, connection: psycopg.Connection[Any], operation_timeout: float = OPERATION_TIMEOUT
    ) -> None:
        self._conn = connection
        self._operation_timeout = operation_timeout
        self._stage_ready = False
        self._timed_out = False

    def _guard(self, work: Callable[[], R]) -> R:
        # The server's statement_timeout cannot help when the request never reaches it; the
        # watchdog shuts the socket down, so the blocked call returns with an error.
        watchdog = threading.Timer(self._operation_timeout, self._abort)
        watchdog.daemon = True
        watchdog.start()
        try:
            return work()
        except SyncError:
            raise
        except (psycopg.Error, OSError) as error:
            if self._timed_out:
                raise CentralUnreachable(
                    f"central did not answer within {self._operation_timeout:.0f} s",
                    "中心长时间没有响应，数据已保存在本机，稍后会自动重试。",
                ) from error
            raise translate_central_error(error) from error
        finally:
            watchdog.cancel()

    def _abort(self) -> None:
        self._timed_out = True
        log.warning(
            "central did not answer within %.0f s; dropping the connection", self._operation_timeout
        )
        try:
            descriptor = self._conn.pgconn.socket
            # A duplicate of the descriptor: shutting it down ends the connection for every
            # copy, while psycopg keeps owning (and later closes) its own.
            with socket.socket(fileno=os.dup(descriptor)) as sock:
                sock.shutdown(socket.SHUT_RDWR)
        except (psycopg.Error, OSError):  # already closed: nothing left to wake
            log.debug("central connection already gone", exc_info=True)

    def hello(self, app_version: str, client_time: datetime) -> Hello:
        def run() -> Hello:
            row = self._conn.execute(_HELLO, (app_version, client_time)).fetchone()
            assert row is not None  # the function always returns one row or raises
            (
                station,
                server_time,
                epoch,
                system_id,
                xid,
                min_version,
                started_at,
                events_max,
                refused_max,
            ) = row
            return Hello(
                station_id=station,
                server_time=server_time,
                epoch=int(epoch),
                system_id=system_id,
                current_xid=int(xid),
                min_client_version=min_version,
                max_origin_seq=max(int(events_max), int(refused_max)),
                started_at=started_at,
            )

        return self._guard(run)

    def push(self, batch: PushBatch) -> PushResult:
        """Land ``batch`` in one central transaction: COPY to the stage, then one query."""

        def run() -> PushResult:
            if not batch.events:
                return PushResult(inserted=0, duplicates=0)
            cases = {c.case_id: c for c in batch.cases}
            rows = [_stage_row(e, cases.get(e.case_id)) for e in batch.events]
            columns = [list(column) for column in zip(*rows, strict=True)]
            conn = self._conn
            # No BEGIN: the statements before the pipeline's one Sync run as one implicit
            # transaction, committed at the Sync, or rolled back whole if any of them fails.
            with (
                conn.pipeline() as pipeline,
                conn.cursor(binary=True) as counted,
                conn.cursor(binary=True) as refused,
                conn.cursor(binary=True) as held,
            ):
                if not self._stage_ready:
                    conn.execute(_CREATE_STAGE)
                conn.execute(_FILL_STAGE, columns)
                conn.execute(_LAND_CASES)
                conn.execute(_REFUSE_UNROUTED)
                counted.execute(_LAND_EVENTS)
                refused.execute(_BATCH_REJECTIONS)
                held.execute(_BATCH_STORED)
                conn.execute("SELECT sync_mark('push')")
                pipeline.sync()
                row = counted.fetchone()
                inserted = int(row[0]) if row else 0
                rejected = tuple(Rejection(r[0], r[1], r[2]) for r in refused.fetchall())
                stored = tuple(CentralCopy(r[0], int(r[1]), int(r[2])) for r in held.fetchall())
            self._stage_ready = True
            return PushResult(
                inserted=inserted,
                duplicates=len(batch.events) - inserted - len(rejected),
                rejected=rejected,
                stored=stored,
            )

        return self._guard(run)

    def pull_events(self, cursor: PullCursor, limit: int) -> PullPage[InboundEvent]:
        def run() -> PullPage[InboundEvent]:
            # Binary rows: a page of the station's own echoes is a third smaller on the wire.
            rows = self._conn.execute(
                _PULL_EVENTS, (str(cursor.xid), cursor.seq, limit), binary=True
            ).fetchall()
            events = tuple(
                InboundEvent(
                    event_id=r[0],
                    case_id=r[1],
                    origin=r[2],
                    origin_seq=int(r[3]),
                    kind=r[4],
                    occurred_at=r[5],
                    hlc=int(r[6]),
                    actor=r[7],
                    schema_version=int(r[8]),
                    payload=r[9] if r[9] is not None else {},  # own events come without
                    server_seq=int(r[10]),
                    xid=int(r[11]),
                )
                for r in rows
            )
            last = PullCursor(events[-1].xid, events[-1].server_seq) if events else cursor
            return PullPage(events, last)

        return self._guard(run)

    def pull_reference(self, cursor: PullCursor, limit: int) -> PullPage[RefChange]:
        def run() -> PullPage[RefChange]:
            rows = self._conn.execute(
                _PULL_REFERENCE, (str(cursor.xid), cursor.seq, limit)
            ).fetchall()
            changes = tuple(
                RefChange(
                    server_seq=int(r[0]),
                    xid=int(r[1]),
                    entity=r[2],
                    entity_key=r[3],
                    op=r[4],
                    data=r[5],
                )
                for r in rows
            )
            last = PullCursor(changes[-1].xid, changes[-1].server_seq) if changes else cursor
            return PullPage(changes, last)

        return self._guard(run)

    def check_key(self) -> str | None:
        def run() -> str | None:
            row = self._conn.execute("SELECT progress_check_key()").fetchone()
            return str(row[0]) if row and row[0] else None

        return self._guard(run)

    def rejections(self, event_ids: Sequence[UUID]) -> list[Rejection]:
        if not event_ids:
            return []

        def run() -> list[Rejection]:
            rows = self._conn.execute(
                "SELECT event_id, code, message FROM sync_rejection WHERE event_id = ANY(%s)",
                (list(event_ids),),
            ).fetchall()
            return [Rejection(r[0], r[1], r[2]) for r in rows]

        return self._guard(run)

    def stored(self, event_ids: Sequence[UUID]) -> list[CentralCopy]:
        if not event_ids:
            return []

        def run() -> list[CentralCopy]:
            rows = self._conn.execute(_STORED, (list(event_ids),)).fetchall()
            return [CentralCopy(r[0], int(r[1]), int(r[2])) for r in rows]

        return self._guard(run)

    def holds(self, stream: str, cursor: PullCursor) -> bool:
        if cursor == PullCursor():
            return True
        query = _HOLDS[stream]

        def run() -> bool:
            row = self._conn.execute(query, (str(cursor.xid), cursor.seq)).fetchone()
            return bool(row and row[0])

        return self._guard(run)

    def close(self) -> None:
        try:
            self._conn.close()
        except (psycopg.Error, OSError):  # pragma: no cover - closing a dead socket
            log.debug("closing a broken central connection failed", exc_info=True)


class PostgresSyncTarget:
    """Opens station sessions on the central database with TLS and timeouts enforced.

    ``operation_timeout`` bounds each step of a session on the client (hello, one push batch,
    one pull page), on top of libpq's TCP timeouts and the server's ``statement_timeout``.
    """

    def __init__(
        self,
        address: CentralAddress,
        application_name: str = "zhanhe-counter",
        *,
        operation_timeout: float = OPERATION_TIMEOUT,
    ) -> None:
        self._address = address
        self._application_name = application_name
        self._operation_timeout = operation_timeout

    def connect(self) -> PostgresSyncSession:
        try:
            connection = psycopg.connect(
                self._address.conninfo(self._application_name),
                autocommit=True,
                prepare_threshold=None,
            )
        except (psycopg.Error, OSError) as error:
            raise translate_central_error(error) from error
        return PostgresSyncSession(connection, self._operation_timeout)


def case_places(
    address: CentralAddress, case_ids: Sequence[UUID]
) -> dict[UUID, tuple[str | None, str]]:
    """Department and hall of cases routed to this station, as the centre holds them (RLS
    shows only routed cases). Raises ``SyncError`` subclasses, never driver errors."""
    try:
        with psycopg.connect(address.conninfo("zhanhe-admin cases"), autocommit=True) as conn:
            rows = conn.execute(
                "SELECT case_id, department, hall FROM case_file WHERE case_id = ANY(%s)",
                (list(case_ids),),
            ).fetchall()
    except (psycopg.Error, OSError) as error:
        raise translate_central_error(error) from error
    return {r[0]: (r[1], r[2]) for r in rows}
