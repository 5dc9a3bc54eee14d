"""The outbox's tables at the centre (对外消息发件箱), for ``zhanhe-admin outbound run``.

Logs in as a member of ``zhanhe_outbound`` (migration c0005): reads the events and the
catalogue, writes only ``outbound_message`` and ``outbound_cursor``. The scan reads like a
station's pull (``(xid, server_seq)`` below the snapshot's xmin), so an event committed late is
never jumped over.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from zhanhe_counter.adapters.sync.connection import parse_central_url
from zhanhe_counter.adapters.sync.errors import translate_central_error
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import CaseEvent, EventKind
from zhanhe_counter.services.ports.outbound import (
    Channel,
    MatterFacts,
    NewMessage,
    OutboundMessage,
    Receipt,
    ScanPage,
)

R = TypeVar("R")
CURSOR_NAME = "outbound"

_SCAN = (
    "SELECT e.event_id, e.case_id, e.origin, e.kind, e.occurred_at, e.actor, e.payload, "
    "e.server_seq, e.xid::text AS xid_text FROM case_event AS e "
    "WHERE (e.xid, e.server_seq) > (%s::text::xid8, %s) "
    "AND e.xid < pg_snapshot_xmin(pg_current_snapshot()) AND e.kind = ANY(%s) "
    "ORDER BY e.xid, e.server_seq LIMIT %s"
)
_CASE = (
    "SELECT event_id, case_id, origin, kind, occurred_at, actor, payload FROM case_event "
    "WHERE case_id = %s ORDER BY hlc, event_id"
)
_MATTER = (
    "SELECT m.name, coalesce(m.body ->> 'impl_code', m.body ->> 'catalog_code'), m.version, "
    "m.department_id, d.name FROM matter AS m "
    "LEFT JOIN catalogue_version AS v ON v.version = m.version "
    "LEFT JOIN department AS d ON d.department_id = m.department_id "
    "WHERE m.matter_id = %s ORDER BY v.is_current DESC NULLS LAST, m.version DESC LIMIT 1"
)
_INSERT = (
    "INSERT INTO outbound_message (message_key, channel, kind, case_id, source_event_id, "
    "payload, not_before) VALUES (%s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (message_key) DO NOTHING"
)
# Once a message is settled (sent, failed, cancelled) its phone number is no longer needed: the
# row keeps the masked form (138****5678) for the administrator, as every screen shows it.
_SETTLE_PHONE = (
    "payload = CASE WHEN channel = 'sms' AND payload ? 'phone' THEN payload || "
    "jsonb_build_object('phone', left(payload ->> 'phone', 3) || '****' || "
    "right(payload ->> 'phone', 4)) ELSE payload END"
)
_CANCEL = (
    "UPDATE outbound_message SET state = 'cancelled', " + _SETTLE_PHONE + " "
    "WHERE case_id = %s AND kind = %s AND state = 'pending'"
)
_MOVE = (
    "INSERT INTO outbound_cursor (name, xid, server_seq) VALUES (%s, %s::text::xid8, %s) "
    "ON CONFLICT (name) DO UPDATE SET xid = excluded.xid, server_seq = excluded.server_seq"
)
# Due messages, leased: the lease is the row's not_before, so a sender that dies mid-send
# leaves a row that falls due again when the lease runs out, now in doubt (attempts > 1).
_CLAIM = (
    "WITH due AS (SELECT message_key FROM outbound_message "
    "WHERE channel = %s AND state IN ('pending', 'sending') AND not_before <= %s "
    "ORDER BY not_before, message_key LIMIT %s FOR UPDATE SKIP LOCKED) "
    "UPDATE outbound_message AS m SET state = 'sending', attempts = m.attempts + 1, "
    "not_before = %s FROM due WHERE m.message_key = due.message_key "
    "RETURNING m.message_key, m.channel, m.kind, m.case_id, m.payload, m.attempts"
)


def _event(row: tuple[Any, ...]) -> CaseEvent | None:
    event_id, case_id, origin, kind, occurred_at, actor, payload = row[:7]
    try:
        known = EventKind(kind)
    except ValueError:  # a kind newer than this program: no rule can use it
        return None
    return CaseEvent(event_id, case_id, known, origin, 0, actor, occurred_at, payload)


class PostgresOutboundStore:
    """``OutboundStore`` over one connection, opened on first use and again after a failure."""

    def __init__(self, url: str) -> None:
        self._conninfo = parse_central_url(url).conninfo("zhanhe-outbound")
        self._conn: psycopg.Connection[Any] | None = None

    def _run(self, work: Callable[[psycopg.Connection[Any]], R]) -> R:
        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(self._conninfo, autocommit=True)
            return work(self._conn)
        except psycopg.Error as error:
            # Whatever went wrong, the next operation starts from a fresh connection.
            self.close()
            raise translate_central_error(error) from error

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def check_key(self) -> bytes:
        value = self._run(lambda c: c.execute("SELECT progress_check_key()").fetchone())
        if not value or not value[0]:
            raise DomainError("no check key at the centre", "中心库缺少查询码密钥，请升级中心库")
        return bytes.fromhex(str(value[0]))

    def cursor(self) -> tuple[str, int]:
        row = self._run(
            lambda c: c.execute(
                "SELECT xid::text, server_seq FROM outbound_cursor WHERE name = %s",
                (CURSOR_NAME,),
            ).fetchone()
        )
        return (str(row[0]), int(row[1])) if row else ("0", 0)

    def scan(self, kinds: Sequence[str], limit: int) -> ScanPage:
        xid, seq = self.cursor()
        rows = self._run(lambda c: c.execute(_SCAN, (xid, seq, list(kinds), limit)).fetchall())
        if not rows:
            return ScanPage((), (xid, seq))
        events = tuple(e for e in (_event(r) for r in rows) if e is not None)
        return ScanPage(events, (str(rows[-1][8]), int(rows[-1][7])))

    def case_events(self, case_id: UUID) -> list[CaseEvent]:
        rows = self._run(lambda c: c.execute(_CASE, (case_id,)).fetchall())
        return [e for e in (_event(r) for r in rows) if e is not None]

    def matter(self, matter_id: str) -> MatterFacts | None:
        row = self._run(lambda c: c.execute(_MATTER, (matter_id,)).fetchone())
        return MatterFacts(*row) if row else None

    def staff_name(self, staff_id: str) -> str | None:
        row = self._run(
            lambda c: c.execute(
                "SELECT name FROM staff WHERE staff_id = %s", (staff_id,)
            ).fetchone()
        )
        return str(row[0]) if row else None

    def commit_scan(
        self,
        cursor: tuple[str, int],
        messages: Sequence[NewMessage],
        cancel: Sequence[tuple[UUID, str]],
    ) -> int:
        def run(conn: psycopg.Connection[Any]) -> int:
            new = 0
            with conn.transaction():
                for m in messages:
                    result = conn.execute(
                        _INSERT,
                        (
                            m.key,
                            m.channel.value,
                            m.kind,
                            m.case_id,
                            m.source_event_id,
                            Jsonb(dict(m.payload)),
                            m.not_before,
                        ),
                    )
                    new += result.rowcount
                for case_id, kind in cancel:
                    conn.execute(_CANCEL, (case_id, kind))
                conn.execute(_MOVE, (CURSOR_NAME, cursor[0], cursor[1]))
            return new

        return self._run(run)

    def claim(
        self, channel: Channel, now: datetime, limit: int, lease_seconds: float
    ) -> list[OutboundMessage]:
        lease_until = now + timedelta(seconds=lease_seconds)
        rows = self._run(
            lambda c: c.execute(_CLAIM, (channel.value, now, limit, lease_until)).fetchall()
        )
        return [
            OutboundMessage(key, Channel(ch), kind, case_id, payload, attempts, attempts > 1)
            for key, ch, kind, case_id, payload, attempts in rows
        ]

    def mark_sent(self, key: str, receipt: Receipt, now: datetime) -> None:
        self._run(
            lambda c: c.execute(
                "UPDATE outbound_message SET state = 'sent', remote_id = %s, sent_at = %s, "
                f"last_error = NULL, {_SETTLE_PHONE} "
                "WHERE message_key = %s AND state = 'sending'",
                (receipt.remote_id, now, key),
            )
        )

    def mark_retry(self, key: str, error: str, next_at: datetime) -> None:
        self._run(
            lambda c: c.execute(
                "UPDATE outbound_message SET last_error = %s, not_before = %s "
                "WHERE message_key = %s AND state = 'sending'",
                (error[:2000], next_at, key),
            )
        )

    def mark_failed(self, key: str, error: str) -> None:
        self._run(
            lambda c: c.execute(
                f"UPDATE outbound_message SET state = 'failed', last_error = %s, {_SETTLE_PHONE} "
                "WHERE message_key = %s AND state = 'sending'",
                (error[:2000], key),
            )
        )

    def status(
        self, *, failed_limit: int = 20
    ) -> tuple[list[tuple[str, str, str, int]], list[Any]]:
        """Counts by (channel, kind, state), and the latest failed messages with their reason."""

        def run(conn: psycopg.Connection[Any]) -> tuple[list[Any], list[Any]]:
            counts = conn.execute(
                "SELECT channel, kind, state, count(*) FROM outbound_message "
                "GROUP BY channel, kind, state ORDER BY channel, kind, state"
            ).fetchall()
            failed = conn.execute(
                "SELECT message_key, kind, attempts, last_error FROM outbound_message "
                "WHERE state = 'failed' ORDER BY created_at DESC LIMIT %s",
                (failed_limit,),
            ).fetchall()
            return counts, failed

        return self._run(run)
