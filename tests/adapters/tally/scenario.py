"""A hand-counted day at a station, recorded through the real event store (统计测试样例).

``record_day(store, station)`` appends the cases below through ``SqliteEventStore.append_many``
(so the state machine checks every step) and ``EXPECTED`` says, counted by hand, what the tally
of DAY must show. Times are UTC+8. Two clerks, three matters, every figure non-zero.
A bad rating counts as followed up (差评已回访) when any follow-up step (回访, 整改, 办结) came
after it and before the tally's ``as_of``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from uuid import UUID

import uuid6

from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.events import EventDraft, EventKind
from zhanhe_counter.services.ports.storage import EventStore
from zhanhe_counter.services.ports.tally import Figure

CST = timezone(timedelta(hours=8))
DAY = date(2026, 3, 2)
STATION = "410411-01"
ZHANG = "zhangmin"
LI = "lina"
FOOD, BIZ, SOC = "M-FOOD", "M-BIZ", "M-SOC"
MATTER_NAMES = {FOOD: "食品经营许可", BIZ: "个体工商户登记", SOC: "社保卡补办"}
DEPARTMENTS = {FOOD: "市场监管局", BIZ: "市场监管局", SOC: "人社局"}
STAFF = {ZHANG: "张敏", LI: "李娜"}

F = Figure
EXPECTED_BY_CLERK: Mapping[str, Mapping[Figure, int]] = {
    ZHANG: {
        F.CONSULTED: 1,
        F.RECEIVED: 4,
        F.ACCEPTED: 2,
        F.COMPLETE_ON_SPOT: 1,
        F.RONGQUE_SUPPLEMENTED: 1,
        F.RONGQUE_OVERDUE: 1,
        F.DECIDED: 3,
        F.DECIDED_REFUSED: 1,
        F.DELIVERED: 2,
        F.BACKOFFICE_MET: 1,
        F.PROMISED_DUE: 2,
        F.RATING_5: 1,
        F.RATING_4: 1,
        F.RATING_3: 1,
        F.RATING_2: 1,  # c20
        F.BAD_RATING_FOLLOWED_UP: 1,  # c20: called back, rectified and closed on DAY
    },
    LI: {
        F.CONSULTED: 1,
        F.RECEIVED: 5,
        F.RONGQUE_OPEN: 1,
        F.NOTIFIED_ONCE: 1,
        F.REFUSED: 1,
        F.BACKOFFICE_MISSED: 2,
        F.BACKOFFICE_PENDING: 1,
        F.PROMISED_DUE: 2,
        F.PAST_PROMISED: 1,
        F.RATING_2: 1,
        F.RATING_1: 1,
        F.BAD_RATING_OPEN: 2,  # c3, and c9, whose callback came only the next day
    },
}


def expected_total(by: Mapping[str, Mapping[Figure, int]] = EXPECTED_BY_CLERK) -> dict[Figure, int]:
    total: dict[Figure, int] = {}
    for counts in by.values():
        for figure, n in counts.items():
            total[figure] = total.get(figure, 0) + n
    return total


def at(day_offset: int, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(DAY + timedelta(days=day_offset), time(hh, mm), CST)


@dataclass
class Step:
    kind: EventKind
    when: datetime
    payload: dict[str, Any]
    actor: str | None = None


def received(
    number: str,
    matter: str,
    when: datetime,
    *,
    flow: p.ServiceFlow = p.ServiceFlow.RECEIVE_ONLY,
    promised: date | None = None,
) -> Step:
    return Step(
        EventKind.RECEIVED,
        when,
        p.Received(
            case_number=number,
            matter_id=matter,
            applicant=Applicant(Person("王芳", id_number="410411199001011234")),
            materials=[p.MaterialItem("1", "申请书")],
            flow=flow,
            promised_due=promised,
        ).to_payload(),
    )


def item(material_id: str) -> p.MaterialItem:
    return p.MaterialItem(material_id, f"材料{material_id}")


def record_case(store: EventStore, station: str, clerk: str, steps: Sequence[Step]) -> UUID:
    case_id = uuid6.uuid7()
    store.append_many(
        [
            EventDraft(
                event_id=uuid6.uuid7(),
                case_id=case_id,
                kind=s.kind,
                station_id=station,
                actor=s.actor or clerk,
                occurred_at=s.when,
                payload=s.payload,
            )
            for s in steps
        ]
    )
    return case_id


SUPERVISOR = "supervisor01"


def followed_up(action: p.FollowupAction, when: datetime, note: str = "已处理") -> Step:
    return Step(
        EventKind.RATING_FOLLOWED_UP,
        when,
        p.RatingFollowedUp(action=action, note=note).to_payload(),
        SUPERVISOR,
    )


def _refusal() -> dict[str, Any]:
    return p.Decided(
        False, reasons=["不符合条件"], relief="可申请行政复议或提起行政诉讼"
    ).to_payload()


def record_day(store: EventStore, station: str = STATION, prefix: str = "A") -> dict[str, UUID]:
    """Record the hand-counted cases; returns case ids by name (c1 …)."""
    E = EventKind
    d = DAY
    bo = "backoffice01"
    n = iter(range(1, 100))

    def num() -> str:
        return f"{prefix}{next(n):04d}"

    cases: dict[str, tuple[str, list[Step]]] = {
        # 当场办结 end to end, rated 5.
        "c1": (
            ZHANG,
            [
                received(num(), FOOD, at(0, 9), flow=p.ServiceFlow.COMPLETE_ON_SPOT),
                Step(E.ACCEPTED, at(0, 9), p.Accepted().to_payload()),
                Step(E.DECIDED, at(0, 9, 1), p.Decided(True).to_payload()),
                Step(E.CERTIFICATE_MADE, at(0, 9, 2), p.CertificateMade().to_payload()),
                Step(E.HANDED_TO_DELIVERY, at(0, 9, 3), p.HandedToDelivery().to_payload()),
                Step(
                    E.DELIVERED,
                    at(0, 9, 5),
                    p.Delivered(mode=p.DeliveryMode.PICKUP, signer="王芳").to_payload(),
                ),
                Step(E.RATED, at(0, 9, 6), p.Rated(5).to_payload()),
            ],
        ),
        # Back office answers within 20 minutes.
        "c2": (
            ZHANG,
            [
                received(
                    num(),
                    FOOD,
                    at(0, 9, 30),
                    flow=p.ServiceFlow.ACCEPT_ON_SPOT,
                    promised=d + timedelta(7),
                ),
                Step(
                    E.BACKOFFICE_REQUESTED,
                    at(0, 9, 30),
                    p.BackofficeRequested(answer_due=at(0, 9, 50)).to_payload(),
                ),
                Step(
                    E.ACCEPTED,
                    at(0, 9, 45),
                    p.Accepted(promised_due=d + timedelta(7)).to_payload(),
                    bo,
                ),
            ],
        ),
        # Back office refuses late; the applicant rates 1.
        "c3": (
            LI,
            [
                received(num(), BIZ, at(0, 10), flow=p.ServiceFlow.ACCEPT_ON_SPOT),
                Step(
                    E.BACKOFFICE_REQUESTED,
                    at(0, 10),
                    p.BackofficeRequested(answer_due=at(0, 10, 20)).to_payload(),
                ),
                Step(
                    E.REFUSED,
                    at(0, 10, 40),
                    p.Refused(reasons=["不属于本窗口受理范围"]).to_payload(),
                    bo,
                ),
                Step(E.RATED, at(0, 10, 45), p.Rated(1, ["等待时间长"]).to_payload()),
            ],
        ),
        # Back office never answers: missed once the due time has passed.
        "c4": (
            LI,
            [
                received(num(), BIZ, at(0, 16), flow=p.ServiceFlow.ACCEPT_ON_SPOT),
                Step(
                    E.BACKOFFICE_REQUESTED,
                    at(0, 16),
                    p.BackofficeRequested(answer_due=at(0, 16, 20)).to_payload(),
                ),
            ],
        ),
        # Asked late; due the next morning: pending at the end of the day.
        "c5": (
            LI,
            [
                received(num(), SOC, at(0, 17), flow=p.ServiceFlow.ACCEPT_ON_SPOT),
                Step(
                    E.BACKOFFICE_REQUESTED,
                    at(0, 17, 10),
                    p.BackofficeRequested(answer_due=at(1, 8, 20)).to_payload(),
                ),
            ],
        ),
        # 容缺, both items supplied the same day.
        "c6": (
            ZHANG,
            [
                received(num(), SOC, at(0, 10, 30)),
                Step(
                    E.RONGQUE_PLEDGED,
                    at(0, 10, 30),
                    p.RongquePledged(
                        items=[item("a"), item("b")], deadline=d + timedelta(5)
                    ).to_payload(),
                ),
                Step(
                    E.SUPPLEMENT_RECEIVED,
                    at(0, 11),
                    p.SupplementReceived(material_ids=["a"]).to_payload(),
                ),
                Step(
                    E.SUPPLEMENT_RECEIVED,
                    at(0, 15),
                    p.SupplementReceived(material_ids=["b"]).to_payload(),
                ),
            ],
        ),
        # 容缺 due the same day, never supplied: overdue.
        "c7": (
            ZHANG,
            [
                received(num(), SOC, at(0, 11)),
                Step(
                    E.RONGQUE_PLEDGED,
                    at(0, 11),
                    p.RongquePledged(items=[item("a")], deadline=d).to_payload(),
                ),
            ],
        ),
        # 容缺 half supplied, deadline ahead: open.
        "c8": (
            LI,
            [
                received(num(), FOOD, at(0, 11, 30)),
                Step(
                    E.RONGQUE_PLEDGED,
                    at(0, 11, 30),
                    p.RongquePledged(
                        items=[item("a"), item("b")], deadline=d + timedelta(3)
                    ).to_payload(),
                ),
                Step(
                    E.SUPPLEMENT_RECEIVED,
                    at(0, 14),
                    p.SupplementReceived(material_ids=["a"]).to_payload(),
                ),
            ],
        ),
        "c9": (
            LI,
            [
                received(num(), FOOD, at(0, 12)),
                Step(E.NOTIFIED_ONCE, at(0, 12), p.NotifiedOnce(items=[item("x")]).to_payload()),
                Step(E.RATED, at(0, 12, 10), p.Rated(2, ["材料要求不清楚"]).to_payload()),
                # After DAY ends: DAY's tally still counts this bad rating as open.
                followed_up(p.FollowupAction.CONTACTED, at(1, 9)),
            ],
        ),
        "c10": (ZHANG, [Step(E.CONSULTED, at(0, 13), p.Consulted(matter_id=FOOD).to_payload())]),
        "c11": (
            LI,
            [Step(E.CONSULTED, at(0, 13, 10), p.Consulted(question="营业时间").to_payload())],
        ),
        # Promised for DAY, decided on DAY: in time.
        "c12": (
            ZHANG,
            [
                received(num(), SOC, at(-10, 9), promised=d),
                Step(E.ACCEPTED, at(-10, 9, 30), p.Accepted(promised_due=d).to_payload(), bo),
                Step(E.DECIDED, at(0, 14), p.Decided(True).to_payload(), bo),
                Step(E.RATED, at(0, 15), p.Rated(4).to_payload()),
            ],
        ),
        # Acceptance moved the promise to DAY; decided the day after: past its promised date.
        "c13": (
            LI,
            [
                received(num(), SOC, at(-10, 9), promised=d - timedelta(1)),
                Step(E.ACCEPTED, at(-9, 9), p.Accepted(promised_due=d).to_payload(), bo),
                Step(E.DECIDED, at(1, 10), _refusal(), bo),
            ],
        ),
        # Decided early, delivered and rated on DAY.
        "c14": (
            ZHANG,
            [
                received(num(), BIZ, at(-12, 9), promised=d),
                Step(E.ACCEPTED, at(-12, 9, 30), p.Accepted(promised_due=d).to_payload(), bo),
                Step(E.DECIDED, at(-1, 9), p.Decided(True).to_payload(), bo),
                Step(E.HANDED_TO_DELIVERY, at(-1, 10), p.HandedToDelivery().to_payload(), bo),
                Step(
                    E.DELIVERED,
                    at(0, 9),
                    p.Delivered(
                        mode=p.DeliveryMode.EXPRESS, carrier="EMS", waybill="E1"
                    ).to_payload(),
                ),
                Step(E.RATED, at(0, 9, 10), p.Rated(3).to_payload()),
            ],
        ),
        # Refused by decision on DAY; its promise was before DAY (no promise figure).
        "c15": (
            ZHANG,
            [
                received(num(), BIZ, at(-12, 9), promised=d - timedelta(2)),
                Step(E.ACCEPTED, at(-12, 9, 30), p.Accepted().to_payload(), bo),
                Step(E.DECIDED, at(0, 10), _refusal(), bo),
            ],
        ),
        # The acceptance extended the promise past DAY: no promise figure.
        "c16": (
            LI,
            [
                received(num(), FOOD, at(-5, 9), promised=d),
                Step(
                    E.ACCEPTED,
                    at(-5, 9, 30),
                    p.Accepted(promised_due=d + timedelta(2)).to_payload(),
                    bo,
                ),
            ],
        ),
        "c17": (ZHANG, [received(num(), FOOD, at(-1, 16))]),
        "c18": (ZHANG, [received(num(), FOOD, at(1, 9))]),
        # Withdrawn before its promised day: due, not late.
        "c19": (
            LI,
            [
                received(num(), FOOD, at(-10, 9), promised=d),
                Step(E.WITHDRAWN, at(-3, 9), p.Withdrawn(reason="申请人撤回").to_payload()),
            ],
        ),
        # Refused days ago (no figure on DAY), rated 2 on DAY and followed up to 办结 the same day.
        "c20": (
            ZHANG,
            [
                received(num(), SOC, at(-3, 9)),
                Step(E.REFUSED, at(-3, 9, 10), p.Refused(reasons=["材料不符合要求"]).to_payload()),
                Step(E.RATED, at(0, 9, 20), p.Rated(2, ["办事效率低"]).to_payload()),
                followed_up(p.FollowupAction.CONTACTED, at(0, 14), "已电话回访"),
                followed_up(p.FollowupAction.RECTIFIED, at(0, 15), "窗口已整改"),
                followed_up(p.FollowupAction.CLOSED, at(0, 16), "申请人认可"),
            ],
        ),
    }
    return {
        name: record_case(store, station, clerk, steps) for name, (clerk, steps) in cases.items()
    }
