"""Random event sequences, legal and illegal, never bring a case into a state the rules forbid."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import replace
from datetime import date
from functools import reduce
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from tests.domain.test_case import event
from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.case import (
    CaseState,
    CaseStatus,
    IllegalTransition,
    allowed_next,
    apply,
    project,
)
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import CaseEvent, EventKind
from zhanhe_counter.domain.notice_service import SERVED_DOCUMENTS

K = EventKind
POOL = ["m1", "m2", "m3", "m4"]

words = st.text(alphabet="材料身份证明abc", min_size=1, max_size=6)
maybe_words = st.none() | words
days = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))
json_scalars = st.none() | st.booleans() | st.integers(-3, 9) | words
junk = st.dictionaries(
    st.sampled_from(["level", "mode", "items", "reasons", "approved", "flow", "x"]),
    json_scalars | st.lists(json_scalars, max_size=2),
    max_size=3,
)
items = st.lists(
    st.builds(p.MaterialItem, st.sampled_from(POOL), words, maybe_words),
    max_size=3,
    unique_by=lambda item: item.material_id,
)


def _json(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[p.Payload]:
    """A payload in its stored form, drawn field by field: the records themselves refuse to be
    built malformed, and the walk must also meet malformed payloads."""
    return st.fixed_dictionaries(fields)


def _iso(dates: st.SearchStrategy[date | None]) -> st.SearchStrategy[str | None]:
    return dates.map(lambda d: d.isoformat() if d else None)


json_items = items.map(
    lambda chosen: [{"material_id": i.material_id, "name": i.name, "note": i.note} for i in chosen]
)


def good_payload(kind: EventKind, state: CaseState | None) -> st.SearchStrategy[p.Payload]:
    """Payloads that are well-formed most of the time, so random walks get deep into the flow."""
    if kind is K.CONSULTED:
        return _json(matter_id=maybe_words, question=maybe_words)
    if kind is K.RECEIVED:
        return _json(
            case_number=st.just("ZH01-1"),
            matter_id=st.just("M-001"),
            applicant=st.fixed_dictionaries(
                {"name": st.sampled_from(["张三", "李四", "王五", "赵六", ""])}
            ),
            materials=json_items,
            flow=st.sampled_from([f.value for f in p.ServiceFlow]),
            promised_due=_iso(st.none() | days),
        )
    if kind is K.RONGQUE_PLEDGED:
        return _json(items=json_items, deadline=_iso(days))
    if kind is K.NOTIFIED_ONCE:
        return _json(items=json_items, deadline=_iso(st.none() | days))
    if kind is K.SUPPLEMENT_RECEIVED:
        outstanding = (
            [i.material_id for i in (*state.outstanding_rongque, *state.outstanding_notice)]
            if state
            else []
        )
        ids = st.lists(st.sampled_from(POOL), max_size=3, unique=True)
        if outstanding:
            ids = st.lists(st.sampled_from(outstanding), min_size=1, unique=True) | ids
        return _json(material_ids=ids)
    if kind is K.REFUSED:
        return _json(reasons=st.lists(words, max_size=2), basis=maybe_words)
    if kind is K.INSPECTED:
        return _json(
            inspection=st.sampled_from([i.value for i in p.InspectionKind]), findings=words
        )
    if kind is K.DECIDED:
        approval = _json(
            approved=st.just(True), reasons=st.lists(words, max_size=2), relief=maybe_words
        )
        # A refusal needs reasons and the relief text; junk payloads cover the malformed ones.
        refusal = _json(
            approved=st.just(False),
            reasons=st.lists(words, min_size=1, max_size=2),
            basis=maybe_words,
            relief=words,
        )
        return approval | refusal
    if kind is K.DELIVERED:
        return _json(
            mode=st.sampled_from([m.value for m in p.DeliveryMode]),
            signer=maybe_words,
            carrier=maybe_words,
            waybill=maybe_words,
        )
    if kind is K.RATED:
        return _json(level=st.integers(0, 6), reasons=st.lists(words, max_size=2))
    if kind is K.RATING_FOLLOWED_UP:
        return _json(
            action=st.sampled_from([a.value for a in p.FollowupAction]), note=st.just("") | words
        )
    if kind is K.ACCEPTED:
        return _json(promised_due=_iso(st.none() | days), deemed=st.booleans())
    if kind is K.NOTICE_SERVED:
        documents = st.sampled_from([d.value for d in SERVED_DOCUMENTS])
        handed = _json(document=documents, method=st.just("in_person"), receiver=words)
        # Two waybills only, so a later walk step often signs for an earlier mailing.
        mailed = _json(
            document=documents,
            method=st.just("post"),
            carrier=words,
            waybill=st.sampled_from(["EMS0001", "EMS0002"]),
            dispatched_on=_iso(days),
            signed_for_on=_iso(st.none() | days),
        )
        return handed | mailed
    return st.just(GOOD_DEFAULTS[kind])


GOOD_DEFAULTS: dict[EventKind, p.Payload] = {
    K.BACKOFFICE_REQUESTED: p.BackofficeRequested().to_payload(),
    K.CERTIFICATE_MADE: p.CertificateMade().to_payload(),
    K.HANDED_TO_DELIVERY: p.HandedToDelivery().to_payload(),
    K.WITHDRAWN: p.Withdrawn().to_payload(),
    K.CASE_VIEWED: p.CaseViewed().to_payload(),
    K.DOCUMENT_PRINTED: p.DocumentPrinted(document="acceptance_notice", printer="A4").to_payload(),
    K.DOCUMENT_REPRINTED: p.DocumentReprinted(
        document="acceptance_notice", printer="A4", original_job_id="job-1"
    ).to_payload(),
    K.ID_REVEALED: p.IdRevealed().to_payload(),
    K.CASE_EXPORTED: p.CaseExported(export="tally_drill", file_format="csv").to_payload(),
    K.MATERIAL_CAPTURED: p.MaterialCaptured(
        material_id="m1", name="身份证", pages=(p.MaterialPage("b" * 64, 10),)
    ).to_payload(),
    K.DOCUMENT_SIGNED: p.DocumentSigned(
        document="delivery_receipt", sha256="1" * 64, size=10, signature_sha256="2" * 64
    ).to_payload(),
}


def payload_for(kind: EventKind, state: CaseState | None) -> st.SearchStrategy[Any]:
    # Well-formed four times in five; hypothesis would merge repeated one_of branches.
    good = good_payload(kind, state)
    return st.integers(0, 4).flatmap(lambda n: junk if n == 4 else good)


_DEAD_ENDS = {K.CONSULTED, K.WITHDRAWN, K.REFUSED, K.RATED, K.NOTICE_SERVED}


def next_kind(state: CaseState | None) -> st.SearchStrategy[EventKind]:
    """Usually an offered kind that moves the case on, sometimes any offered or any kind at all."""
    offered = sorted(allowed_next(state))
    onward = [k for k in offered if k not in _DEAD_ENDS]
    everything = st.sampled_from(list(EventKind))

    def pick(n: int) -> st.SearchStrategy[EventKind]:
        # 0-6: move on, 7-8: anything offered, 9: anything at all (mostly illegal).
        if n <= 6 and onward:
            return st.sampled_from(onward)
        if n <= 8 and offered:
            return st.sampled_from(offered)
        return everything

    return st.integers(0, 9).flatmap(pick)


def _beside(kind: EventKind) -> bool:
    """Kinds kept beside the steps (access records, attachments), accepted on any case."""
    return kind.is_audit or kind.is_attachment


def check_invariants(state: CaseState) -> None:
    kinds = [e.kind for e in state.timeline]
    assert state.status in set(CaseStatus)
    assert state.event_count == len(state.timeline) + len(state.access_log) + len(state.attachments)
    assert not any(k.is_audit or k.is_attachment for k in kinds)
    assert all(e.kind.is_audit for e in state.access_log)
    assert all(e.kind.is_attachment for e in state.attachments)
    assert kinds[0] in (K.RECEIVED, K.CONSULTED)
    assert kinds.count(K.RATED) <= 1
    assert (state.rating is None) == (K.RATED not in kinds)
    assert kinds.count(K.NOTIFIED_ONCE) <= 1
    assert len({e.event_id for e in state.timeline}) == len(state.timeline)
    assert all(e.case_id == state.case_id for e in state.timeline)
    if K.RONGQUE_PLEDGED in kinds:
        assert kinds.index(K.RONGQUE_PLEDGED) == 1
    if state.status is CaseStatus.CONSULTED:
        assert set(kinds[1:]) <= {K.RATED, K.RATING_FOLLOWED_UP}
    if K.DECIDED in kinds:
        assert K.ACCEPTED in kinds[: kinds.index(K.DECIDED)]
    if K.HANDED_TO_DELIVERY in kinds:
        # Delivered implies decided: an approval, or a refusal decision to be served (送达).
        handed = kinds.index(K.HANDED_TO_DELIVERY)
        assert kinds[:handed].count(K.DECIDED) == 1
        assert kinds.count(K.HANDED_TO_DELIVERY) == 1
    if K.DELIVERED in kinds or state.status is CaseStatus.DELIVERED:
        delivered = kinds.index(K.DELIVERED)
        assert K.HANDED_TO_DELIVERY in kinds[:delivered]
        assert kinds.count(K.DELIVERED) == 1
        assert state.decision_approved is not None
        assert state.delivery is not None
        if state.delivery.mode is p.DeliveryMode.PICKUP:
            assert state.delivery.signer
        else:
            assert state.delivery.carrier
            assert state.delivery.waybill
    if K.CERTIFICATE_MADE in kinds:
        assert state.decision_approved is True
    if state.decision_approved is False:
        # A refused application: no certificate, and nothing owed or received after it.
        decided = kinds.index(K.DECIDED)
        assert K.CERTIFICATE_MADE not in kinds
        assert K.SUPPLEMENT_RECEIVED not in kinds[decided:]
        assert not state.outstanding_rongque
        assert state.decision_reasons
        assert state.decision_relief
    if state.status is CaseStatus.DECIDED_REFUSED:
        assert state.decision_reasons
        assert state.decision_relief
    if state.status is CaseStatus.REFUSED:
        assert state.refusal_reasons
    if state.rating is not None and state.rating.level <= 2:
        assert state.rating.reasons
    # 差评回访整改: only after a bad rating, nothing after the closing step.
    follow_ups = [i for i, k in enumerate(kinds) if k is K.RATING_FOLLOWED_UP]
    if follow_ups:
        assert state.rating is not None
        assert state.rating.is_bad
        assert kinds.index(K.RATED) < follow_ups[0]
    assert len(state.followups) == len(follow_ups)
    closing = [f for f in state.followups if f.action is p.FollowupAction.CLOSED]
    assert len(closing) <= 1
    assert state.followup_closed == bool(closing)
    if closing:
        assert state.followups[-1] == closing[0]
        assert K.RATING_FOLLOWED_UP not in allowed_next(state)
    if state.status is CaseStatus.WITHDRAWN:
        assert K.DECIDED not in kinds
    assert state.supplemented <= {
        i.material_id for i in (*state.rongque_items, *state.notice_items)
    }


class CaseMachine(RuleBasedStateMachine):
    """Fires random events at one case; only legal ones may change it."""

    def __init__(self) -> None:
        super().__init__()
        self.state: CaseState | None = None
        self.recorded: list[CaseEvent] = []
        self.first_handler: str | None = None
        self.legal = 0

    @initialize(data=st.data())
    def start(self, data: st.DataObject) -> None:
        # Most runs start from a receipt; the rest start empty and must find an opening event.
        if data.draw(st.booleans(), label="open with receipt"):
            self._try(event(K.RECEIVED, data.draw(good_payload(K.RECEIVED, None))))

    @rule(data=st.data(), actor=st.sampled_from(["clerk-li", "clerk-wu", "backoffice-wang"]))
    def fire(self, data: st.DataObject, actor: str) -> None:
        kind = data.draw(st.sampled_from(list(EventKind)), label="kind")
        payload = data.draw(payload_for(kind, self.state), label="payload")
        self._try(event(kind, payload, actor=actor))

    @precondition(lambda self: self.state is not None)
    @rule(data=st.data())
    def fire_a_legal_kind(self, data: st.DataObject) -> None:
        # Steer towards the allowed actions, the way the UI only offers those.
        kind = data.draw(next_kind(self.state), label="kind")
        self._try(event(kind, data.draw(good_payload(kind, self.state), label="payload")))

    @precondition(lambda self: bool(self.recorded))
    @rule(data=st.data())
    def replay_a_recorded_event(self, data: st.DataObject) -> None:
        again = data.draw(st.sampled_from(self.recorded), label="replayed")
        with pytest.raises(IllegalTransition) as info:
            apply(self.state, again)
        assert info.value.user_message == "该操作已记录，不能重复记录"

    @precondition(lambda self: self.state is not None)
    @rule()
    def event_of_another_case(self) -> None:
        stranger = event(K.RATED, p.Rated(5).to_payload(), case_id=uuid.uuid4())
        with pytest.raises(IllegalTransition):
            apply(self.state, stranger)

    def _try(self, ev: CaseEvent) -> None:
        before = self.state
        allowed = allowed_next(before)
        try:
            after = apply(before, ev)
        except IllegalTransition:
            return  # the state is immutable and self.state was not replaced
        except p.InvalidPayload:
            # A malformed payload of an allowed kind: reported, nothing recorded.
            assert ev.kind in allowed or (_beside(ev.kind) and before is not None)
            return
        if ev.kind.is_attachment:
            # An attachment is kept on any case and moves nothing but the attachments.
            assert before is not None
            assert after.attachments == (*before.attachments, ev)
            assert replace(after, attachments=(), event_count=0) == replace(
                before, attachments=(), event_count=0
            )
        elif ev.kind.is_audit:
            # An access record is accepted on any case and moves nothing but the access log.
            assert before is not None
            assert after.event_count == before.event_count + 1
            assert after.access_log == (*before.access_log, ev)
            assert replace(after, access_log=(), event_count=0) == replace(
                before, access_log=(), event_count=0
            )
        else:
            assert ev.kind in allowed, f"{ev.kind} applied though not offered"
        if before is not None and not _beside(ev.kind):
            assert after.event_count == before.event_count + 1
            assert after.timeline[:-1] == before.timeline
        self.state = after
        self.recorded.append(ev)
        self.legal += 1
        if self.first_handler is None:
            self.first_handler = after.first_handler

    @invariant()
    def rules_hold(self) -> None:
        if self.state is None:
            assert not self.recorded
            return
        check_invariants(self.state)
        assert self.state.first_handler == self.first_handler
        assert project(self.recorded) == self.state


CaseMachine.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestCaseMachine = CaseMachine.TestCase


@st.composite
def event_sequences(draw: st.DrawFn) -> list[CaseEvent]:
    """Mostly legal walks, with the odd random event thrown in."""
    events: list[CaseEvent] = []
    state: CaseState | None = None
    for _ in range(draw(st.integers(1, 15))):
        kind = draw(next_kind(state))
        ev = event(kind, draw(payload_for(kind, state)))
        events.append(ev)
        with contextlib.suppress(DomainError):
            state = apply(state, ev)
    return events


@settings(max_examples=150, deadline=None)
@given(event_sequences())
def test_project_equals_folding_apply(events: list[CaseEvent]) -> None:
    fold_error: DomainError | None = None
    folded: CaseState | None = None
    try:
        folded = reduce(apply, events, None)
    except DomainError as error:
        fold_error = error
    if fold_error is not None:
        with pytest.raises(type(fold_error)) as info:
            project(events)
        assert str(info.value) == str(fold_error)
        return
    assert folded is not None
    assert project(events) == folded
    assert project(iter(events)) == folded
    check_invariants(folded)


def _final_state(events: list[CaseEvent]) -> CaseState | None:
    state: CaseState | None = None
    for ev in events:
        with contextlib.suppress(DomainError):
            state = apply(state, ev)
    return state


def _served_refusal(events: list[CaseEvent]) -> bool:
    state = _final_state(events)
    return (
        state is not None
        and state.status is CaseStatus.DELIVERED
        and state.decision_approved is False
    )


def test_random_walks_reach_a_refusal_decision_served_on_the_applicant() -> None:
    # Without this the invariants above could hold only because no walk ever got there.
    walk = find(
        event_sequences(),
        _served_refusal,
        settings=settings(max_examples=2000, deadline=None, database=None, phases=[Phase.generate]),
    )
    state = _final_state(walk)
    assert state is not None
    check_invariants(state)
    kinds = [e.kind for e in state.timeline]
    assert kinds.index(K.DECIDED) < kinds.index(K.HANDED_TO_DELIVERY) < kinds.index(K.DELIVERED)
