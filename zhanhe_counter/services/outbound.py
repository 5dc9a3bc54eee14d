"""The outbox at the centre (对外消息发件箱): scan the events, then send what is due.

``OutboundScanner`` reads ``case_event`` past its cursor (commit order, never skipping), asks
the rules (``notices``, ``rating_forward``) what each event makes or cancels, and stores the
messages and the new cursor in one transaction. A crash before that commit only means the same
events are read again and make the same keys, which the store ignores.

``OutboundSender`` claims due messages with a lease, and for each one:

1. tried before (``in_doubt``)? ask the gateway whether it has the key; if so, it is sent;
2. otherwise send it; the gateway's receipt marks it sent;
3. a permanent refusal marks it failed (shown to the administrator), never retried;
4. a passing error (or a crash, which the lease turns into one) retries with back-off, and the
   retry is in doubt, so step 1 runs first.

So a message reaches the applicant or the province once, as long as the gateway can say what it
has received (``Gateway.find``); docs/notices.md says how each adapter does.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

from zhanhe_counter.domain.case import CaseState, project
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import CaseEvent, EventKind
from zhanhe_counter.domain.payloads import Rated
from zhanhe_counter.services import notices, rating_forward
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.outbound import (
    Channel,
    Gateway,
    GatewayRejected,
    GatewayUnavailable,
    NewMessage,
    OutboundMessage,
    OutboundStore,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
FIRST_RETRY_SECONDS = 30.0
LAST_RETRY_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class OutboundSettings:
    """What the rules need from the hall (对外消息设置)."""

    progress_link: str = "https://zwfw.zhanhe.gov.cn/q?{query}"
    pickup_place: str = "湛河区政务服务中心一楼统一出件窗口"
    region_code: str = "410411"  # 湛河区
    check_key: bytes = b""
    sms: bool = True
    province: bool = True


class OutboundScanner:
    """Turns case events into outbox messages (扫描办件事件)."""

    def __init__(
        self, store: OutboundStore, settings: OutboundSettings, *, page_size: int = 200
    ) -> None:
        self._store = store
        self._settings = settings
        self._page_size = page_size
        kinds: set[EventKind] = set()
        if settings.sms:
            kinds |= set(notices.TRIGGER_KINDS)
        if settings.province:
            kinds.add(EventKind.RATED)
        self._kinds = sorted(k.value for k in kinds)

    def run_once(self) -> int:
        """Scan everything committed so far; returns how many messages were new."""
        made = 0
        while True:
            page = self._store.scan(self._kinds, self._page_size)
            if not page.events:
                return made
            states: dict[UUID, CaseState | None] = {}
            messages: list[NewMessage] = []
            cancel: list[tuple[UUID, str]] = []
            for event in page.events:
                if event.case_id not in states:
                    states[event.case_id] = self._state(event.case_id)
                state = states[event.case_id]
                if state is None:
                    continue
                messages += self._messages(event, state)
                cancel += [(state.case_id, kind) for kind in self._cancelled(state)]
            made += self._store.commit_scan(page.cursor, messages, list(dict.fromkeys(cancel)))

    def _state(self, case_id: UUID) -> CaseState | None:
        events = self._store.case_events(case_id)
        try:
            return project(events)
        except DomainError as error:  # a damaged case: its messages wait for a human
            log.warning("outbound: case %s cannot be projected: %s", case_id, error)
            return None

    def _cancelled(self, state: CaseState) -> list[str]:
        return notices.notice_cancellations(state) if self._settings.sms else []

    def _messages(self, event: CaseEvent, state: CaseState) -> list[NewMessage]:
        settings = self._settings
        matter = self._store.matter(state.matter_id) if state.matter_id else None
        made: list[NewMessage] = []
        if settings.sms and state.case_number:
            link = notices.progress_link(
                settings.progress_link, settings.check_key, state.case_number
            )
            made += notices.notices_for(
                event, state, matter, link=link, pickup_place=settings.pickup_place
            )
        if settings.province and event.kind is EventKind.RATED:
            staff_id = Rated.from_payload(event.payload).staff_id
            staff_name = self._store.staff_name(staff_id) if staff_id else None
            record = rating_forward.rating_record(
                event, state, matter, staff_name=staff_name, region_code=settings.region_code
            )
            if record is not None:
                made.append(record)
        return made


@dataclass
class SendReport:
    """What one sending round did (发送结果)."""

    sent: int = 0
    found: int = 0  # in doubt, and the gateway already had it
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class OutboundSender:
    """Sends due messages through their gateways (发送)."""

    def __init__(
        self,
        store: OutboundStore,
        gateways: Mapping[Channel, Gateway],
        clock: Clock,
        *,
        batch: int = 50,
        lease_seconds: float = 300.0,
        max_attempts: int = MAX_ATTEMPTS,
        first_retry_seconds: float = FIRST_RETRY_SECONDS,
    ) -> None:
        self._store = store
        self._gateways = gateways
        self._clock = clock
        self._batch = batch
        self._lease = lease_seconds
        self._max_attempts = max_attempts
        self._first_retry = first_retry_seconds

    def run_once(self) -> SendReport:
        report = SendReport()
        for channel, gateway in self._gateways.items():
            while True:
                claimed = self._store.claim(channel, self._clock.now(), self._batch, self._lease)
                for message in claimed:
                    self._deliver(gateway, message, report)
                if len(claimed) < self._batch:
                    break
        return report

    def _deliver(self, gateway: Gateway, message: OutboundMessage, report: SendReport) -> None:
        try:
            if message.in_doubt:
                earlier = gateway.find(message)
                if earlier is not None:
                    self._store.mark_sent(message.key, earlier, self._clock.now())
                    report.found += 1
                    return
            receipt = gateway.send(message)
        except GatewayRejected as error:
            log.warning("outbound %s refused for good: %s", message.key, error)
            self._store.mark_failed(message.key, error.user_message)
            report.failed += 1
            report.errors.append(error.user_message)
            return
        except GatewayUnavailable as error:
            if message.attempts >= self._max_attempts:
                self._store.mark_failed(message.key, f"多次发送未成功：{error.user_message}")
                report.failed += 1
            else:
                delay = min(LAST_RETRY_SECONDS, self._first_retry * 2 ** (message.attempts - 1))
                next_at = self._clock.now() + timedelta(seconds=delay)
                self._store.mark_retry(message.key, error.user_message, next_at)
                report.retried += 1
            report.errors.append(error.user_message)
            return
        self._store.mark_sent(message.key, receipt, self._clock.now())
        report.sent += 1
