"""Material page images to and from the centre (材料影像上传), a channel beside the event sync.

Each page goes as bytea chunks of ``chunk_size`` bytes into ``material_chunk``, one autocommit
statement per chunk, under the station's own blob row (origin, SHA-256). The centre's chunks
are the progress: an upload cut by a lost link or a killed client asks which chunks the centre
holds and sends only the others, so nothing is sent twice that arrived, and the primary key
refuses a chunk that arrived twice (its commit reached the centre, its answer did not reach
us). ``material_complete`` then checks the chunks hash to the page's name before the blob
counts; only then is the page linked to its case (``case_material``), which is what routes it
to the back office. A page whose case the centre does not hold yet (its events not pushed yet)
waits, nothing sent.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg

from zhanhe_counter.adapters.sync.connection import OPERATION_TIMEOUT, CentralAddress
from zhanhe_counter.adapters.sync.errors import translate_central_error
from zhanhe_counter.services.ports.materials import PageProgress, StoredPage, UploadReport
from zhanhe_counter.services.ports.sync import CentralUnreachable, SyncError

log = logging.getLogger(__name__)

CHUNK_SIZE = 256 * 1024


class CaseNotAtCentre(SyncError):
    """The page's case has not reached the centre yet: its events go first (待同步)."""


class PostgresMaterialChannel:
    """``UploadChannel`` on the central PostgreSQL, as this station's role."""

    def __init__(
        self,
        address: CentralAddress,
        application_name: str = "zhanhe-counter-materials",
        *,
        chunk_size: int = CHUNK_SIZE,
        operation_timeout: float = OPERATION_TIMEOUT,
    ) -> None:
        self._address = address
        self._application_name = application_name
        self.chunk_size = chunk_size
        self._operation_timeout = operation_timeout
        self._conn: psycopg.Connection[Any] | None = None
        #: Chunks this channel sent (a test counts them to prove nothing was sent twice).
        self.chunks_sent = 0

    # ---------------------------------------------------------------------------- connection

    @contextlib.contextmanager
    def _session(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(
                    self._address.conninfo(self._application_name),
                    autocommit=True,
                    prepare_threshold=None,
                )
            yield self._conn
        except SyncError:
            self.close()
            raise
        except (psycopg.Error, OSError) as error:
            self.close()
            raise translate_central_error(error) from error

    @contextlib.contextmanager
    def _deadline(self, conn: psycopg.Connection[Any]) -> Iterator[None]:
        # A path that swallows traffic while the kernel still ACKs defeats TCP timeouts: past
        # the deadline the socket is shut down, so the blocked call returns with an error.
        fired = threading.Event()

        def shut() -> None:
            fired.set()
            with (
                contextlib.suppress(psycopg.Error, OSError),
                socket.socket(fileno=os.dup(conn.pgconn.socket)) as sock,
            ):
                sock.shutdown(socket.SHUT_RDWR)

        timer = threading.Timer(self._operation_timeout, shut)
        timer.daemon = True
        timer.start()
        try:
            yield
        except (psycopg.Error, OSError) as error:
            if fired.is_set():
                raise CentralUnreachable(
                    f"central did not answer within {self._operation_timeout:.0f} s",
                    "中心长时间没有响应，材料影像已保存在本机，稍后会自动重试。",
                ) from error
            raise
        finally:
            timer.cancel()

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error, OSError):
                self._conn.close()
        self._conn = None

    # ---------------------------------------------------------------------------- upload

    def upload_pending(self, progress: PageProgress, limit: int = 100) -> UploadReport:
        """Upload up to ``limit`` pages not yet at the centre; a case not there yet waits."""
        uploaded = waiting = 0
        before = self.chunks_sent
        for page in progress.pending(limit):
            try:
                self.upload(page, progress)
            except CaseNotAtCentre:
                waiting += 1
                continue
            uploaded += 1
        return UploadReport(uploaded, waiting, self.chunks_sent - before)

    def upload(self, page: StoredPage, progress: PageProgress) -> None:
        chunks = max(1, -(-len(page.image) // self.chunk_size))
        with self._session() as conn:
            with self._deadline(conn):
                known = conn.execute(
                    "SELECT 1 FROM case_file WHERE case_id = %s", (page.case_id,)
                ).fetchone()
            if known is None:
                raise CaseNotAtCentre(
                    f"case {page.case_id} not at the centre yet", "办件尚未同步到中心，稍后上传影像"
                )
            for _attempt in range(2):  # a corrupt blob (a damaged chunk) is sent once more
                with self._deadline(conn):
                    conn.execute(
                        "INSERT INTO material_blob (origin, sha256, size, chunk_size, chunk_count,"
                        " media_type) VALUES (my_station(), %s, %s, %s, %s, %s)"
                        " ON CONFLICT DO NOTHING",
                        (page.sha256, len(page.image), self.chunk_size, chunks, page.media_type),
                    )
                    held = {
                        row[0]
                        for row in conn.execute(
                            "SELECT seq FROM material_chunk WHERE origin = my_station()"
                            " AND sha256 = %s",
                            (page.sha256,),
                        )
                    }
                for seq in range(chunks):
                    if seq in held:
                        continue
                    start = seq * self.chunk_size
                    with self._deadline(conn):
                        conn.execute(
                            "INSERT INTO material_chunk (origin, sha256, seq, data)"
                            " VALUES (my_station(), %s, %s, %s) ON CONFLICT DO NOTHING",
                            (page.sha256, seq, page.image[start : start + self.chunk_size]),
                        )
                    self.chunks_sent += 1
                    progress.sent(page.case_id, page.sha256, seq + 1)
                with self._deadline(conn):
                    state = conn.execute("SELECT material_complete(%s)", (page.sha256,)).fetchone()
                if state is not None and state[0] == "complete":
                    break
                log.warning("material %s arrived %s; sending again", page.sha256[:12], state)
            else:
                raise SyncError(
                    f"material {page.sha256} did not arrive intact twice",
                    "材料影像上传后校验不一致，稍后会重新上传。",
                )
            self._link(conn, page)
        progress.uploaded(page.case_id, page.sha256, datetime.now(UTC))

    def _link(self, conn: psycopg.Connection[Any], page: StoredPage) -> None:
        with self._deadline(conn):
            conn.execute(
                "INSERT INTO case_material (case_id, origin, sha256, event_id, material_id,"
                " page_no) VALUES (%s, my_station(), %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (page.case_id, page.sha256, page.event_id, page.material_id, page.page_no),
            )

    # ---------------------------------------------------------------------------- fetch

    def case_pages(self, case_id: UUID) -> list[StoredPage]:
        """The complete pages of a case routed to this station, with their images."""
        with self._session() as conn, self._deadline(conn):
            rows = conn.execute(
                "SELECT cm.case_id, cm.sha256, cm.event_id, cm.material_id, cm.page_no,"
                " b.media_type, b.size,"
                " (SELECT string_agg(c.data, ''::bytea ORDER BY c.seq) FROM material_chunk AS c"
                "   WHERE c.origin = cm.origin AND c.sha256 = cm.sha256)"
                " FROM case_material AS cm JOIN material_blob AS b"
                "   ON b.origin = cm.origin AND b.sha256 = cm.sha256 AND b.complete"
                " WHERE cm.case_id = %s ORDER BY cm.linked_at, cm.event_id, cm.page_no",
                (case_id,),
            ).fetchall()
        return [
            StoredPage(
                case_id=row[0],
                sha256=row[1],
                event_id=row[2],
                material_id=row[3],
                page_no=row[4],
                media_type=row[5],
                size=row[6],
                image=bytes(row[7] or b""),
            )
            for row in rows
        ]
