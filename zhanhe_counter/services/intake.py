"""Intake at the counter (窗口收件): from the checked materials to a committed, numbered case.

The clerk's one flow: who (applicant), what (matter), the checklist, then the outcome the domain
decides. ``IntakeService.preview`` evaluates live while rows are ticked; ``commit`` writes the
case — number and every opening event in one transaction — and only then says which documents to
print (``paperwork.documents_for``). Ids are made when the intake starts (``start``) and reused on
every retry, so a double click or a retry after a lost answer never makes a second case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from uuid6 import uuid7

from zhanhe_counter.domain.case import CaseState, project
from zhanhe_counter.domain.case_number import CaseNumberKind, make_case_number
from zhanhe_counter.domain.checklist import (
    ApplicantSituation,
    ChecklistResult,
    MaterialRecord,
    MissingItem,
    Outcome,
    RecordState,
    applicable_materials,
    evaluate,
)
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import CaseEvent, EventDraft, EventKind
from zhanhe_counter.domain.identity import check_id
from zhanhe_counter.domain.masking import mask_id_number
from zhanhe_counter.domain.matters import Catalogue, Matter, WindowFlow
from zhanhe_counter.domain.payloads import (
    DeliveryMode,
    MaterialItem,
    Payload,
    ServiceFlow,
    accepted_payload,
    backoffice_requested_payload,
    certificate_made_payload,
    consulted_payload,
    decided_payload,
    delivered_payload,
    handed_to_delivery_payload,
    notified_once_payload,
    received_payload,
    rongque_pledged_payload,
)
from zhanhe_counter.domain.windows import HallDirectory
from zhanhe_counter.domain.workdays import WorkCalendar
from zhanhe_counter.services.offline_limits import IntakeVerdict
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.storage import EventStore
from zhanhe_counter.services.station import Staff, StationIdentity

#: Back-office answer for 当场受理 at a window not authorised to accept (办法第十五条第二项).
BACKOFFICE_ANSWER_MINUTES = 20

#: Events one intake may write; ids for all of them are made when the intake starts.
_MAX_OPENING_EVENTS = 8

_FLOW_OF = {
    WindowFlow.COMPLETE_ON_SPOT: ServiceFlow.COMPLETE_ON_SPOT,
    WindowFlow.ACCEPT_ON_SPOT: ServiceFlow.ACCEPT_ON_SPOT,
    WindowFlow.RECEIVE_ON_SPOT: ServiceFlow.RECEIVE_ONLY,
}


class IntakeRefused(DomainError):
    """The intake cannot be committed as it stands (无法收件): the message says what to fix."""


@dataclass(frozen=True, slots=True)
class Person:
    """A natural person's identity as checked at the counter (自然人身份)."""

    name: str
    id_type: str = "居民身份证"
    id_number: str = ""
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class Applicant:
    """申请人: a natural person, or an organisation with its 统一社会信用代码; maybe an agent."""

    person: Person
    organisation: str | None = None
    uscc: str | None = None
    agent: Person | None = None  # 委托代理人

    @property
    def display_name(self) -> str:
        return self.organisation or self.person.name

    def to_payload(self) -> dict[str, str | None]:
        """The applicant as stored in the RECEIVED event (full numbers: the case record)."""
        data: dict[str, str | None] = {
            "name": self.display_name,
            "person_name": self.person.name,
            "id_type": "统一社会信用代码" if self.organisation else self.person.id_type,
            "id_number": self.uscc if self.organisation else self.person.id_number,
            "person_id_type": self.person.id_type,
            "person_id_number": self.person.id_number,
            "phone": self.person.phone,
            "address": self.person.address,
        }
        if self.agent:
            data |= {
                "agent_name": self.agent.name,
                "agent_id_type": self.agent.id_type,
                "agent_id_number": self.agent.id_number,
                "agent_phone": self.agent.phone,
            }
        return data


@dataclass(frozen=True, slots=True)
class IntakeAction:
    """The ids of one intake, made when the clerk starts it and kept across retries."""

    case_id: UUID
    event_ids: tuple[UUID, ...]


@dataclass(frozen=True, slots=True)
class IntakeRequest:
    """What the clerk has entered (收件信息)."""

    action: IntakeAction
    matter_id: str
    applicant: Applicant
    records: Mapping[str, MaterialRecord]
    clerk: Staff
    situation: ApplicantSituation = field(default_factory=ApplicantSituation)


@dataclass(frozen=True, slots=True)
class CommittedIntake:
    """The result of a committed intake: the stored case and what the domain decided."""

    case: CaseState
    events: tuple[CaseEvent, ...]
    result: ChecklistResult
    matter: Matter


def new_action() -> IntakeAction:
    """Ids for one intake, made when it starts (UUIDv7: time-ordered, unique across stations)."""
    return IntakeAction(
        case_id=uuid7(), event_ids=tuple(uuid7() for _ in range(_MAX_OPENING_EVENTS))
    )


class IntakeService:
    """收件服务: preview the outcome, then commit the case."""

    def __init__(
        self,
        *,
        catalogue: Catalogue,
        directory: HallDirectory,
        station: StationIdentity,
        calendar: WorkCalendar,
        store: EventStore,
        clock: Clock,
        gate: Callable[[], IntakeVerdict] | None = None,
    ) -> None:
        #: The offline limits (离线限制): asked before every new case; None = no limits.
        self._gate = gate
        self.catalogue = catalogue
        self.directory = directory
        self.station = station
        self.calendar = calendar
        self._store = store
        self._clock = clock

    # ------------------------------------------------------------------ the checklist, live

    def preview(self, request: IntakeRequest) -> ChecklistResult:
        """The outcome the checklist implies right now; nothing is written."""
        matter = self.catalogue.matter(request.matter_id)
        return self._evaluate(matter, request, self._clock.now().date())

    def _evaluate(self, matter: Matter, request: IntakeRequest, today: date) -> ChecklistResult:
        return evaluate(
            matter,
            self.station.window,
            request.situation,
            request.records,
            received_on=today,
            calendar=self.calendar,
            directory=self.directory,
        )

    # ------------------------------------------------------------------ commit

    def commit(self, request: IntakeRequest) -> CommittedIntake:
        """Store the case (number and opening events in one transaction) and return it.

        Raises ``IntakeRefused`` for a matter this window does not handle or an applicant whose
        identity number fails its check; nothing is written then.
        """
        matter = self.catalogue.matter(request.matter_id)
        now = self._clock.now()
        result = self._evaluate(matter, request, now.date())
        if result.outcome is Outcome.NOT_HANDLED:
            raise IntakeRefused(
                f"matter {matter.id} not handled at window {self.station.window.id}",
                result.refusal_message or "本窗口不办理该事项。",
            )
        self._check_identity(request.applicant, now.date())
        self._check_gate(request)
        number_kind = _number_kind(result)
        action = request.action

        def build(seq: int) -> list[EventDraft]:
            number = make_case_number(self.station.station_code, number_kind, now.date(), seq)
            return self._opening_events(matter, request, result, number, now)

        events = self._store.record_numbered_batch(
            action.event_ids[0], self.station.station_code, number_kind.value, now.date(), build
        )
        return CommittedIntake(
            case=project(self._store.events_for_case(action.case_id)),
            events=tuple(events),
            result=result,
            matter=matter,
        )

    def consult(
        self, action: IntakeAction, clerk: Staff, *, matter_id: str | None, question: str | None
    ) -> CaseState:
        """咨询登记: a consultation only, logged in two keystrokes; it counts in the tallies."""
        now = self._clock.now()
        draft = EventDraft(
            event_id=action.event_ids[0],
            case_id=action.case_id,
            kind=EventKind.CONSULTED,
            station_id=self.station.station_id,
            actor=clerk.staff_id,
            occurred_at=now,
            payload=consulted_payload(matter_id=matter_id, question=question),
        )
        self._store.append(draft)
        return project(self._store.events_for_case(action.case_id))

    # ------------------------------------------------------------------ helpers

    def _check_gate(self, request: IntakeRequest) -> None:
        if self._gate is None:
            return
        verdict = self._gate()
        if verdict.intake_allowed:
            return
        if self._store.events_for_case(request.action.case_id):
            return  # a retry of a case already saved: finishing it adds nothing new
        raise IntakeRefused(
            "offline limits reached: new intake stopped",
            "本机离线时间过长或待上传记录过多，已暂停新收件："
            + "；".join(verdict.reasons)
            + " 请先连接网络同步（同步栏“立即同步”），或联系管理员。",
        )

    def _check_identity(self, applicant: Applicant, today: date) -> None:
        people = [applicant.person] + ([applicant.agent] if applicant.agent else [])
        for person in people:
            if person.id_type != "居民身份证" or not person.id_number:
                continue
            check = check_id(person.id_number, today=today)
            if not check.valid:
                raise IntakeRefused(
                    f"identity number {mask_id_number(person.id_number)} failed its check",
                    f"{person.name} 的证件号码有误：{'；'.join(check.problems)}",
                )
        if applicant.organisation and applicant.uscc:
            check = check_id(applicant.uscc, today=today)
            if not check.valid:
                raise IntakeRefused(
                    "USCC failed its check", f"统一社会信用代码有误：{'；'.join(check.problems)}"
                )

    def _opening_events(
        self,
        matter: Matter,
        request: IntakeRequest,
        result: ChecklistResult,
        case_number: str,
        now: datetime,
    ) -> list[EventDraft]:
        ids = iter(request.action.event_ids)
        drafts: list[EventDraft] = []

        def add(kind: EventKind, payload: Payload) -> None:
            drafts.append(
                EventDraft(
                    event_id=next(ids),
                    case_id=request.action.case_id,
                    kind=kind,
                    station_id=self.station.station_id,
                    actor=request.clerk.staff_id,
                    occurred_at=now,
                    payload=payload,
                )
            )

        flow = _FLOW_OF[result.flow] if result.flow else ServiceFlow.RECEIVE_ONLY
        # An application sent back with a one-time notice has no promised date yet: the limit
        # runs from acceptance, after the supplement (docs/domain.md, Clock rules).
        promised = (
            None if result.outcome is Outcome.INCOMPLETE else self._promised_due(matter, now.date())
        )
        add(
            EventKind.RECEIVED,
            received_payload(
                case_number=case_number,
                matter_id=matter.id,
                applicant=request.applicant.to_payload(),
                materials=_received_items(matter, request),
                flow=flow,
                promised_due=promised,
            ),
        )
        if result.outcome is Outcome.INCOMPLETE:
            add(
                EventKind.NOTIFIED_ONCE,
                notified_once_payload(
                    items=[_item(m) for m in result.missing],
                    deadline=result.supplement_due.date if result.supplement_due else None,
                ),
            )
            return drafts
        if result.outcome is Outcome.RONGQUE:
            assert result.supplement_due is not None  # the domain always sets it for 容缺
            add(
                EventKind.RONGQUE_PLEDGED,
                rongque_pledged_payload(
                    items=[_item(m) for m in result.rongque_items],
                    deadline=result.supplement_due.date,
                ),
            )
        if result.needs_backoffice_answer:
            due = self.calendar.add_office_minutes(
                now, BACKOFFICE_ANSWER_MINUTES, self.station.office_hours
            )
            add(
                EventKind.BACKOFFICE_REQUESTED,
                backoffice_requested_payload(answer_due=due.at, department=matter.department),
            )
            return drafts
        authority = result.authority
        if flow is ServiceFlow.RECEIVE_ONLY or authority is None or not authority.may_accept:
            return drafts
        add(EventKind.ACCEPTED, accepted_payload(promised_due=promised))
        if result.completes_on_spot:
            # 当场办结 at a window the department authorised to decide: review, certificate and
            # hand-out happen at the counter, while the applicant waits.
            add(EventKind.DECIDED, decided_payload(True))
            certificate = matter.result.name if matter.result else None
            add(EventKind.CERTIFICATE_MADE, certificate_made_payload(certificate_name=certificate))
            add(EventKind.HANDED_TO_DELIVERY, handed_to_delivery_payload())
            add(
                EventKind.DELIVERED,
                delivered_payload(
                    mode=DeliveryMode.PICKUP,
                    signer=(request.applicant.agent or request.applicant.person).name,
                ),
            )
        return drafts

    def _promised_due(self, matter: Matter, today: date) -> date | None:
        if matter.promised_limit is None:
            return None
        return self.calendar.due(today, matter.promised_limit).date


def _number_kind(result: ChecklistResult) -> CaseNumberKind:
    if result.outcome is Outcome.INCOMPLETE:
        return CaseNumberKind.SUPPLEMENT_NOTICE
    authority = result.authority
    accepted_here = (
        result.flow is not WindowFlow.RECEIVE_ON_SPOT
        and not result.needs_backoffice_answer
        and authority is not None
        and authority.may_accept
    )
    return CaseNumberKind.ACCEPTANCE if accepted_here else CaseNumberKind.RECEIPT


def _item(missing: MissingItem) -> MaterialItem:
    return MaterialItem(material_id=str(missing.number), name=missing.name, note=missing.problem)


def _received_items(matter: Matter, request: IntakeRequest) -> list[MaterialItem]:
    """The materials actually in hand (or replaced), numbered as in the catalogue."""
    gaozhi_used = any(r.state is RecordState.GAOZHI_CHENGNUO for r in request.records.values())
    items: list[MaterialItem] = []
    for material in applicable_materials(matter, request.situation, gaozhi_used=gaozhi_used):
        record = request.records.get(material.name)
        if record is None or record.state in (RecordState.MISSING, RecordState.NOT_CONFORMING):
            continue
        items.append(
            MaterialItem(
                material_id=str(matter.number_of(material)),
                name=material.name,
                note=_RECORD_NOTES.get(record.state),
            )
        )
    return items


_RECORD_NOTES = {
    RecordState.SHARED_EXEMPT: "共享免交",
    RecordState.GAOZHI_CHENGNUO: "告知承诺",
}


def case_number_of(events: Sequence[CaseEvent]) -> str | None:
    """The case number carried by a case's RECEIVED event."""
    for event in events:
        if event.kind is EventKind.RECEIVED:
            value = event.payload.get("case_number")
            return value if isinstance(value, str) else None
    return None
