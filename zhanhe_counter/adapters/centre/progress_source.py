"""The progress page's read-only view of the centre (进度查询数据源), over a connection pool.

Logs in as a member of ``zhanhe_progress`` (migration c0005), which may call two functions and
read no table: ``progress_case`` returns one case's steps with personal data already cut, and
``progress_check_key`` the check-code key.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from zhanhe_counter.adapters.sync.connection import parse_central_url
from zhanhe_counter.adapters.sync.errors import translate_central_error
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import CaseEvent, EventKind
from zhanhe_counter.services.ports.progress import ProgressRecord

log = logging.getLogger(__name__)

_CASE = (
    "SELECT p_event_id, p_case_id, p_kind, p_occurred_at, p_origin, p_payload, p_matter_name, "
    "p_department_name FROM progress_case(%s)"
)


class PostgresProgressSource:
    """``ProgressSource`` over a small pool of read-only connections."""

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        address = parse_central_url(url)
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            address.conninfo("zhanhe-progress"),
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True},
            open=False,
            timeout=10,
        )
        self._pool.open(wait=True, timeout=15)

    def _rows(self, query: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        try:
            with self._pool.connection() as conn:
                return conn.execute(query, params).fetchall()
        except psycopg.Error as error:
            raise translate_central_error(error) from error

    def find(self, case_number: str) -> ProgressRecord | None:
        rows = self._rows(_CASE, (case_number,))
        if not rows:
            return None
        events = []
        for event_id, case_id, kind, occurred_at, origin, payload, _m, _d in rows:
            try:
                known = EventKind(kind)
            except ValueError:  # a kind newer than this service: not a step it can show
                log.info("progress: skipping unknown event kind %s", kind)
                continue
            # station_seq orders a station's own log; the page's projection does not use it.
            # station_seq orders a station's own log; the page's projection does not use it, and
            # the actor (a staff login) is not the applicant's business.
            events.append(CaseEvent(event_id, case_id, known, origin, 0, "-", occurred_at, payload))
        return ProgressRecord(tuple(events), rows[0][6], rows[0][7])

    def check_key(self) -> bytes:
        rows = self._rows("SELECT progress_check_key()", ())
        value = rows[0][0] if rows else None
        if not value:
            raise DomainError(
                "no progress check key at the centre", "中心库缺少查询码密钥，请升级中心库"
            )
        return bytes.fromhex(str(value))

    def close(self) -> None:
        self._pool.close()
