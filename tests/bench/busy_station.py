"""A busy station after two years (issue 20): ``cases`` finished cases written through the real
event store (its batch API, ``append_many``), so every row is a real event record that the state
machine accepted and the projection describes, then marked confirmed as the centre would have.

Four of five cases go the whole way (收件, 受理, 决定, 移交出件, 出件), one in five is withdrawn;
names, clerks and matters vary so that searches find some and not all of them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
import uuid6

from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.domain import payloads
from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.events import EventDraft, EventKind

CLERKS = ("zhangmin", "lina", "clerk03", "clerk04", "clerk05", "clerk06", "clerk07", "clerk08")
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
_ID_NUMBER = "410411195001011239"  # valid GB 11643; the projection keeps only its mask
_CASES_PER_TRANSACTION = 500


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.choice((1, 2))))


def _case(
    rng: random.Random, seq: int, station_id: str, matter_ids: Sequence[str], at: datetime
) -> Iterator[EventDraft]:
    case_id = uuid6.uuid7()
    clerk = rng.choice(CLERKS)

    def draft(kind: EventKind, minutes: int, payload: payloads.EventRecord) -> EventDraft:
        return EventDraft(
            event_id=uuid6.uuid7(),
            case_id=case_id,
            kind=kind,
            station_id=station_id,
            actor=clerk,
            occurred_at=at + timedelta(minutes=minutes),
            payload=payload.to_payload(),
        )

    yield draft(
        EventKind.RECEIVED,
        0,
        payloads.Received(
            case_number=f"H{seq:09d}",
            matter_id=rng.choice(matter_ids),
            applicant=Applicant(Person(_name(rng), id_number=_ID_NUMBER)),
            materials=[payloads.MaterialItem("mat-1", "身份证复印件")],
            flow=payloads.ServiceFlow.RECEIVE_ONLY,
            promised_due=(at + timedelta(days=14)).date(),
        ),
    )
    if seq % 5 == 0:
        yield draft(EventKind.WITHDRAWN, 30, payloads.Withdrawn(reason="申请人撤回"))
        return
    yield draft(
        EventKind.ACCEPTED, 60, payloads.Accepted(promised_due=(at + timedelta(days=14)).date())
    )
    yield draft(EventKind.DECIDED, 60 * 24 * 3, payloads.Decided(approved=True))
    yield draft(EventKind.HANDED_TO_DELIVERY, 60 * 24 * 4, payloads.HandedToDelivery())
    yield draft(
        EventKind.DELIVERED,
        60 * 24 * 6,
        payloads.Delivered(mode=payloads.DeliveryMode.PICKUP, signer="本人"),
    )


def fill_history(
    engine: sa.Engine,
    station_id: str,
    matter_ids: Sequence[str],
    cases: int,
    *,
    until: date,
    seed: int = 20,
) -> float:
    """Write ``cases`` finished cases spread over the two years before ``until``; returns the
    seconds it took."""
    store = SqliteEventStore(engine)
    rng = random.Random(seed)
    start = datetime(until.year - 2, until.month, 1, 1, tzinfo=UTC)
    step = (datetime(until.year, until.month, 1, tzinfo=UTC) - start) / max(1, cases)
    began = time.perf_counter()
    for first in range(0, cases, _CASES_PER_TRANSACTION):
        drafts = [
            event
            for seq in range(first, min(cases, first + _CASES_PER_TRANSACTION))
            for event in _case(rng, seq, station_id, matter_ids, start + step * seq)
        ]
        store.append_many(drafts)
    with engine.begin() as connection:
        # Two years on, the centre has confirmed all of it (its echo sets server_seq).
        connection.exec_driver_sql(
            "UPDATE case_event SET sync_state = 'confirmed', server_seq = rowid"
        )
    return time.perf_counter() - began
