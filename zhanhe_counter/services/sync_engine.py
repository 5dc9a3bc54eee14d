"""One sync session with the centre (同步会话), and what the sync bar makes of the result.

A session (docs/sync.md, A sync session): connect → hello (server time, identity, this station's
highest number at the centre) → the outbox sets its push mark to the centre's (raising it skips
batches whose acknowledgement was lost; lowering it re-sends what a restored centre lost) →
push batches, each one central transaction, then move the mark, with a page of the centre's
events pulled after each batch until the counter has caught up → ask for refusals of events
still unconfirmed → pull the remaining events and reference changes page by page, each page
applied together with its cursor. Errors never escape ``run_once``: they end the session and
are reported.

The offline limits the bar reports are ``services/offline_limits.py``'s.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.offline_limits import IntakeVerdict, OfflineLimits, assess_intake
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.sync import (
    ClientTooOld,
    Hello,
    OutboxSummary,
    PullCursor,
    SessionRecord,
    SyncError,
    SyncOutbox,
    SyncProblem,
    SyncSession,
    SyncTarget,
)

log = logging.getLogger(__name__)

# A batch is one round trip whatever its size; 2,000 events land in a fraction of a second. The
# page pulled after each batch is as large, so it keeps up with the batch's own echoes.
PUSH_BATCH = 2000
PULL_PAGE = PUSH_BATCH
CONFIRM_PAGE = 1000
CLOCK_WARNING = timedelta(minutes=2)


@dataclass(slots=True)
class SyncReport:
    """What one session did (同步结果); ``errors`` holds the Chinese messages shown to people."""

    started_at: datetime
    finished_at: datetime | None = None
    pushed: int = 0
    duplicates: int = 0
    pulled: int = 0
    pulled_reference: int = 0
    confirmed: int = 0
    added: int = 0
    conflicts: int = 0
    rejected: int = 0
    acks_recovered: int = 0
    resent: int = 0
    cursors_reset: bool = False
    server_time: datetime | None = None
    errors: list[str] = field(default_factory=list)
    problem: SyncProblem | None = None
    retryable: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict[str, Any]:
        return {
            "pushed": self.pushed,
            "pulled": self.pulled,
            "errors": list(self.errors),
            "pulled_reference": self.pulled_reference,
            "confirmed": self.confirmed,
            "added": self.added,
            "conflicts": self.conflicts,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "acks_recovered": self.acks_recovered,
            "resent": self.resent,
            "problem": self.problem.value if self.problem else None,
        }


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:4])


class SyncEngine:
    """Runs sync sessions between the station's outbox and the centre (同步引擎)."""

    def __init__(
        self,
        target: SyncTarget,
        outbox: SyncOutbox,
        clock: Clock,
        app_version: str,
        *,
        batch_size: int = PUSH_BATCH,
        pull_page: int = PULL_PAGE,
    ) -> None:
        self._target = target
        self._outbox = outbox
        self._clock = clock
        self._app_version = app_version
        self._batch_size = max(1, batch_size)
        self._pull_page = max(1, pull_page)

    @property
    def outbox(self) -> SyncOutbox:
        return self._outbox

    def run_once(self) -> SyncReport:
        """One full session; never raises for a failure a person can meet."""
        report = SyncReport(started_at=self._clock.now())
        session: SyncSession | None = None
        try:
            session = self._target.connect()
            self._session(session, report)
        except SyncError as error:
            log.warning("sync failed (%s): %s", error.problem, error)
            report.errors.append(error.user_message)
            report.problem = error.problem
            report.retryable = error.retryable
        except DomainError as error:
            # The station database itself (disk full, locked): retry later, say so.
            log.warning("sync stopped by the local store: %s", error)
            report.errors.append(error.user_message)
            report.problem = SyncProblem.CENTRAL_ERROR
        finally:
            if session is not None:
                session.close()
            report.finished_at = self._clock.now()
            self._record(report)
        return report

    def _record(self, report: SyncReport) -> None:
        try:
            self._outbox.record_session(
                SessionRecord(
                    started_at=report.started_at,
                    finished_at=report.finished_at or report.started_at,
                    pushed=report.pushed,
                    pulled=report.pulled,
                    pulled_reference=report.pulled_reference,
                    error="；".join(report.errors) or None,
                )
            )
        except DomainError as error:  # pragma: no cover - the history is best effort
            log.warning("could not record the sync session: %s", error)

    def _session(self, session: SyncSession, report: SyncReport) -> None:
        hello = session.hello(self._app_version, self._clock.now())
        report.server_time = hello.server_time
        if hello.min_client_version and _version_tuple(self._app_version) < _version_tuple(
            hello.min_client_version
        ):
            raise ClientTooOld(
                f"client {self._app_version} below central minimum {hello.min_client_version}",
                f"需要升级客户端（至少 {hello.min_client_version}）才能同步；"
                "办件仍可正常录入并保存在本机。",
            )
        reconciliation = self._outbox.reconcile(hello, self._clock.now())
        report.acks_recovered = reconciliation.acks_recovered
        report.resent = reconciliation.resend
        report.cursors_reset = reconciliation.cursors_reset
        self._check_central_restart(session, hello)
        # Confirmation never depends on the echo alone: an event whose echo the pull passed
        # (or whose acknowledgement was lost) is confirmed by id here, and one the centre does
        # not hold goes back to the queue.
        self._settle_sent(session, report)

        # A page of the centre's events after every push batch, until a short page says the
        # counter has caught up: with a backlog draining through a link that drops every few
        # seconds, the back office's answers still reach the counter (a session that pushed
        # everything first would never get to its pull).
        events_cursor = self._outbox.events_cursor()
        caught_up = False
        while (batch := self._outbox.next_batch(self._batch_size)) is not None:
            result = session.push(batch)
            report.confirmed += self._outbox.acknowledge(batch, result, self._clock.now())
            report.pushed += result.inserted
            report.duplicates += result.duplicates
            report.rejected += len(result.rejected)
            if not caught_up:
                events_cursor, caught_up = self._pull_events_page(session, events_cursor, report)

        # Whatever a batch's answer left unconfirmed (refusals recorded after the fact).
        self._settle_sent(session, report)

        caught_up = False
        while not caught_up:
            events_cursor, caught_up = self._pull_events_page(session, events_cursor, report)

        cursor = self._outbox.reference_cursor()
        while True:
            ref_page = session.pull_reference(cursor, self._pull_page)
            report.pulled_reference += self._outbox.apply_reference(ref_page, self._clock.now())
            cursor = ref_page.next_cursor
            if len(ref_page.rows) < self._pull_page:
                break

        # The key of the printed check codes: the progress page only accepts the centre's.
        if key := session.check_key():
            self._outbox.store_check_key(key)

    def _check_central_restart(self, session: SyncSession, hello: Hello) -> None:
        """After a central restart, move pull cursors back behind rows the crash lost.

        A crash can lose the newest commits (not yet on disk) after this PC pulled them; their
        transaction ids are then handed out again, and the new rows would sort behind the
        cursor and never be pulled. If the cursor's own row survived, everything before it is
        on disk and nothing can be reused below it. Otherwise the cursor goes back to the newest
        row this PC pulled that survived (or to the start): pulling a row twice is harmless,
        it is applied by event id.
        """
        if hello.started_at is None or hello.started_at == self._outbox.central_start():
            return
        events = self._outbox.events_cursor()
        if not session.holds("events", events):
            survivors = [
                PullCursor(copy.xid, copy.server_seq)
                for copy in session.stored(self._outbox.recent_pulled(CONFIRM_PAGE))
                if (copy.xid, copy.server_seq) <= (events.xid, events.seq)
            ]
            events = max(survivors, key=lambda c: (c.xid, c.seq), default=PullCursor())
        reference = self._outbox.reference_cursor()
        if not session.holds("reference", reference):
            reference = PullCursor()  # small and applied idempotently: read it all again
        if self._outbox.note_central_start(hello.started_at, events, reference, self._clock.now()):
            log.warning("central restarted at %s and lost pulled rows", hello.started_at)

    def _settle_sent(self, session: SyncSession, report: SyncReport) -> None:
        """Ask the centre which "sent" events it holds, page by page, and settle them."""
        after = 0
        while page := self._outbox.sent_after(after, CONFIRM_PAGE):
            ids = [event.event_id for event in page]
            stored = session.stored(ids)
            held = {copy.event_id for copy in stored}
            refused = session.rejections([i for i in ids if i not in held])
            cursor = self._outbox.events_cursor()
            behind = [c for c in stored if (c.xid, c.server_seq) <= (cursor.xid, cursor.seq)]
            if behind:
                # The evidence for issue 7: an echo the pull should already have delivered.
                log.warning(
                    "%d sent events confirmed by id; their echo (xid %d..%d) is behind the "
                    "pull cursor %s",
                    len(behind),
                    min(c.xid for c in behind),
                    max(c.xid for c in behind),
                    cursor.to_text(),
                )
            settled = self._outbox.settle_sent(ids, stored, refused, self._clock.now())
            report.confirmed += settled.confirmed
            report.rejected += settled.rejected
            report.resent += settled.resend
            after = page[-1].origin_seq
            if len(page) < CONFIRM_PAGE:
                break

    def _pull_events_page(
        self, session: SyncSession, cursor: PullCursor, report: SyncReport
    ) -> tuple[PullCursor, bool]:
        """Pull and apply one page; returns the next cursor and whether the page was short."""
        page = session.pull_events(cursor, self._pull_page)
        if page.rows:
            # The trail that found issue 16 (a cursor that jumped over rows): cheap to keep.
            log.debug(
                "pulled %d events %d:%d..%d:%d, cursor %s -> %s",
                len(page.rows),
                page.rows[0].xid,
                page.rows[0].server_seq,
                page.rows[-1].xid,
                page.rows[-1].server_seq,
                cursor.to_text(),
                page.next_cursor.to_text(),
            )
        applied = self._outbox.apply_events(page, self._clock.now())
        report.pulled += len(page.rows)
        report.confirmed += applied.confirmed
        report.added += applied.added
        report.conflicts += applied.conflicts
        return page.next_cursor, len(page.rows) < self._pull_page


# ------------------------------------------------------------------------- status


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """Everything the sync bar shows (同步状态栏), as plain data."""

    online: bool
    syncing: bool
    pending: int
    oldest_pending_age: timedelta | None
    last_sync_at: datetime | None
    error: str | None
    problem: SyncProblem | None
    retry_at: datetime | None
    rejected: int
    conflicts: int
    clock_warning: str | None
    verdict: IntakeVerdict
    catalogue_version: str | None = None
    reference_age: timedelta | None = None
    configured: bool = True


def build_status(
    summary: OutboxSummary,
    limits: OfflineLimits,
    now: datetime,
    *,
    online: bool,
    syncing: bool = False,
    last_report: SyncReport | None = None,
    retry_at: datetime | None = None,
    configured: bool = True,
) -> SyncStatus:
    """Combine the outbox, the last session and the limits into what the bar shows."""
    offset = summary.clock_offset_ms
    clock_warning = None
    if offset is not None and abs(offset) > CLOCK_WARNING.total_seconds() * 1000:
        minutes = round(abs(offset) / 60000)
        clock_warning = f"本机时钟与中心相差约 {minutes} 分钟，请联系管理员校准。"
    last_sync = max(
        (t for t in (summary.last_push_ok_at, summary.last_pull_ok_at) if t is not None),
        default=None,
    )
    return SyncStatus(
        online=online,
        syncing=syncing,
        pending=summary.pending,
        oldest_pending_age=(now - summary.oldest_pending_at) if summary.oldest_pending_at else None,
        last_sync_at=last_sync,
        error=("；".join(last_report.errors) if last_report and last_report.errors else None),
        problem=last_report.problem if last_report else None,
        retry_at=retry_at,
        rejected=summary.rejected,
        conflicts=summary.conflicts,
        clock_warning=clock_warning,
        verdict=assess_intake(summary, limits, now),
        catalogue_version=summary.catalogue_version,
        reference_age=(now - summary.last_reference_ok_at)
        if summary.last_reference_ok_at
        else None,
        configured=configured,
    )
