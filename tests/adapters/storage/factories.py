"""Event drafts for storage tests, the crash writer and the benchmark: valid for the real domain."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from uuid import UUID

import uuid6

from zhanhe_counter.domain import payloads
from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.events import EventDraft, EventKind

STATION = "410411-01"
STATION_CODE = "41041101"
BEIJING = timezone(timedelta(hours=8))
AT = datetime(2026, 11, 26, 9, 30, 15, 123456, tzinfo=BEIJING)
ID_NUMBER = "410411199001011234"


def case_number(seq: int, day: date = date(2026, 11, 26), station_code: str = STATION_CODE) -> str:
    return f"{station_code}S{day:%Y%m%d}{seq:04d}"


def received_draft(
    *,
    case_id: UUID | None = None,
    event_id: UUID | None = None,
    number: str | None = None,
    station: str = STATION,
    actor: str = "clerk01",
    name: str = "张三",
    id_number: str = ID_NUMBER,
    matter_id: str = "M-001",
    note_size: int = 0,
    occurred_at: datetime = AT,
) -> EventDraft:
    """A RECEIVED draft opening a new case; ``note_size`` pads the payload (crash test, bench)."""
    case_id = case_id or uuid6.uuid7()
    materials = [payloads.MaterialItem("mat-1", "身份证复印件", "x" * note_size or None)]
    return EventDraft(
        event_id=event_id or uuid6.uuid7(),
        case_id=case_id,
        kind=EventKind.RECEIVED,
        station_id=station,
        actor=actor,
        occurred_at=occurred_at,
        payload=payloads.Received(
            case_number=number or f"T{case_id.hex[-20:]}",  # random part of the UUIDv7
            matter_id=matter_id,
            applicant=Applicant(Person(name, id_number=id_number)),
            materials=materials,
            flow=payloads.ServiceFlow.RECEIVE_ONLY,
            promised_due=date(2026, 12, 3),
        ).to_payload(),
    )


def accepted_draft(
    case_id: UUID, *, station: str = STATION, promised_due: date | None = date(2026, 12, 10)
) -> EventDraft:
    return EventDraft(
        event_id=uuid6.uuid7(),
        case_id=case_id,
        kind=EventKind.ACCEPTED,
        station_id=station,
        actor="clerk02",
        occurred_at=AT + timedelta(minutes=5),
        payload=payloads.Accepted(promised_due=promised_due).to_payload(),
    )


def delivered_draft(case_id: UUID, *, station: str = STATION) -> EventDraft:
    """Delivery straight after receipt: illegal for the state machine."""
    return EventDraft(
        event_id=uuid6.uuid7(),
        case_id=case_id,
        kind=EventKind.DELIVERED,
        station_id=station,
        actor="clerk03",
        occurred_at=AT + timedelta(minutes=9),
        payload=payloads.Delivered(mode=payloads.DeliveryMode.PICKUP, signer="张三").to_payload(),
    )


def viewed_draft(case_id: UUID, *, station: str = STATION, actor: str = "clerk01") -> EventDraft:
    """A CASE_VIEWED audit event: allowed in every state, so a case can grow to any length."""
    return EventDraft(
        event_id=uuid6.uuid7(),
        case_id=case_id,
        kind=EventKind.CASE_VIEWED,
        station_id=station,
        actor=actor,
        occurred_at=AT,
        payload=payloads.CaseViewed().to_payload(),
    )
