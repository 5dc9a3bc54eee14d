"""The case state machine and its payloads, one rule at a time.

The event factories here (``event``, ``GOOD_PAYLOADS``) are shared with the hypothesis tests.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.applicant import Applicant, CardType, Person
from zhanhe_counter.domain.case import (
    CaseState,
    CaseStatus,
    IllegalTransition,
    allowed_next,
    apply,
    project,
)
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import CaseEvent, EventKind

CASE_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_seq = itertools.count(1)


def event(
    kind: EventKind,
    payload: Mapping[str, Any] | None = None,
    *,
    case_id: uuid.UUID = CASE_ID,
    actor: str = "clerk-li",
    station_id: str = "ZH01",
) -> CaseEvent:
    seq = next(_seq)
    return CaseEvent(
        event_id=uuid.uuid4(),
        case_id=case_id,
        kind=kind,
        station_id=station_id,
        station_seq=seq,
        actor=actor,
        occurred_at=START + timedelta(minutes=seq),
        payload=GOOD_PAYLOADS[kind] if payload is None else payload,
    )


ID_CARD = p.MaterialItem("m-id", "身份证")
LEASE = p.MaterialItem("m-lease", "租赁合同", "复印件1份")
PHOTO = p.MaterialItem("m-photo", "照片")

GOOD_PAYLOADS: dict[EventKind, p.Payload] = {
    EventKind.CONSULTED: p.Consulted(matter_id="M-001", question="需要哪些材料").to_payload(),
    EventKind.RECEIVED: p.Received(
        case_number="ZH01-20260302-0001-K",
        matter_id="M-001",
        applicant=Applicant(Person("张三", id_number="410402199001011234")),
        materials=[ID_CARD],
        flow=p.ServiceFlow.RECEIVE_ONLY,
        promised_due=date(2026, 3, 20),
    ).to_payload(),
    EventKind.RONGQUE_PLEDGED: p.RongquePledged(
        items=[LEASE], deadline=date(2026, 3, 9)
    ).to_payload(),
    EventKind.NOTIFIED_ONCE: p.NotifiedOnce(items=[PHOTO], deadline=date(2026, 3, 9)).to_payload(),
    EventKind.BACKOFFICE_REQUESTED: p.BackofficeRequested(
        answer_due=START + timedelta(minutes=20), department="区市场监管局"
    ).to_payload(),
    EventKind.ACCEPTED: p.Accepted(promised_due=date(2026, 3, 25)).to_payload(),
    EventKind.REFUSED: p.Refused(
        reasons=["不属于本机关职权范围"], basis="行政许可法第32条"
    ).to_payload(),
    EventKind.SUPPLEMENT_RECEIVED: p.SupplementReceived(material_ids=["m-photo"]).to_payload(),
    EventKind.INSPECTED: p.Inspected(
        inspection=p.InspectionKind.SIMPLE, findings="现场与申请一致"
    ).to_payload(),
    EventKind.DECIDED: p.Decided(True).to_payload(),
    EventKind.CERTIFICATE_MADE: p.CertificateMade(
        certificate_name="营业执照", certificate_number="No.123"
    ).to_payload(),
    EventKind.HANDED_TO_DELIVERY: p.HandedToDelivery(collect_at_delivery=["旧证"]).to_payload(),
    EventKind.DELIVERED: p.Delivered(mode=p.DeliveryMode.PICKUP, signer="张三").to_payload(),
    EventKind.RATED: p.Rated(5).to_payload(),
    EventKind.RATING_FOLLOWED_UP: p.RatingFollowedUp(
        action=p.FollowupAction.CONTACTED, note="已电话回访申请人"
    ).to_payload(),
    EventKind.WITHDRAWN: p.Withdrawn(reason="申请人主动撤回").to_payload(),
    EventKind.NOTICE_SERVED: p.NoticeServed(
        DocumentKind.ACCEPTANCE_NOTICE, p.ServiceMethod.IN_PERSON, receiver="张三"
    ).to_payload(),
    EventKind.CASE_VIEWED: p.CaseViewed().to_payload(),
    EventKind.DOCUMENT_PRINTED: p.DocumentPrinted(
        document="intake_receipt", printer="A4打印机"
    ).to_payload(),
    EventKind.DOCUMENT_REPRINTED: p.DocumentReprinted(
        document="intake_receipt", printer="A4打印机", original_job_id="job-1"
    ).to_payload(),
    EventKind.ID_REVEALED: p.IdRevealed().to_payload(),
    EventKind.CASE_EXPORTED: p.CaseExported(export="tally_drill", file_format="xlsx").to_payload(),
    EventKind.MATERIAL_CAPTURED: p.MaterialCaptured(
        material_id="m1", name="身份证", pages=(p.MaterialPage("a" * 64, 1000),), source="scanner"
    ).to_payload(),
    EventKind.DOCUMENT_SIGNED: p.DocumentSigned(
        document="rongque_pledge", sha256="d" * 64, size=5000, signature_sha256="e" * 64
    ).to_payload(),
}

K = EventKind
S = CaseStatus


def run(*kinds_or_events: EventKind | CaseEvent) -> CaseState:
    events = [e if isinstance(e, CaseEvent) else event(e) for e in kinds_or_events]
    return project(events)


def refuse(state: CaseState | None, ev: CaseEvent) -> IllegalTransition:
    with pytest.raises(IllegalTransition) as info:
        apply(state, ev)
    return info.value


# ----------------------------------------------------------------------------- happy paths


def test_flow_c_receive_accept_review_deliver_and_rate() -> None:
    state = run(
        event(K.RECEIVED, actor="clerk-li"),
        event(K.ACCEPTED, actor="backoffice-wang"),
        event(K.INSPECTED, actor="reviewer-zhao"),
        event(K.INSPECTED, actor="specialist-qian"),
        event(K.DECIDED, actor="backoffice-wang"),
        event(K.CERTIFICATE_MADE),
        event(K.HANDED_TO_DELIVERY),
        event(K.DELIVERED, actor="delivery-sun"),
        event(K.RATED, actor="applicant-pad"),
    )
    assert state.status is S.DELIVERED
    assert state.first_handler == "clerk-li"
    assert state.case_number == "ZH01-20260302-0001-K"
    assert state.matter_id == "M-001"
    assert state.flow is p.ServiceFlow.RECEIVE_ONLY
    assert state.applicant_name == "张三"
    assert state.applicant is not None
    assert state.applicant.id_type == "居民身份证"
    assert state.applicant.person.card_type is CardType.RESIDENT
    assert state.received_materials == (ID_CARD,)
    assert state.promised_due == date(2026, 3, 25)  # the acceptance's date replaces the guess
    assert state.inspections == 2
    assert state.decision_approved is True
    assert state.certificate_number == "No.123"
    assert state.collect_at_delivery == ("旧证",)
    assert state.delivery is not None
    assert state.delivery.mode is p.DeliveryMode.PICKUP
    assert state.delivery.signer == "张三"
    assert state.rating is not None
    assert state.rating.level == 5
    assert not state.rating.is_bad
    assert state.event_count == 9 == len(state.timeline)
    assert state.received_at == state.opened_at == state.timeline[0].occurred_at
    assert state.accepted_at == state.timeline[1].occurred_at
    assert state.decided_at == state.timeline[4].occurred_at
    assert state.delivered_at == state.timeline[7].occurred_at
    assert state.last_event_at == state.timeline[8].occurred_at
    assert state.station_id == "ZH01"
    assert allowed_next(state) == frozenset({K.NOTICE_SERVED})  # its notices were never served here


def test_flow_b_backoffice_answer_then_express_delivery_without_certificate() -> None:
    express = p.Delivered(
        mode=p.DeliveryMode.EXPRESS, carrier="EMS", waybill="1234567"
    ).to_payload()
    state = run(
        event(K.RECEIVED),
        event(K.BACKOFFICE_REQUESTED),
        event(K.ACCEPTED, p.Accepted().to_payload()),
        event(K.DECIDED),
        event(K.HANDED_TO_DELIVERY, p.HandedToDelivery().to_payload()),
        event(K.DELIVERED, express),
    )
    assert state.status is S.DELIVERED
    assert state.promised_due == date(2026, 3, 20)  # acceptance gave no date: receipt's stays
    assert state.delivery is not None
    assert (state.delivery.carrier, state.delivery.waybill, state.delivery.signer) == (
        "EMS",
        "1234567",
        None,
    )


def test_rongque_case_is_accepted_with_items_outstanding_and_supplemented_later() -> None:
    state = run(K.RECEIVED, K.RONGQUE_PLEDGED)
    assert state.status is S.RONGQUE_RECEIVED
    assert state.rongque_due == date(2026, 3, 9)
    assert state.outstanding_rongque == (LEASE,)
    state = apply(state, event(K.ACCEPTED))
    supplement = p.SupplementReceived(material_ids=["m-lease"]).to_payload()
    state = apply(state, event(K.SUPPLEMENT_RECEIVED, supplement))
    assert state.status is S.ACCEPTED  # after acceptance a supplement does not move the case
    assert state.outstanding_rongque == ()
    assert state.supplemented == frozenset({"m-lease"})
    assert state.supplement_completed_at is None  # that clock is for one-time notices only
    assert K.SUPPLEMENT_RECEIVED not in allowed_next(state)


def test_rongque_supplied_before_acceptance_returns_to_received() -> None:
    supplement = p.SupplementReceived(material_ids=["m-lease"]).to_payload()
    state = run(K.RECEIVED, K.RONGQUE_PLEDGED, event(K.SUPPLEMENT_RECEIVED, supplement))
    assert state.status is S.RECEIVED
    assert K.RONGQUE_PLEDGED not in allowed_next(state)  # only right after receipt


def test_notice_then_supplement_then_acceptance() -> None:
    two = p.NotifiedOnce(items=[PHOTO, LEASE]).to_payload()
    state = run(K.RECEIVED, event(K.NOTIFIED_ONCE, two))
    assert state.status is S.NOTIFIED
    assert state.notice_issued
    assert state.notice_due is None
    assert K.ACCEPTED not in allowed_next(state)
    state = apply(state, event(K.SUPPLEMENT_RECEIVED))
    assert state.status is S.NOTIFIED
    assert state.outstanding_notice == (LEASE,)
    assert state.supplement_completed_at is None
    last = event(K.SUPPLEMENT_RECEIVED, p.SupplementReceived(material_ids=["m-lease"]).to_payload())
    state = apply(state, last)
    assert state.status is S.RECEIVED
    assert state.supplement_completed_at == last.occurred_at
    assert K.ACCEPTED in allowed_next(state)
    assert K.NOTIFIED_ONCE not in allowed_next(state)
    assert apply(state, event(K.ACCEPTED)).status is S.ACCEPTED


def test_notice_on_a_rongque_case_goes_back_to_rongque_when_notice_items_arrive() -> None:
    state = run(K.RECEIVED, K.RONGQUE_PLEDGED, K.NOTIFIED_ONCE, K.SUPPLEMENT_RECEIVED)
    assert state.status is S.RONGQUE_RECEIVED
    assert state.outstanding_rongque == (LEASE,)


def test_refusal_at_intake_records_reasons() -> None:
    state = run(K.RECEIVED, K.REFUSED)
    assert state.status is S.REFUSED
    assert state.status.is_final
    assert state.refusal_reasons == ("不属于本机关职权范围",)
    assert state.refusal_basis == "行政许可法第32条"
    assert allowed_next(state) == {
        K.RATED,
        K.NOTICE_SERVED,
    }  # the refusal notice is still to be served


def test_refused_decision_needs_reasons_and_relief() -> None:
    refusal = p.Decided(False, reasons=["不符合条件"], relief="可于60日内申请行政复议").to_payload()
    state = run(K.RECEIVED, K.ACCEPTED, event(K.DECIDED, refusal))
    assert state.status is S.DECIDED_REFUSED
    assert state.decision_approved is False
    assert state.decision_reasons == ("不符合条件",)
    assert state.decision_relief == "可于60日内申请行政复议"
    assert not state.status.is_final  # the written decision still has to be served
    assert allowed_next(state) == {K.HANDED_TO_DELIVERY, K.RATED, K.NOTICE_SERVED}
    assert refuse(state, event(K.CERTIFICATE_MADE)).user_message == "办件不予办理，不能制证"


def test_refused_decision_is_handed_to_delivery_and_served_by_express() -> None:
    refusal = p.Decided(False, reasons=["不符合条件"], relief="可于60日内申请行政复议").to_payload()
    express = p.Delivered(
        mode=p.DeliveryMode.EXPRESS, carrier="EMS", waybill="1234567"
    ).to_payload()
    handed = run(
        K.RECEIVED,
        K.ACCEPTED,
        event(K.DECIDED, refusal),
        event(K.HANDED_TO_DELIVERY, p.HandedToDelivery().to_payload()),
    )
    assert handed.status is S.READY_FOR_DELIVERY
    assert handed.collect_at_delivery == ()
    assert K.CERTIFICATE_MADE not in allowed_next(handed)
    served = apply(handed, event(K.DELIVERED, express))
    assert served.status is S.DELIVERED
    assert served.decision_approved is False
    assert served.delivery is not None
    assert (served.delivery.mode, served.delivery.waybill) == (p.DeliveryMode.EXPRESS, "1234567")
    assert allowed_next(served) == {K.RATED, K.NOTICE_SERVED}


def test_refused_decision_is_served_at_the_window_with_a_signature() -> None:
    refusal = p.Decided(False, reasons=["不符合条件"], relief="可于60日内申请行政复议").to_payload()
    state = run(K.RECEIVED, K.ACCEPTED, event(K.DECIDED, refusal), K.HANDED_TO_DELIVERY)
    served = apply(state, event(K.DELIVERED))
    assert served.status is S.DELIVERED
    assert served.delivery is not None
    assert served.delivery.signer == "张三"


def test_a_refused_application_owes_no_rongque_material() -> None:
    refusal = p.Decided(False, reasons=["不符合条件"], relief="可于60日内申请行政复议").to_payload()
    accepted = run(K.RECEIVED, K.RONGQUE_PLEDGED, K.ACCEPTED)
    assert accepted.outstanding_rongque == (LEASE,)
    refused = apply(accepted, event(K.DECIDED, refusal))
    assert refused.outstanding_rongque == ()
    assert refused.rongque_items == (LEASE,)  # what was pledged stays on record
    handed = apply(refused, event(K.HANDED_TO_DELIVERY))
    supplement = event(
        K.SUPPLEMENT_RECEIVED, p.SupplementReceived(material_ids=["m-lease"]).to_payload()
    )
    assert refuse(handed, supplement).user_message == "该办件没有待补正的材料"


def test_withdrawal_before_decision() -> None:
    state = run(K.RECEIVED, K.ACCEPTED, K.INSPECTED, K.WITHDRAWN)
    assert state.status is S.WITHDRAWN
    assert state.withdrawal_reason == "申请人主动撤回"
    decided = run(K.RECEIVED, K.ACCEPTED, K.DECIDED)
    assert K.WITHDRAWN not in allowed_next(decided)


def test_consultation_log_only_accepts_a_rating() -> None:
    state = run(K.CONSULTED)
    assert state.status is S.CONSULTED
    assert state.first_handler is None
    assert state.case_number is None
    assert state.matter_id == "M-001"
    assert allowed_next(state) == {K.RATED}
    error = refuse(state, event(K.RECEIVED))
    assert error.user_message == "办件咨询，不能收件"
    bad = p.Rated(1, ["态度差"]).to_payload()
    rated = apply(state, event(K.RATED, bad))
    assert rated.rating is not None
    assert rated.rating.is_bad
    assert rated.rating.reasons == ("态度差",)


def test_deemed_acceptance_is_recorded() -> None:
    state = run(K.RECEIVED, event(K.ACCEPTED, p.Accepted(deemed=True).to_payload()))
    assert state.deemed_accepted


# ----------------------------------------------------------------------------- rule breaking


def test_first_event_must_open_the_case() -> None:
    error = refuse(None, event(K.ACCEPTED))
    assert error.user_message == "办件须从收件或咨询登记开始"
    assert error.status is None
    assert error.case_id == CASE_ID
    assert error.kind is K.ACCEPTED
    assert allowed_next(None) == {K.RECEIVED, K.CONSULTED}


def test_accepting_a_delivered_case_says_so_in_chinese_and_english() -> None:
    state = run(
        K.RECEIVED, K.ACCEPTED, K.DECIDED, K.CERTIFICATE_MADE, K.HANDED_TO_DELIVERY, K.DELIVERED
    )
    error = refuse(state, event(K.ACCEPTED))
    assert error.user_message == "办件已出件，不能再次受理"
    assert str(CASE_ID) in str(error)
    assert "delivered" in str(error)
    assert "accepted" in str(error)
    assert isinstance(error, DomainError)


def test_second_one_time_notice_is_refused() -> None:
    state = run(K.RECEIVED, K.NOTIFIED_ONCE, K.SUPPLEMENT_RECEIVED)
    assert refuse(state, event(K.NOTIFIED_ONCE)).user_message == "一次性告知只能出具一次"


def test_second_rating_is_refused() -> None:
    state = run(K.CONSULTED, K.RATED)
    assert refuse(state, event(K.RATED)).user_message == "该办件已评价，不能重复评价"


def test_rongque_only_right_after_receipt() -> None:
    state = run(K.RECEIVED, K.RATED)
    assert refuse(state, event(K.RONGQUE_PLEDGED)).user_message == "容缺收件只能在收件时办理"
    accepted = run(K.RECEIVED, K.ACCEPTED)
    assert refuse(accepted, event(K.RONGQUE_PLEDGED)).user_message == "办件已受理，不能容缺收件"


def test_supplement_needs_an_outstanding_item() -> None:
    state = run(K.RECEIVED, K.ACCEPTED)
    assert refuse(state, event(K.SUPPLEMENT_RECEIVED)).user_message == "该办件没有待补正的材料"
    notified = run(K.RECEIVED, K.NOTIFIED_ONCE)
    other = p.SupplementReceived(material_ids=["m-photo", "m-unknown"]).to_payload()
    error = refuse(notified, event(K.SUPPLEMENT_RECEIVED, other))
    assert error.user_message == "材料“m-unknown”不在待补正材料中"
    delivered = run(
        K.RECEIVED, K.RONGQUE_PLEDGED, K.ACCEPTED, K.DECIDED, K.HANDED_TO_DELIVERY, K.DELIVERED
    )
    assert refuse(delivered, event(K.SUPPLEMENT_RECEIVED)).user_message.startswith("办件已出件")


def test_certificate_only_after_approval() -> None:
    state = run(K.RECEIVED, K.ACCEPTED)
    assert refuse(state, event(K.CERTIFICATE_MADE)).user_message == "办件已受理，不能制证"


def test_decision_only_after_acceptance() -> None:
    for state in (run(K.RECEIVED), run(K.RECEIVED, K.BACKOFFICE_REQUESTED)):
        assert K.DECIDED not in allowed_next(state)
        refuse(state, event(K.DECIDED))


def test_event_of_another_case_is_refused() -> None:
    state = run(K.RECEIVED)
    error = refuse(state, event(K.ACCEPTED, case_id=uuid.uuid4()))
    assert error.user_message == "该记录不属于此办件"


def test_duplicate_event_id_is_refused() -> None:
    first = event(K.RECEIVED)
    notice = event(K.NOTIFIED_ONCE)
    with pytest.raises(IllegalTransition) as info:
        project([first, notice, notice])
    assert info.value.user_message == "该操作已记录，不能重复记录"


def test_project_of_nothing_is_an_error() -> None:
    with pytest.raises(DomainError) as info:
        project([])
    assert info.value.user_message == "没有该办件的记录"


def test_illegal_event_leaves_state_untouched() -> None:
    state = run(K.RECEIVED)
    refuse(state, event(K.DELIVERED))
    assert state.event_count == 1
    assert state.status is S.RECEIVED


def test_malformed_synced_payload_is_a_domain_error_not_a_crash() -> None:
    state = run(K.RECEIVED, K.ACCEPTED)
    with pytest.raises(p.InvalidPayload) as info:
        apply(state, event(K.DECIDED, {"approved": "yes"}))
    assert info.value.field == "approved"
    assert info.value.kind is K.DECIDED
    assert "approved" in info.value.user_message


# ----------------------------------------------------------------------------- labels


@pytest.mark.parametrize("status", list(CaseStatus))
def test_every_status_has_a_chinese_label(status: CaseStatus) -> None:
    assert status.label
    assert not status.label.isascii()


def test_vocabulary_labels() -> None:
    assert [f.label for f in p.ServiceFlow] == ["当场办结", "当场受理", "当场收件"]
    assert [a.label for a in p.FollowupAction] == ["回访", "整改", "办结"]
    assert [m.label for m in p.DeliveryMode] == ["窗口领取", "快递寄送"]
    assert [i.label for i in p.InspectionKind] == ["简易核查", "专业核查"]


# ----------------------------------------------------------------------------- payloads


@pytest.mark.parametrize("kind", list(EventKind))
def test_builders_make_json_payloads_that_validate(kind: EventKind) -> None:
    payload = GOOD_PAYLOADS[kind]
    assert json.loads(json.dumps(payload)) == payload
    p.validate_payload(kind, payload)


def test_optional_fields_may_be_null_or_absent() -> None:
    p.validate_payload(K.CONSULTED, {})
    p.validate_payload(K.BACKOFFICE_REQUESTED, p.BackofficeRequested().to_payload())
    p.validate_payload(K.CERTIFICATE_MADE, {"certificate_name": ""})
    received = dict(GOOD_PAYLOADS[K.RECEIVED], promised_due=None, materials=[])
    assert p.Received.from_payload(received).promised_due is None
    assert p.Accepted.from_payload({}).deemed is False
    assert p.Consulted.from_payload({"question": ""}).question is None


def test_parsed_values_are_typed() -> None:
    parsed = p.BackofficeRequested.from_payload(GOOD_PAYLOADS[K.BACKOFFICE_REQUESTED])
    assert isinstance(parsed.answer_due, datetime)
    assert parsed.answer_due == START.replace(minute=20)
    assert p.RongquePledged.from_payload(GOOD_PAYLOADS[K.RONGQUE_PLEDGED]).items == (LEASE,)


RECEIVED_OK: dict[str, Any] = dict(GOOD_PAYLOADS[K.RECEIVED])


@pytest.mark.parametrize(
    ("kind", "payload", "field"),
    [
        (K.CONSULTED, ["not", "an", "object"], "payload"),
        (K.CONSULTED, {"matter_id": 1.5}, "payload.matter_id"),
        (K.CONSULTED, {"matter_id": {1: "x"}}, "payload.matter_id"),
        (K.CONSULTED, {"matter_id": [date(2026, 1, 1)]}, "payload.matter_id[0]"),
        (K.CONSULTED, {"matter_id": 7}, "matter_id"),
        (K.RECEIVED, {**RECEIVED_OK, "case_number": " "}, "case_number"),
        (K.RECEIVED, {**RECEIVED_OK, "applicant": "张三"}, "applicant"),
        (K.RECEIVED, {**RECEIVED_OK, "applicant": {"name": "张三", "age": 3}}, "applicant"),
        (K.RECEIVED, {**RECEIVED_OK, "applicant": {"id_type": None}}, "applicant.name"),
        (K.RECEIVED, {**RECEIVED_OK, "flow": "fast"}, "flow"),
        (K.RECEIVED, {**RECEIVED_OK, "flow": 3}, "flow"),
        (K.RECEIVED, {**RECEIVED_OK, "promised_due": "2026-13-01"}, "promised_due"),
        (K.RECEIVED, {**RECEIVED_OK, "promised_due": 20260301}, "promised_due"),
        (K.RECEIVED, {**RECEIVED_OK, "materials": "身份证"}, "materials"),
        (K.RECEIVED, {**RECEIVED_OK, "materials": ["身份证"]}, "materials[0]"),
        (K.RECEIVED, {**RECEIVED_OK, "materials": [{"name": "x"}]}, "materials[0].material_id"),
        (K.RECEIVED, {**RECEIVED_OK, "materials": [{"material_id": "a"}]}, "materials[0].name"),
        (
            K.RECEIVED,
            {**RECEIVED_OK, "materials": [{"material_id": "a", "name": "x", "note": 2}]},
            "materials[0].note",
        ),
        (
            K.RECEIVED,
            {**RECEIVED_OK, "materials": [{"material_id": "a", "name": "x"}] * 2},
            "materials",
        ),
        (K.RONGQUE_PLEDGED, {"items": [], "deadline": "2026-03-09"}, "items"),
        (K.RONGQUE_PLEDGED, {"items": GOOD_PAYLOADS[K.RONGQUE_PLEDGED]["items"]}, "deadline"),
        (K.NOTIFIED_ONCE, {"items": []}, "items"),
        (K.BACKOFFICE_REQUESTED, {"answer_due": "soon"}, "answer_due"),
        (K.BACKOFFICE_REQUESTED, {"answer_due": 20}, "answer_due"),
        (K.ACCEPTED, {"deemed": "no"}, "deemed"),
        (K.REFUSED, {"reasons": []}, "reasons"),
        (K.REFUSED, {"reasons": "不符合"}, "reasons"),
        (K.REFUSED, {"reasons": [""]}, "reasons"),
        (K.SUPPLEMENT_RECEIVED, {"material_ids": []}, "material_ids"),
        (K.SUPPLEMENT_RECEIVED, {"material_ids": ["a", "a"]}, "material_ids"),
        (K.INSPECTED, {"inspection": "simple", "findings": ""}, "findings"),
        (K.INSPECTED, {"inspection": "drone", "findings": "ok"}, "inspection"),
        (K.DECIDED, {"reasons": []}, "approved"),
        (K.DECIDED, {"approved": False, "relief": "可复议"}, "reasons"),
        (K.DECIDED, {"approved": False, "reasons": ["不符合"]}, "relief"),
        (K.DECIDED, {"approved": False, "reasons": ["不符合"], "relief": "  "}, "relief"),
        (K.HANDED_TO_DELIVERY, {"collect_at_delivery": [1]}, "collect_at_delivery"),
        (K.DELIVERED, {"mode": "pickup"}, "signer"),
        (K.DELIVERED, {"mode": "express", "carrier": "EMS"}, "waybill"),
        (K.DELIVERED, {"mode": "express", "waybill": "1"}, "carrier"),
        (K.DELIVERED, {"mode": "drone"}, "mode"),
        (K.RATED, {"level": 0}, "level"),
        (K.RATED, {"level": 6}, "level"),
        (K.RATED, {"level": True}, "level"),
        (K.RATED, {"level": "5"}, "level"),
        (K.RATED, {"level": 2}, "reasons"),
        (K.RATED, {"level": 1, "reasons": []}, "reasons"),
        (K.RATING_FOLLOWED_UP, {"note": "已回访"}, "action"),
        (K.RATING_FOLLOWED_UP, {"action": "called", "note": "已回访"}, "action"),
        (K.RATING_FOLLOWED_UP, {"action": "closed"}, "note"),
        (K.RATING_FOLLOWED_UP, {"action": "closed", "note": "  "}, "note"),
        (K.RATING_FOLLOWED_UP, {"action": "closed", "note": 5}, "note"),
        (
            K.RATING_FOLLOWED_UP,
            {"action": "closed", "note": "整" * (p.MAX_FOLLOWUP_NOTE_LENGTH + 1)},
            "note",
        ),
        (K.WITHDRAWN, {"reason": ["x"]}, "reason"),
    ],
)
def test_malformed_payloads_name_the_field(kind: EventKind, payload: Any, field: str) -> None:
    with pytest.raises(p.InvalidPayload) as info:
        p.validate_payload(kind, payload)
    assert info.value.field == field
    assert field in str(info.value)
    assert info.value.user_message.startswith("办件记录内容有误")


def test_bad_rating_reason_and_mid_rating_without_reason() -> None:
    assert p.Rated.from_payload({"level": 3}).reasons == ()
    assert p.Rated.from_payload({"level": 2, "reasons": ["等待时间长"]}).level == 2


# ----------------------------------------------------------------------------- 差评回访整改

BAD_RATING = p.Rated(2, ["等候时间长"]).to_payload()


def followed_up(action: p.FollowupAction, note: str = "已处理") -> CaseEvent:
    return event(
        K.RATING_FOLLOWED_UP,
        p.RatingFollowedUp(action=action, note=note).to_payload(),
        actor="supervisor-zhao",
    )


def test_bad_rating_is_followed_up_in_any_status_until_closed() -> None:
    # Rated while still waiting for acceptance: the follow-up does not wait for the case.
    state = run(K.RECEIVED, event(K.RATED, BAD_RATING))
    assert K.RATING_FOLLOWED_UP in allowed_next(state)
    assert state.followups == ()
    assert state.followup_closed is False

    contacted = followed_up(p.FollowupAction.CONTACTED, "  已电话回访申请人 ")
    state = apply(state, contacted)
    state = apply(state, followed_up(p.FollowupAction.RECTIFIED, "窗口已整改"))
    state = apply(state, followed_up(p.FollowupAction.RECTIFIED, "再次整改"))
    assert state.status is S.RECEIVED
    assert K.ACCEPTED in allowed_next(state)
    assert [f.action for f in state.followups] == [
        p.FollowupAction.CONTACTED,
        p.FollowupAction.RECTIFIED,
        p.FollowupAction.RECTIFIED,
    ]
    first = state.followups[0]
    assert (first.event_id, first.note, first.actor, first.at) == (
        contacted.event_id,
        "已电话回访申请人",
        "supervisor-zhao",
        contacted.occurred_at,
    )
    assert state.followup_closed is False

    state = apply(state, followed_up(p.FollowupAction.CLOSED, "申请人认可"))
    assert state.followup_closed is True
    assert len(state.followups) == 4
    assert K.RATING_FOLLOWED_UP not in allowed_next(state)
    error = refuse(state, followed_up(p.FollowupAction.RECTIFIED))
    assert error.user_message == "该差评已办结，不能再回访整改"
    assert error.kind is K.RATING_FOLLOWED_UP


def test_a_final_case_can_still_be_followed_up() -> None:
    state = run(K.CONSULTED, event(K.RATED, p.Rated(1, ["态度差"]).to_payload()))
    assert allowed_next(state) == {K.RATING_FOLLOWED_UP}
    closed = apply(state, followed_up(p.FollowupAction.CLOSED))
    assert closed.followup_closed is True
    assert allowed_next(closed) == frozenset()


def test_no_follow_up_without_a_bad_rating() -> None:
    unrated = run(K.RECEIVED)
    assert K.RATING_FOLLOWED_UP not in allowed_next(unrated)
    error = refuse(unrated, followed_up(p.FollowupAction.CONTACTED))
    assert error.user_message == "该办件尚未评价，不能回访整改"

    for level in (3, 4, 5):
        rated = run(K.RECEIVED, event(K.RATED, p.Rated(level).to_payload()))
        assert K.RATING_FOLLOWED_UP not in allowed_next(rated)
        error = refuse(rated, followed_up(p.FollowupAction.CONTACTED))
        assert error.user_message == "该办件不是差评，无需回访整改"
        assert rated.followups == ()


def test_malformed_follow_up_of_a_bad_rating_is_an_invalid_payload() -> None:
    state = run(K.RECEIVED, event(K.RATED, BAD_RATING))
    with pytest.raises(p.InvalidPayload):
        apply(state, event(K.RATING_FOLLOWED_UP, {"action": "closed", "note": ""}))


# ----------------------------------------------------------------------------- parsed facts


def test_the_state_carries_the_parsed_facts_so_nobody_reads_a_payload() -> None:
    pending = run(K.RECEIVED, K.BACKOFFICE_REQUESTED)
    assert pending.answer_due == START + timedelta(minutes=20)
    assert pending.backoffice_department == "区市场监管局"

    refusal = p.Refused(
        ("不属于本机关职权范围",), basis="第32条", competent_office="区民政局", relief="可复议"
    )
    refused = run(K.RECEIVED, event(K.REFUSED, refusal.to_payload()))
    assert (refused.refusal_basis, refused.refusal_competent_office, refused.refusal_relief) == (
        "第32条",
        "区民政局",
        "可复议",
    )

    decision = p.Decided(False, ("不符合条件",), basis="第38条", relief="可复议")
    decided = run(K.RECEIVED, K.ACCEPTED, event(K.DECIDED, decision.to_payload()))
    assert decided.decision_basis == "第38条"

    made = run(K.RECEIVED, K.ACCEPTED, K.DECIDED, K.CERTIFICATE_MADE)
    assert (made.certificate_name, made.certificate_number) == ("营业执照", "No.123")

    pickup = p.Delivered(
        p.DeliveryMode.PICKUP,
        signer="张三",
        receiver_role=p.ReceiverRole.APPLICANT,
        signature_file="signatures/a.png",
    )
    delivered = run(
        K.RECEIVED,
        K.ACCEPTED,
        K.DECIDED,
        K.HANDED_TO_DELIVERY,
        event(K.DELIVERED, pickup.to_payload()),
    )
    assert delivered.delivery == pickup

    rating = p.Rated(2, ("等候时间长",), staff_id="clerk-li", window_id="W01")
    rated = run(K.RECEIVED, event(K.RATED, rating.to_payload()))
    assert rated.rating == rating
    assert rated.applicant == Applicant(Person("张三", id_number="410402199001011234"))
    assert run(K.CONSULTED).applicant is None
