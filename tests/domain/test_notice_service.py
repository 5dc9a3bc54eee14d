"""送达: which documents are served, the rules of recording a service, and the service state."""

from __future__ import annotations

from datetime import date

import pytest

from tests.domain.test_case import event, refuse, run
from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.case import CaseState, allowed_next, apply
from zhanhe_counter.domain.china_time import china_date, date_text
from zhanhe_counter.domain.documents import DocumentKind as D
from zhanhe_counter.domain.events import EventKind as K
from zhanhe_counter.domain.notice_service import (
    SERVED_DOCUMENTS,
    issued_documents,
    needs_service_record,
    unserved,
)

M = p.ServiceMethod


def served(document: D, method: M = M.IN_PERSON, **fields: object) -> p.NoticeServed:
    defaults: dict[str, object] = {
        M.IN_PERSON: {"receiver": "张三"},
        M.POST: {"carrier": "EMS", "waybill": "1180000000001", "dispatched_on": date(2026, 3, 2)},
        M.ELECTRONIC: {"electronic_address": "zhang@example.cn", "consent": True},
    }[method]
    return p.NoticeServed(document, method, **(defaults | fields))  # type: ignore[arg-type]


def serve(state: CaseState, record: p.NoticeServed, actor: str = "clerk-li") -> CaseState:
    return apply(state, event(K.NOTICE_SERVED, record.to_payload(), actor=actor))


def test_which_documents_need_a_service_record() -> None:
    for document in SERVED_DOCUMENTS:
        assert needs_service_record(document, at_window=False)
        assert not needs_service_record(document, at_window=True)  # signed for on the spot
    assert not needs_service_record(D.INTAKE_RECEIPT, at_window=False)  # a receipt: no act
    assert not needs_service_record(D.HANDOVER_SHEET, at_window=False)


def test_issued_documents_follow_the_case() -> None:
    received = run(K.RECEIVED)
    assert issued_documents(received) == ()
    assert K.NOTICE_SERVED not in allowed_next(received)
    assert refuse(received, event(K.NOTICE_SERVED)).user_message == "该办件没有待送达的文书"
    accepted = run(K.RECEIVED, K.ACCEPTED)
    assert issued_documents(accepted) == (D.ACCEPTANCE_NOTICE,)
    decided = run(K.RECEIVED, K.ACCEPTED, K.DECIDED)
    assert issued_documents(decided) == (D.ACCEPTANCE_NOTICE, D.APPROVAL_DECISION)
    # A non-permit's approval has no written decision: its result is the certificate itself.
    assert unserved(decided, written_approval=False) == (D.ACCEPTANCE_NOTICE,)
    refused = run(K.RECEIVED, K.REFUSED)
    assert issued_documents(refused) == (D.REFUSAL_NOTICE,)
    notified = run(K.RECEIVED, K.NOTIFIED_ONCE)
    assert unserved(notified) == (D.ONE_TIME_NOTICE,)


def test_in_person_service_completes_at_once() -> None:
    state = serve(run(K.RECEIVED, K.ACCEPTED), served(D.ACCEPTANCE_NOTICE), actor="clerk-li")
    (record,) = state.services
    assert record.complete
    assert record.method is M.IN_PERSON
    assert (record.receiver, record.recorded_by) == ("张三", "clerk-li")
    day = china_date(state.timeline[-1].occurred_at)
    assert record.served_on == day  # the Beijing day of the event
    assert record.summary == f"直接送达（张三，{date_text(day)}）"
    assert unserved(state) == ()
    assert K.NOTICE_SERVED not in allowed_next(state)
    assert state.status.value == "accepted"  # a service moves nothing
    assert state.timeline[-1].kind is K.NOTICE_SERVED


def test_mail_is_served_on_the_signed_for_date() -> None:
    decided = run(K.RECEIVED, K.ACCEPTED, K.DECIDED)
    dispatched = serve(decided, served(D.APPROVAL_DECISION, M.POST))
    (mailing,) = dispatched.services
    assert not mailing.complete
    assert mailing.served_on is None
    assert mailing.summary == "邮寄送达（EMS 1180000000001，2026年3月2日寄出，待签收）"
    assert unserved(dispatched) == (D.ACCEPTANCE_NOTICE, D.APPROVAL_DECISION)
    twice = event(K.NOTICE_SERVED, served(D.APPROVAL_DECISION, M.POST).to_payload())
    assert "已登记寄出" in refuse(dispatched, twice).user_message
    with pytest.raises(p.InvalidPayload):  # before its own dispatch date: malformed
        served(D.APPROVAL_DECISION, M.POST, signed_for_on=date(2026, 3, 1))
    before = served(
        D.APPROVAL_DECISION, M.POST, dispatched_on=date(2026, 2, 1), signed_for_on=date(2026, 2, 2)
    )
    refused = refuse(dispatched, event(K.NOTICE_SERVED, before.to_payload()))
    assert refused.user_message == "签收日期不能早于寄出日期"
    signed = serve(dispatched, served(D.APPROVAL_DECISION, M.POST, signed_for_on=date(2026, 3, 4)))
    (done,) = signed.services
    assert done.complete
    assert done.served_on == date(2026, 3, 4)
    assert done.event_id == mailing.event_id  # the dispatch record, completed
    assert done.summary.endswith("2026年3月4日签收）")
    again = event(K.NOTICE_SERVED, served(D.APPROVAL_DECISION).to_payload())
    assert refuse(signed, again).user_message == "准予行政许可决定书已送达，不能重复登记"


def test_returned_mail_may_be_served_in_person() -> None:
    refused = run(K.RECEIVED, K.REFUSED)
    mailed = serve(refused, served(D.REFUSAL_NOTICE, M.POST))
    handed = serve(mailed, served(D.REFUSAL_NOTICE, receiver="李四"))
    assert [r.method for r in handed.services] == [M.POST, M.IN_PERSON]
    assert unserved(handed) == ()
    # A mailing recorded late with both dates is complete on its own.
    late = serve(refused, served(D.REFUSAL_NOTICE, M.POST, signed_for_on=date(2026, 3, 5)))
    assert late.services[0].complete


def test_a_document_not_issued_cannot_be_served() -> None:
    accepted = run(K.RECEIVED, K.ACCEPTED)
    wrong = event(K.NOTICE_SERVED, served(D.REFUSAL_DECISION).to_payload())
    assert refuse(accepted, wrong).user_message == "该办件尚未出具不予许可决定书，不能登记送达"


def test_electronic_service_needs_consent() -> None:
    state = serve(run(K.RECEIVED, K.NOTIFIED_ONCE), served(D.ONE_TIME_NOTICE, M.ELECTRONIC))
    assert state.services[0].complete
    assert state.services[0].summary.startswith("电子送达")
    with pytest.raises(p.InvalidPayload, match="consent"):
        served(D.ONE_TIME_NOTICE, M.ELECTRONIC, consent=False)


@pytest.mark.parametrize(
    ("method", "fields", "field"),
    [
        (M.IN_PERSON, {"receiver": " "}, "receiver"),
        (M.POST, {"waybill": None}, "waybill"),
        (M.POST, {"dispatched_on": None}, "dispatched_on"),
        (M.ELECTRONIC, {"electronic_address": ""}, "electronic_address"),
        (M.IN_PERSON, {"signed_for_on": date(2026, 3, 3)}, "signed_for_on"),
    ],
)
def test_malformed_services_are_refused(method: M, fields: dict[str, object], field: str) -> None:
    with pytest.raises(p.InvalidPayload) as info:
        served(D.ACCEPTANCE_NOTICE, method, **fields)
    assert info.value.field == field


def test_service_payloads_round_trip() -> None:
    for record in (
        served(D.ACCEPTANCE_NOTICE, receiver_role=p.ReceiverRole.AGENT, signature_file="s.png"),
        served(D.APPROVAL_DECISION, M.POST, mail_address="湛河区九龙路1号"),
        served(D.ONE_TIME_NOTICE, M.ELECTRONIC),
    ):
        assert p.NoticeServed.from_payload(record.to_payload()) == record
        assert record.complete is (record.method is not M.POST)
    assert [m.label for m in M] == ["直接送达", "邮寄送达", "电子送达"]
