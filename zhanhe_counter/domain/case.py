"""The case state machine (办件状态机): a case's state is a fold of its events.

``apply`` is the only place that knows which event may follow which; ``allowed_next`` answers
the same question for the UI, and ``apply`` uses it, so the two can never disagree. Both are
pure: no clock, no I/O. Time comes from the events themselves.

Flows (Art. 15): a case opens with RECEIVED (or CONSULTED for a consultation-only log). From
there it may be taken in with 容缺 (only right after receipt), sent to the back office for the
20-minute answer, get its one one-time notice, be accepted or refused; once accepted it may be
inspected and decided; an approval may get a certificate and is handed to the delivery window,
then delivered by pickup or express. A refusal decision (不予许可决定书) is served the same way
(行政许可法第三十八条: in writing, with the relief rights), without a certificate; once refused,
no 容缺 material is owed any more. It may be withdrawn before the decision and rated once.
A bad rating (差评, level 1–2) is followed up (回访, 整改) in any status, as often as needed,
until a ``closed`` step (办结); nothing follows it up after that. The service (送达) of each
notice and decision the case issued is recorded in any status, once per document (a mailing
twice: dispatched, then signed for; ``domain.notice_service``); it does not move the case.

Audit events (查阅记录: viewed, printed, reprinted, ID revealed, exported) may follow in every
state, closed cases included, and change nothing but the case's ``access_log``: not the status,
not a deadline, not the timeline the rules read. Attachments (材料影像) likewise follow in every
state and change only the case's ``attachments``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.applicant import Applicant
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import ATTACHMENT_KINDS, AUDIT_KINDS, CaseEvent, EventKind
from zhanhe_counter.domain.notice_service import (
    ServiceRecord,
    service_problem,
    unserved,
    with_service,
)


class CaseStatus(StrEnum):
    """办件状态. Values are stable English words; ``label`` is what the clerk reads."""

    CONSULTED = "consulted"
    RECEIVED = "received"  # waiting for (back-office) acceptance
    PENDING_BACKOFFICE = "pending_backoffice"  # 当场受理 at an unauthorised window: 20 minutes
    RONGQUE_RECEIVED = "rongque_received"  # 容缺 items outstanding, waiting for acceptance
    NOTIFIED = "notified"  # one-time notice issued, waiting for the supplement
    ACCEPTED = "accepted"
    REFUSED = "refused"  # 不予受理
    UNDER_REVIEW = "under_review"  # inspected at least once, no decision yet
    DECIDED_APPROVED = "decided_approved"
    DECIDED_REFUSED = "decided_refused"
    CERTIFICATE_MADE = "certificate_made"
    READY_FOR_DELIVERY = "ready_for_delivery"
    DELIVERED = "delivered"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def is_final(self) -> bool:
        """Nothing but a rating (and the follow-up of a bad one) may follow."""
        return self in _FINAL


_STATUS_LABELS = {
    CaseStatus.CONSULTED: "咨询",
    CaseStatus.RECEIVED: "已收件",
    CaseStatus.PENDING_BACKOFFICE: "待后台答复",
    CaseStatus.RONGQUE_RECEIVED: "容缺收件",
    CaseStatus.NOTIFIED: "待补正",
    CaseStatus.ACCEPTED: "已受理",
    CaseStatus.REFUSED: "不予受理",
    CaseStatus.UNDER_REVIEW: "审查中",
    CaseStatus.DECIDED_APPROVED: "准予办理",
    CaseStatus.DECIDED_REFUSED: "不予办理",
    CaseStatus.CERTIFICATE_MADE: "已制证",
    CaseStatus.READY_FOR_DELIVERY: "待出件",
    CaseStatus.DELIVERED: "已出件",
    CaseStatus.WITHDRAWN: "已撤回",
}

_FINAL = frozenset(
    {
        CaseStatus.CONSULTED,
        CaseStatus.REFUSED,
        CaseStatus.DELIVERED,
        CaseStatus.WITHDRAWN,
    }
)
_AWAITING_ACCEPTANCE = frozenset(
    {
        CaseStatus.RECEIVED,
        CaseStatus.PENDING_BACKOFFICE,
        CaseStatus.RONGQUE_RECEIVED,
        CaseStatus.NOTIFIED,
    }
)
_BEFORE_DECISION = _AWAITING_ACCEPTANCE | {CaseStatus.ACCEPTED, CaseStatus.UNDER_REVIEW}
_BEFORE_DELIVERY = _BEFORE_DECISION | {
    CaseStatus.DECIDED_APPROVED,
    CaseStatus.CERTIFICATE_MADE,
    CaseStatus.READY_FOR_DELIVERY,
}

# Statuses each kind may follow. Opening kinds, RATED, RATING_FOLLOWED_UP and the once-only
# guards are handled in ``allowed_next``.
_SOURCES: Mapping[EventKind, frozenset[CaseStatus]] = {
    EventKind.RONGQUE_PLEDGED: frozenset({CaseStatus.RECEIVED}),
    EventKind.NOTIFIED_ONCE: frozenset(
        {CaseStatus.RECEIVED, CaseStatus.PENDING_BACKOFFICE, CaseStatus.RONGQUE_RECEIVED}
    ),
    EventKind.BACKOFFICE_REQUESTED: frozenset({CaseStatus.RECEIVED, CaseStatus.RONGQUE_RECEIVED}),
    # NOTIFIED is not here: acceptance waits until every noticed item is supplemented, which
    # moves the case back to RECEIVED or RONGQUE_RECEIVED.
    EventKind.ACCEPTED: frozenset(
        {CaseStatus.RECEIVED, CaseStatus.PENDING_BACKOFFICE, CaseStatus.RONGQUE_RECEIVED}
    ),
    EventKind.REFUSED: _AWAITING_ACCEPTANCE,
    EventKind.SUPPLEMENT_RECEIVED: _BEFORE_DELIVERY,
    EventKind.INSPECTED: frozenset({CaseStatus.ACCEPTED, CaseStatus.UNDER_REVIEW}),
    EventKind.DECIDED: frozenset({CaseStatus.ACCEPTED, CaseStatus.UNDER_REVIEW}),
    EventKind.CERTIFICATE_MADE: frozenset({CaseStatus.DECIDED_APPROVED}),
    # An approval without a certificate (a 证明, a registration) goes straight to delivery; a
    # refusal decision goes there too, to be served on the applicant (送达).
    EventKind.HANDED_TO_DELIVERY: frozenset(
        {CaseStatus.DECIDED_APPROVED, CaseStatus.CERTIFICATE_MADE, CaseStatus.DECIDED_REFUSED}
    ),
    EventKind.DELIVERED: frozenset({CaseStatus.READY_FOR_DELIVERY}),
    EventKind.WITHDRAWN: _BEFORE_DECISION,
}
_OPENING = frozenset({EventKind.CONSULTED, EventKind.RECEIVED})


class IllegalTransition(DomainError):
    """An event that may not happen to the case now (不允许的办件操作)."""

    def __init__(
        self,
        message: str,
        user_message: str,
        *,
        case_id: UUID,
        status: CaseStatus | None,
        kind: EventKind,
    ) -> None:
        super().__init__(message, user_message)
        self.case_id = case_id
        self.status = status
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Followup:
    """回访整改记录: one step taken on the case's bad rating."""

    event_id: UUID
    action: p.FollowupAction
    note: str
    actor: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CaseState:
    """办件 as its events say it is now."""

    case_id: UUID
    status: CaseStatus
    first_handler: str | None  # 首办负责人: the actor of RECEIVED, never changes
    station_id: str  # the station that opened the case
    opened_at: datetime
    case_number: str | None = None  # 受理编号; a consultation has none
    matter_id: str | None = None
    flow: p.ServiceFlow | None = None
    applicant_name: str | None = None  # the applicant's display name, for lists and searches
    applicant: Applicant | None = None  # who applied (a consultation has no applicant)
    received_materials: tuple[p.MaterialItem, ...] = ()
    promised_due: date | None = None  # 承诺办结日期, replaced by the one given at acceptance
    received_at: datetime | None = None
    accepted_at: datetime | None = None
    deemed_accepted: bool = False  # Art. 32(4): no one-time notice in time
    decided_at: datetime | None = None
    delivered_at: datetime | None = None
    rongque_items: tuple[p.MaterialItem, ...] = ()
    rongque_due: date | None = None
    notice_issued: bool = False
    notice_items: tuple[p.MaterialItem, ...] = ()
    notice_due: date | None = None
    answer_due: datetime | None = None  # of the latest back-office request (20-minute answer)
    backoffice_department: str | None = None
    supplemented: frozenset[str] = frozenset()  # material ids received later (补正/容缺)
    supplement_completed_at: datetime | None = None  # when the last noticed item arrived
    refusal_reasons: tuple[str, ...] = ()  # 不予受理
    refusal_basis: str | None = None
    refusal_competent_office: str | None = None
    refusal_relief: str | None = None
    inspections: int = 0
    decision_approved: bool | None = None
    decision_reasons: tuple[str, ...] = ()
    decision_basis: str | None = None
    decision_relief: str | None = None
    certificate_name: str | None = None
    certificate_number: str | None = None
    collect_at_delivery: tuple[str, ...] = ()
    delivery: p.Delivered | None = None
    rating: p.Rated | None = None
    followups: tuple[Followup, ...] = ()  # steps on a bad rating, in the order taken
    followup_closed: bool = False  # a ``closed`` step ended the follow-up
    withdrawal_reason: str | None = None
    services: tuple[ServiceRecord, ...] = ()  # 送达记录 of its notices and decisions
    last_event_at: datetime | None = None  # of the last step; an audit event is no step
    event_count: int = 0  # every event, audit events included
    timeline: tuple[CaseEvent, ...] = ()  # the steps of the case, without audit events
    access_log: tuple[CaseEvent, ...] = ()  # 查阅记录: the audit events, in order
    attachments: tuple[CaseEvent, ...] = ()  # 材料影像: the attachment events, in order

    @property
    def outstanding_rongque(self) -> tuple[p.MaterialItem, ...]:
        """容缺 items not yet supplied; a refused application owes none."""
        if self.decision_approved is False:
            return ()
        return tuple(i for i in self.rongque_items if i.material_id not in self.supplemented)

    @property
    def outstanding_notice(self) -> tuple[p.MaterialItem, ...]:
        """One-time-notice items not yet supplied."""
        return tuple(i for i in self.notice_items if i.material_id not in self.supplemented)


def allowed_next(state: CaseState | None) -> frozenset[EventKind]:
    """The steps that may follow ``state`` (with a well-formed payload).

    Audit kinds are not steps: ``apply`` accepts them on any existing case (``may_record``)."""
    if state is None:
        return _OPENING
    allowed = {kind for kind, sources in _SOURCES.items() if state.status in sources}
    if state.rating is None:
        allowed.add(EventKind.RATED)
    elif state.rating.is_bad and not state.followup_closed:
        allowed.add(EventKind.RATING_FOLLOWED_UP)
    if state.notice_issued:
        allowed.discard(EventKind.NOTIFIED_ONCE)
    if state.timeline[-1].kind is not EventKind.RECEIVED:
        allowed.discard(EventKind.RONGQUE_PLEDGED)
    if not (state.outstanding_rongque or state.outstanding_notice):
        allowed.discard(EventKind.SUPPLEMENT_RECEIVED)
    if unserved(state):  # in any status: a refusal or a delivered decision is served too
        allowed.add(EventKind.NOTICE_SERVED)
    return frozenset(allowed)


def may_record(state: CaseState | None, kind: EventKind) -> bool:
    """Whether an event of ``kind`` may be recorded now: a step ``allowed_next`` offers, or an
    audit event on a case that exists (also a closed one)."""
    if kind in AUDIT_KINDS or kind in ATTACHMENT_KINDS:
        return state is not None
    return kind in allowed_next(state)


def apply(state: CaseState | None, event: CaseEvent) -> CaseState:
    """The state after ``event``; raises ``IllegalTransition`` or ``InvalidPayload``, never
    returning a state the rules forbid. ``state`` is None for the first event of a case."""
    status = state.status if state else None
    if state is not None:
        if event.case_id != state.case_id:
            raise IllegalTransition(
                f"event {event.event_id} belongs to case {event.case_id}, not {state.case_id}",
                "该记录不属于此办件",
                case_id=state.case_id,
                status=status,
                kind=event.kind,
            )
        recorded = (*state.timeline, *state.access_log, *state.attachments)
        if any(e.event_id == event.event_id for e in recorded):
            raise IllegalTransition(
                f"case {state.case_id}: event {event.event_id} is already recorded",
                "该操作已记录，不能重复记录",
                case_id=state.case_id,
                status=status,
                kind=event.kind,
            )
    if not may_record(state, event.kind):
        raise _refusal(state, event)
    record = p.record_of(event)
    if state is not None and event.kind.is_audit:
        return replace(
            state,
            event_count=state.event_count + 1,
            access_log=(*state.access_log, event),
        )
    if state is not None and event.kind.is_attachment:
        return replace(
            state,
            event_count=state.event_count + 1,
            attachments=(*state.attachments, event),
        )
    if state is None:
        return _open(event, record)
    new = _TRANSITIONS[event.kind](state, record, event)
    return replace(
        new,
        last_event_at=event.occurred_at,
        event_count=new.event_count + 1,
        timeline=(*new.timeline, event),
    )


def project(events: Iterable[CaseEvent]) -> CaseState:
    """Fold a case's events, in order, into its state. The first must open the case."""
    state: CaseState | None = None
    for event in events:
        state = apply(state, event)
    if state is None:
        raise DomainError("cannot project a case from no events", "没有该办件的记录")
    return state


# ----------------------------------------------------------------------------- refusals


def _refusal(state: CaseState | None, event: CaseEvent) -> IllegalTransition:
    kind = event.kind
    if state is None:
        return IllegalTransition(
            f"case {event.case_id}: first event is {kind}, expected received or consulted",
            "办件须从收件或咨询登记开始",
            case_id=event.case_id,
            status=None,
            kind=kind,
        )
    log = f"case {state.case_id}: {kind} not allowed in status {state.status}"
    if kind is EventKind.NOTIFIED_ONCE and state.notice_issued:
        user = "一次性告知只能出具一次"
    elif kind is EventKind.RATED:
        user = "该办件已评价，不能重复评价"
    elif kind is EventKind.RATING_FOLLOWED_UP:
        if state.rating is None:
            user = "该办件尚未评价，不能回访整改"
        elif not state.rating.is_bad:
            user = "该办件不是差评，无需回访整改"
        else:
            user = "该差评已办结，不能再回访整改"
    elif kind is EventKind.RONGQUE_PLEDGED and state.status is CaseStatus.RECEIVED:
        user = "容缺收件只能在收件时办理"
    elif kind is EventKind.SUPPLEMENT_RECEIVED and state.status in _BEFORE_DELIVERY:
        user = "该办件没有待补正的材料"
    elif kind is EventKind.NOTICE_SERVED:
        user = "该办件没有待送达的文书"
    else:
        again = "再次" if any(e.kind is kind for e in state.timeline) else ""
        user = f"办件{state.status.label}，不能{again}{kind.action_label}"
    return IllegalTransition(log, user, case_id=state.case_id, status=state.status, kind=kind)


# ----------------------------------------------------------------------------- transitions


def _open(event: CaseEvent, record: p.EventRecord) -> CaseState:
    """The state after the case's first event, built whole: one construction, not a second
    ``replace`` (every new case is opened here, inside its write transaction)."""
    if isinstance(record, p.Consulted):
        return CaseState(
            case_id=event.case_id,
            status=CaseStatus.CONSULTED,
            first_handler=None,
            station_id=event.station_id,
            opened_at=event.occurred_at,
            matter_id=record.matter_id,
            last_event_at=event.occurred_at,
            event_count=1,
            timeline=(event,),
        )
    assert isinstance(record, p.Received)  # ``may_record`` lets only the two opening kinds here
    return CaseState(
        case_id=event.case_id,
        status=CaseStatus.RECEIVED,
        first_handler=event.actor,
        station_id=event.station_id,
        opened_at=event.occurred_at,
        case_number=record.case_number,
        matter_id=record.matter_id,
        flow=record.flow,
        applicant_name=record.applicant.display_name,
        applicant=record.applicant,
        received_materials=record.materials,
        promised_due=record.promised_due,
        received_at=event.occurred_at,
        last_event_at=event.occurred_at,
        event_count=1,
        timeline=(event,),
    )


def _rongque(state: CaseState, data: p.RongquePledged, event: CaseEvent) -> CaseState:
    return replace(
        state,
        status=CaseStatus.RONGQUE_RECEIVED,
        rongque_items=data.items,
        rongque_due=data.deadline,
    )


def _notice(state: CaseState, data: p.NotifiedOnce, event: CaseEvent) -> CaseState:
    return replace(
        state,
        status=CaseStatus.NOTIFIED,
        notice_issued=True,
        notice_items=data.items,
        notice_due=data.deadline,
    )


def _backoffice(state: CaseState, data: p.BackofficeRequested, event: CaseEvent) -> CaseState:
    return replace(
        state,
        status=CaseStatus.PENDING_BACKOFFICE,
        answer_due=data.answer_due,
        backoffice_department=data.department,
    )


def _accepted(state: CaseState, data: p.Accepted, event: CaseEvent) -> CaseState:
    return replace(
        state,
        status=CaseStatus.ACCEPTED,
        accepted_at=event.occurred_at,
        deemed_accepted=data.deemed,
        promised_due=data.promised_due or state.promised_due,
    )


def _refused(state: CaseState, data: p.Refused, event: CaseEvent) -> CaseState:
    return replace(
        state,
        status=CaseStatus.REFUSED,
        refusal_reasons=data.reasons,
        refusal_basis=data.basis,
        refusal_competent_office=data.competent_office,
        refusal_relief=data.relief,
    )


def _supplement(state: CaseState, data: p.SupplementReceived, event: CaseEvent) -> CaseState:
    outstanding = {i.material_id for i in (*state.outstanding_rongque, *state.outstanding_notice)}
    unknown = [m for m in data.material_ids if m not in outstanding]
    if unknown:
        raise IllegalTransition(
            f"case {state.case_id}: supplement for {unknown} which is not outstanding",
            f"材料“{unknown[0]}”不在待补正材料中",
            case_id=state.case_id,
            status=state.status,
            kind=event.kind,
        )
    new = replace(state, supplemented=state.supplemented | set(data.material_ids))
    if state.outstanding_notice and not new.outstanding_notice:
        new = replace(new, supplement_completed_at=event.occurred_at)
    # Before acceptance the status says what the case waits for; afterwards it stays put.
    if state.status in (CaseStatus.NOTIFIED, CaseStatus.RONGQUE_RECEIVED):
        if new.outstanding_notice:
            waiting = CaseStatus.NOTIFIED
        elif new.outstanding_rongque:
            waiting = CaseStatus.RONGQUE_RECEIVED
        else:
            waiting = CaseStatus.RECEIVED
        new = replace(new, status=waiting)
    return new


def _inspected(state: CaseState, data: p.Inspected, event: CaseEvent) -> CaseState:
    return replace(state, status=CaseStatus.UNDER_REVIEW, inspections=state.inspections + 1)


def _decided(state: CaseState, data: p.Decided, event: CaseEvent) -> CaseState:
    return replace(
        state,
        status=CaseStatus.DECIDED_APPROVED if data.approved else CaseStatus.DECIDED_REFUSED,
        decided_at=event.occurred_at,
        decision_approved=data.approved,
        decision_reasons=data.reasons,
        decision_basis=data.basis,
        decision_relief=data.relief,
    )


def _certificate(state: CaseState, data: p.CertificateMade, event: CaseEvent) -> CaseState:
    return replace(
        state,
        status=CaseStatus.CERTIFICATE_MADE,
        certificate_name=data.certificate_name,
        certificate_number=data.certificate_number,
    )


def _handover(state: CaseState, data: p.HandedToDelivery, event: CaseEvent) -> CaseState:
    return replace(
        state, status=CaseStatus.READY_FOR_DELIVERY, collect_at_delivery=data.collect_at_delivery
    )


def _delivered(state: CaseState, data: p.Delivered, event: CaseEvent) -> CaseState:
    return replace(
        state, status=CaseStatus.DELIVERED, delivered_at=event.occurred_at, delivery=data
    )


def _rated(state: CaseState, data: p.Rated, event: CaseEvent) -> CaseState:
    return replace(state, rating=data)


def _followed_up(state: CaseState, data: p.RatingFollowedUp, event: CaseEvent) -> CaseState:
    step = Followup(event.event_id, data.action, data.note, event.actor, event.occurred_at)
    return replace(
        state,
        followups=(*state.followups, step),
        followup_closed=data.action is p.FollowupAction.CLOSED,
    )


def _withdrawn(state: CaseState, data: p.Withdrawn, event: CaseEvent) -> CaseState:
    return replace(state, status=CaseStatus.WITHDRAWN, withdrawal_reason=data.reason)


def _served(state: CaseState, data: p.NoticeServed, event: CaseEvent) -> CaseState:
    problem = service_problem(state, data)
    if problem is not None:
        raise IllegalTransition(
            f"case {state.case_id}: service of {data.document} refused: {problem}",
            problem,
            case_id=state.case_id,
            status=state.status,
            kind=event.kind,
        )
    services = with_service(state.services, data, event.event_id, event.occurred_at, event.actor)
    return replace(state, services=services)


# Each transition takes the record of its own kind (``record_of`` reads by the event's kind).
_TRANSITIONS: Mapping[EventKind, Callable[[CaseState, Any, CaseEvent], CaseState]] = {
    EventKind.RONGQUE_PLEDGED: _rongque,
    EventKind.NOTIFIED_ONCE: _notice,
    EventKind.BACKOFFICE_REQUESTED: _backoffice,
    EventKind.ACCEPTED: _accepted,
    EventKind.REFUSED: _refused,
    EventKind.SUPPLEMENT_RECEIVED: _supplement,
    EventKind.INSPECTED: _inspected,
    EventKind.DECIDED: _decided,
    EventKind.CERTIFICATE_MADE: _certificate,
    EventKind.HANDED_TO_DELIVERY: _handover,
    EventKind.DELIVERED: _delivered,
    EventKind.RATED: _rated,
    EventKind.RATING_FOLLOWED_UP: _followed_up,
    EventKind.WITHDRAWN: _withdrawn,
    EventKind.NOTICE_SERVED: _served,
}
