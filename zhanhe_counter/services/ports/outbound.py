"""Messages that leave the district (对外消息): SMS to the applicant, 好差评 to the province.

Both go through one outbox at the centre (``outbound_message``). A message is made once, under
an idempotency key built from the case and the event that caused it, so re-reading the events
never makes a second one. Sending is *at least once* into the gateway and *exactly once* out of
it: before any retry the sender asks the gateway whether it already took the key (``find``), so
a crash or a lost answer between "the gateway accepted" and "the outbox knows" is resolved, not
repeated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import CaseEvent


class Channel(StrEnum):
    """Where a message goes. Values are stored."""

    SMS = "sms"
    PROVINCE = "province"  # 省好差评系统


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message the rules decided to send (待发消息)."""

    key: str  # idempotency key: the same fact always makes the same key
    channel: Channel
    kind: str
    case_id: UUID
    source_event_id: UUID
    payload: Mapping[str, Any]
    not_before: datetime


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A message claimed for sending. ``in_doubt``: tried before, outcome unknown."""

    key: str
    channel: Channel
    kind: str
    case_id: UUID
    payload: Mapping[str, Any]
    attempts: int
    in_doubt: bool

    def sms(self) -> SmsBody:
        """The SMS this message carries, read in this one place (短信内容)."""
        return SmsBody.of(self.payload)


@dataclass(frozen=True, slots=True)
class SmsBody:
    """What an SMS message holds: the phone, the template's name and its parameters. Written by
    ``services/notices.py`` as ``{"phone", "template", "params"}``."""

    phone: str
    template: str
    params: Mapping[str, str]

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> SmsBody:
        params = body.get("params")
        return cls(
            phone=str(body.get("phone") or ""),
            template=str(body.get("template") or ""),
            params={str(k): str(v) for k, v in dict(params or {}).items()},
        )

    def to_body(self) -> dict[str, Any]:
        return {"phone": self.phone, "template": self.template, "params": dict(self.params)}


@dataclass(frozen=True, slots=True)
class Receipt:
    """The gateway took the message (已受理), under its own id."""

    remote_id: str


class GatewayRejected(DomainError):
    """The gateway refused the message for good (bad number, unknown template): never retried."""


class GatewayUnavailable(DomainError):
    """The gateway could not be reached or answered with a passing error: retried later. The
    message may or may not have gone: the retry asks ``find`` first."""


class Gateway(Protocol):
    """One outside system that takes messages under our idempotency key."""

    def send(self, message: OutboundMessage) -> Receipt:
        """Hand the message over; raises ``GatewayRejected`` or ``GatewayUnavailable``."""
        ...

    def find(self, message: OutboundMessage) -> Receipt | None:
        """The receipt of an earlier send of ``message.key``, or None when it never arrived;
        raises ``GatewayUnavailable`` when the gateway cannot tell now."""
        ...


@dataclass(frozen=True, slots=True)
class MatterFacts:
    """What the catalogue says about a matter, for messages (事项信息)."""

    name: str
    code: str | None  # 事项编码 (implementation code, else catalogue code)
    version: str | None  # 事项版本 (the catalogue version)
    department_id: str | None
    department_name: str | None


@dataclass(frozen=True, slots=True)
class ScanPage:
    """Events past the scan cursor, in commit order, and the cursor after them."""

    events: tuple[CaseEvent, ...]
    cursor: tuple[str, int]


class OutboundStore(Protocol):
    """The centre's side of the outbox."""

    def scan(self, kinds: Sequence[str], limit: int) -> ScanPage:
        """The next events of ``kinds`` after the cursor (only committed, never skipping)."""
        ...

    def case_events(self, case_id: UUID) -> list[CaseEvent]:
        """All steps of a case, in case order."""
        ...

    def matter(self, matter_id: str) -> MatterFacts | None: ...

    def staff_name(self, staff_id: str) -> str | None: ...

    def commit_scan(
        self,
        cursor: tuple[str, int],
        messages: Sequence[NewMessage],
        cancel: Sequence[tuple[UUID, str]],
    ) -> int:
        """In one transaction: add ``messages`` (a key already there is left alone), cancel
        the pending messages of each (case, kind) in ``cancel``, move the cursor. Returns how
        many messages were new."""
        ...

    def claim(
        self, channel: Channel, now: datetime, limit: int, lease_seconds: float
    ) -> list[OutboundMessage]:
        """Due messages of ``channel``, each leased to this sender for ``lease_seconds``."""
        ...

    def mark_sent(self, key: str, receipt: Receipt, now: datetime) -> None: ...

    def mark_retry(self, key: str, error: str, next_at: datetime) -> None: ...

    def mark_failed(self, key: str, error: str) -> None: ...
