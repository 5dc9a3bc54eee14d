"""The progress lookup's rules with a set clock: limits refill, oracle-free answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import uuid6

from zhanhe_counter.domain import payloads
from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.case_number import make_case_number
from zhanhe_counter.domain.check_code import check_code
from zhanhe_counter.domain.events import CaseEvent, EventKind
from zhanhe_counter.services.ports.progress import ProgressRecord
from zhanhe_counter.services.progress import (
    LookupLimits,
    LookupRefused,
    ProgressService,
    RefusalKind,
)
from zhanhe_counter.services.rate_limit import TokenBuckets

KEY = b"k" * 32
NUMBER = make_case_number("41041101", "S", date(2026, 11, 26), 7)


class SetClock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 26, 2, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


class OneCase:
    """The centre holding one received case (a ``ProgressSource`` in memory)."""

    def __init__(self) -> None:
        case_id = uuid6.uuid7()
        payload = payloads.Received(
            case_number=NUMBER,
            matter_id="M-001",
            applicant=Applicant(Person(name="张三")),
            materials=[],
            flow=payloads.ServiceFlow.RECEIVE_ONLY,
            promised_due=date(2026, 12, 3),
        ).to_payload()
        at = datetime(2026, 11, 26, 1, tzinfo=UTC)
        self.events = (
            CaseEvent(uuid6.uuid7(), case_id, EventKind.RECEIVED, "s1", 1, "c", at, payload),
        )

    def find(self, case_number: str) -> ProgressRecord | None:
        return ProgressRecord(self.events, "事项", None) if case_number == NUMBER else None

    def check_key(self) -> bytes:
        return KEY


def service(clock: SetClock, **limits: float) -> ProgressService:
    return ProgressService(OneCase(), clock, limits=LookupLimits(**limits))  # type: ignore[arg-type]


def refusal(svc: ProgressService, ip: str, number: str, code: str) -> LookupRefused:
    with pytest.raises(LookupRefused) as caught:
        svc.lookup(ip, number, code)
    return caught.value


def test_the_per_address_bucket_refills_over_time() -> None:
    clock = SetClock()
    svc = service(clock, per_ip=2, per_ip_refill_seconds=10)
    code = check_code(KEY, NUMBER)
    svc.lookup("1.1.1.1", NUMBER, code)
    svc.lookup("1.1.1.1", NUMBER, code)
    refused = refusal(svc, "1.1.1.1", NUMBER, code)
    assert refused.kind is RefusalKind.TOO_MANY
    assert 0 < refused.retry_after <= 10
    clock.at += timedelta(seconds=10)
    assert svc.lookup("1.1.1.1", NUMBER, code).masked_name == "张*"


def test_wrong_codes_lock_the_case_number_then_it_reopens() -> None:
    clock = SetClock()
    svc = service(clock, wrong_codes_per_case=2, wrong_code_refill_seconds=600)
    code = check_code(KEY, NUMBER)
    for ip in ("a", "b"):
        assert refusal(svc, ip, NUMBER, "ZZZZZZ").kind is RefusalKind.NOT_FOUND
    locked = refusal(svc, "c", NUMBER, code)
    assert locked.kind is RefusalKind.TOO_MANY
    assert "输错次数过多" in locked.user_message
    clock.at += timedelta(seconds=600)
    assert svc.lookup("d", NUMBER, code).status == "已收件，待受理"


def test_a_right_code_never_spends_the_case_bucket() -> None:
    clock = SetClock()
    svc = service(clock, wrong_codes_per_case=1, per_ip=1000)
    code = check_code(KEY, NUMBER)
    for _ in range(20):
        svc.lookup("a", NUMBER, code)


def test_missing_fields_and_bad_numbers_are_bad_input() -> None:
    svc = service(SetClock())
    assert refusal(svc, "a", "", "ABC").kind is RefusalKind.BAD_INPUT
    assert refusal(svc, "a", NUMBER, " ").kind is RefusalKind.BAD_INPUT
    assert refusal(svc, "a", NUMBER[:-1] + "0", "ABCDEF").kind is RefusalKind.BAD_INPUT


def test_buckets_forget_the_least_recent_keys_and_check_arguments() -> None:
    buckets = TokenBuckets(1, 60, max_keys=2)
    assert buckets.take("a", 0)
    assert not buckets.take("a", 1)
    buckets.take("b", 2)
    buckets.take("c", 3)
    assert len(buckets) == 2  # "a" forgotten: a full bucket, as waiting would give
    assert buckets.has_left("a", 4)
    assert buckets.retry_after("c", 3) == pytest.approx(60)
    with pytest.raises(ValueError, match="positive"):
        TokenBuckets(0, 1)
