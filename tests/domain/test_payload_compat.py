"""Payloads written by the client before typed records still read, every kind of them.

``fixtures/payloads_v1.json`` holds the payloads the previous version wrote (captured from its own
services, see the file's ``about``). Each must read into its kind's record, and the record written
back must read into the same record again: a station that upgrades keeps every case it holds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.applicant import CardType
from zhanhe_counter.domain.events import EventKind

FIXTURE = Path(__file__).parent / "fixtures" / "payloads_v1.json"
OLD_EVENTS: list[dict[str, Any]] = json.loads(FIXTURE.read_text(encoding="utf-8"))["events"]


#: Kinds added after the fixture was captured: no older client wrote them, nothing old to read.
NEWER_KINDS = {EventKind.NOTICE_SERVED, EventKind.MATERIAL_CAPTURED, EventKind.DOCUMENT_SIGNED}


def test_the_fixture_holds_every_kind() -> None:
    assert {EventKind(e["kind"]) for e in OLD_EVENTS} == set(EventKind) - NEWER_KINDS


@pytest.mark.parametrize(
    "stored", OLD_EVENTS, ids=[f"{e['kind']}-{n}" for n, e in enumerate(OLD_EVENTS)]
)
def test_an_old_payload_reads_and_round_trips(stored: dict[str, Any]) -> None:
    kind = EventKind(stored["kind"])
    record = p.read_payload(kind, stored["payload"])
    assert type(record) is p.RECORD_TYPES[kind]
    rewritten = json.loads(json.dumps(record.to_payload()))
    assert p.read_payload(kind, rewritten) == record
    # Every key the old version wrote is still written, so an older station reads the new one.
    assert set(stored["payload"]) <= set(rewritten)


def _old(kind: EventKind) -> list[dict[str, Any]]:
    return [e["payload"] for e in OLD_EVENTS if e["kind"] == kind.value]


def test_old_applicants_read_as_typed_values() -> None:
    applicants = [
        p.Received.from_payload(payload).applicant for payload in _old(EventKind.RECEIVED)
    ]
    # Before card types were recorded every person was read from a 居民身份证.
    assert {a.person.card_type for a in applicants} == {CardType.RESIDENT}
    organisation = next(a for a in applicants if a.is_organisation)
    assert organisation.display_name == "平顶山市湛河区某某餐饮店"
    assert organisation.id_type == "统一社会信用代码"
    assert organisation.id_number == "91410411MA9XXXXXX0"
    assert organisation.person.name == "李四"
    assert organisation.person.address == "湛河区九里山街道"
    assert organisation.agent is not None
    assert organisation.agent.phone == "13700002222"
    # The oldest form held only name, id_type and id_number: they are the person's.
    oldest = next(a for a in applicants if a.person.name == "张三")
    assert oldest.person.id_number == "410411199001011234"
    assert oldest.agent is None


def test_old_delivery_window_extensions_read_into_the_record() -> None:
    deliveries = [p.Delivered.from_payload(payload) for payload in _old(EventKind.DELIVERED)]
    signed = next(d for d in deliveries if d.signature_file)
    assert signed.receiver_role is p.ReceiverRole.APPLICANT
    assert signed.receiver_id_masked == "410411********1239"
    assert signed.signature_sha256
    assert len(signed.signature_sha256) == 64
    assert any(d.mail_address for d in deliveries if d.mode is p.DeliveryMode.EXPRESS)


def test_old_rating_extensions_read_into_the_record() -> None:
    ratings = [p.Rated.from_payload(payload) for payload in _old(EventKind.RATED)]
    assert any(r.staff_id and r.window_id and r.case_number for r in ratings)
    assert any(r.staff_id is None for r in ratings)  # written before the extension existed
