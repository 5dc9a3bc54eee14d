"""Audit events (查阅记录): accepted on every case in every state, moving nothing but the log."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import pytest

from tests.domain.test_case import GOOD_PAYLOADS, event, refuse, run
from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.case import CaseState, CaseStatus, allowed_next, apply, may_record
from zhanhe_counter.domain.events import AUDIT_KINDS, EventKind

K = EventKind
ID_NUMBER = "410402199001011234"


def _without_log(state: CaseState) -> CaseState:
    return replace(state, access_log=(), event_count=0)


def test_the_audit_kinds_are_labelled_and_known_as_audit() -> None:
    assert {k for k in EventKind if k.is_audit} == AUDIT_KINDS
    assert [k.label for k in sorted(AUDIT_KINDS)] == [
        "导出办件",
        "查阅办件",
        "打印文书",
        "补打文书",
        "查看完整证件号码",
    ]
    assert not K.RECEIVED.is_audit
    assert p.RevealedField.ID_NUMBER.label == "完整证件号码"


@pytest.mark.parametrize(
    "steps",
    [
        (K.RECEIVED,),
        (K.CONSULTED,),
        (K.RECEIVED, K.RONGQUE_PLEDGED),
        (K.RECEIVED, K.ACCEPTED, K.DECIDED, K.HANDED_TO_DELIVERY, K.DELIVERED),
        (K.RECEIVED, K.WITHDRAWN),
        (K.RECEIVED, K.REFUSED),
        (K.RECEIVED, K.ACCEPTED, K.DECIDED, K.HANDED_TO_DELIVERY, K.DELIVERED, K.RATED),
    ],
    ids=lambda steps: steps[-1].value,
)
@pytest.mark.parametrize("kind", sorted(AUDIT_KINDS))
def test_every_audit_kind_follows_every_state_and_moves_nothing(
    steps: tuple[EventKind, ...], kind: EventKind
) -> None:
    before = run(*steps)
    audit = event(kind, actor="supervisor-zhao")
    after = apply(before, audit)
    assert after.access_log == (audit,)
    assert after.event_count == before.event_count + 1
    assert after.status is before.status
    assert after.timeline == before.timeline
    assert after.last_event_at == before.last_event_at
    assert _without_log(after) == _without_log(before)
    # Audit kinds are not next steps the clerk is offered.
    assert allowed_next(after) == allowed_next(before)
    assert not allowed_next(after) & AUDIT_KINDS
    assert may_record(before, kind)


def test_a_print_right_after_receipt_still_allows_the_rongque_pledge() -> None:
    # The 收件凭证 is printed before the pledge is signed: the rules read steps, not prints.
    printed = apply(run(K.RECEIVED), event(K.DOCUMENT_PRINTED))
    pledged = apply(printed, event(K.RONGQUE_PLEDGED))
    assert pledged.status is CaseStatus.RONGQUE_RECEIVED
    assert [e.kind for e in pledged.access_log] == [K.DOCUMENT_PRINTED]


@pytest.mark.parametrize("kind", sorted(AUDIT_KINDS))
def test_an_audit_event_cannot_open_a_case(kind: EventKind) -> None:
    assert not may_record(None, kind)
    refused = refuse(None, event(kind))
    assert refused.user_message == "办件须从收件或咨询登记开始"


def test_an_audit_event_is_recorded_once() -> None:
    viewed = event(K.CASE_VIEWED)
    state = apply(run(K.RECEIVED), viewed)
    assert refuse(state, viewed).user_message == "该操作已记录，不能重复记录"
    # ... and a step cannot reuse an audit event's id either.
    clash = replace(event(K.ACCEPTED), event_id=viewed.event_id)
    assert refuse(state, clash).user_message == "该操作已记录，不能重复记录"


def test_an_audit_event_of_another_case_is_refused() -> None:
    stranger = replace(event(K.CASE_VIEWED), case_id=uuid.uuid4())
    assert refuse(run(K.RECEIVED), stranger).user_message == "该记录不属于此办件"


@pytest.mark.parametrize(
    ("kind", "payload", "field"),
    [
        (K.CASE_VIEWED, {}, "screen"),
        (K.CASE_VIEWED, {"screen": "  "}, "screen"),
        (K.DOCUMENT_PRINTED, {"document": "x", "printer": "A4", "copies": 0}, "copies"),
        (K.DOCUMENT_PRINTED, {"document": "x", "printer": "A4", "copies": True}, "copies"),
        (K.DOCUMENT_PRINTED, {"document": "x", "printer": "A4", "copies": "2"}, "copies"),
        (K.DOCUMENT_PRINTED, {"printer": "A4"}, "document"),
        (K.DOCUMENT_REPRINTED, {"document": "x", "printer": "A4"}, "original_job_id"),
        (K.ID_REVEALED, {"field": "address"}, "field"),
        (K.CASE_EXPORTED, {"export": "tally_drill"}, "file_format"),
        # The record of an access never holds the personal data it protects.
        (K.CASE_VIEWED, {"screen": f"详情 {ID_NUMBER}"}, "screen"),
        (K.DOCUMENT_PRINTED, {"document": "x", "printer": "A4", "note": ID_NUMBER}, "note"),
        (K.ID_REVEALED, {"field": "id_number", "value": "41040219900101123X"}, "value"),
        (K.CASE_EXPORTED, {"export": "x", "file_format": "csv", "n": "410402900101123"}, "n"),
    ],
)
def test_malformed_audit_payloads_are_refused(
    kind: EventKind, payload: dict[str, Any], field: str
) -> None:
    with pytest.raises(p.InvalidPayload) as info:
        p.validate_payload(kind, payload)
    assert info.value.field == field
    with pytest.raises(p.InvalidPayload):
        apply(run(K.RECEIVED), event(kind, payload))


def test_audit_payloads_parse_to_typed_values() -> None:
    printed = p.DocumentPrinted.from_payload(
        p.DocumentPrinted(document="acceptance_notice", printer="A4打印机", copies=2).to_payload()
    )
    assert printed == p.DocumentPrinted("acceptance_notice", "A4打印机", 2)
    assert p.DocumentPrinted.from_payload({"document": "d", "printer": "P"}).copies == 1
    reprinted = p.DocumentReprinted.from_payload(GOOD_PAYLOADS[K.DOCUMENT_REPRINTED])
    assert reprinted.original_job_id == "job-1"
    assert p.IdRevealed.from_payload({"field": "id_number"}).field is p.RevealedField.ID_NUMBER
    assert p.CaseViewed.from_payload(p.CaseViewed().to_payload()).screen == "case_detail"
    exported = p.CaseExported.from_payload(
        p.CaseExported(export="drill", file_format="csv").to_payload()
    )
    assert exported == p.CaseExported("drill", "csv")
    # Short numbers (a case sequence, a copy count) are not mistaken for an ID number.
    assert p.CaseViewed.from_payload({"screen": "case_detail 20260302-0001"}).screen
