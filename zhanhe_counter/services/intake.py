"""Intake at the counter (窗口收件): from the checked materials to a committed, numbered case.

The clerk's one flow: who (applicant), what (matter), the checklist, then the outcome the domain
decides. ``IntakeService.preview`` evaluates live while rows are ticked; ``commit`` writes the
case — number and every opening event in one transaction — and only then says which documents to
print (``services.documents``). Ids are made when the intake starts (``start``) and reused on
every retry, so a double click or a retry after a lost answer never makes a second case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from uuid import UUID, uuid5

from uuid6 import uuid7

from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.applicant import Applicant, Person
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
from zhanhe_counter.domain.identity import IdKind, check_id, clean_name, name_problems
from zhanhe_counter.domain.masking import mask_id_number
from zhanhe_counter.domain.matters import Catalogue, Matter, WindowFlow
from zhanhe_counter.domain.notice_service import issued_documents
from zhanhe_counter.domain.payloads import (
    DeliveryMode,
    EventRecord,
    MaterialItem,
    ReceiverRole,
    ServiceFlow,
    ServiceMethod,
)
from zhanhe_counter.domain.windows import HallDirectory
from zhanhe_counter.domain.workdays import WorkCalendar
from zhanhe_counter.services.offline_limits import IntakeVerdict
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.storage import EventStore, OwedDocument
from zhanhe_counter.services.station import Staff, StationIdentity

#: Back-office answer for 当场受理 at a window not authorised to accept (办法第十五条第二项).
BACKOFFICE_ANSWER_MINUTES = 20

#: Events one intake may write; ids for all of them are made when the intake starts.
_MAX_OPENING_EVENTS = 10

_FLOW_OF = {
    WindowFlow.COMPLETE_ON_SPOT: ServiceFlow.COMPLETE_ON_SPOT,
    WindowFlow.ACCEPT_ON_SPOT: ServiceFlow.ACCEPT_ON_SPOT,
    WindowFlow.RECEIVE_ON_SPOT: ServiceFlow.RECEIVE_ONLY,
}


class IntakeRefused(DomainError):
    """The intake cannot be committed as it stands (无法收件): the message says what to fix."""


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
    sms_consent: bool = False  # 同意接收短信通知: asked at the window, recorded with RECEIVED


@dataclass(frozen=True, slots=True)
class CommittedIntake:
    """The result of a committed intake: the stored case and what the domain decided."""

    case: CaseState
    events: tuple[CaseEvent, ...]
    result: ChecklistResult
    matter: Matter
    #: The print action of the documents recorded as owed with the case (None: none recorded).
    documents_request_id: UUID | None = None


def intake_documents_request_id(case_id: UUID) -> UUID:
    """The print action of an intake's documents: one per case, so a retry never doubles them."""
    return uuid5(case_id, "intake-documents")


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
        #: The centre's catalogue version in use (None: this PC's own catalogue file).
        self.catalogue_version: str | None = None
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
        request = replace(request, applicant=self._check_identity(request.applicant, now.date()))
        self._check_gate(request)
        number_kind = _number_kind(result)
        action = request.action

        def build(seq: int) -> list[EventDraft]:
            number = make_case_number(self.station.station_code, number_kind, now.date(), seq)
            drafts = self._opening_events(matter, request, result, number, now)
            return drafts + self._served_on_the_spot(request, result, drafts, now)

        documents_request_id = intake_documents_request_id(action.case_id)
        owed = [
            OwedDocument(
                case_id=action.case_id,
                kind=kind.value,
                request_id=documents_request_id,
                clerk_id=request.clerk.staff_id,
                clerk_name=request.clerk.name,
            )
            for kind in result.documents
        ]
        events = self._store.record_numbered_batch(
            action.event_ids[0],
            self.station.station_code,
            number_kind.value,
            now.date(),
            build,
            owed=owed,
        )
        return CommittedIntake(
            case=project(self._store.events_for_case(action.case_id)),
            events=tuple(events),
            result=result,
            matter=matter,
            documents_request_id=documents_request_id,
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
            payload=p.Consulted(matter_id=matter_id, question=question).to_payload(),
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
        if verdict.headline:
            raise IntakeRefused("new intake stopped: " + verdict.level, verdict.headline)
        raise IntakeRefused(
            "offline limits reached: new intake stopped",
            "本机离线时间过长或待上传记录过多，已暂停新收件："
            + "；".join(verdict.reasons)
            + " 请先连接网络同步（同步栏“立即同步”），或联系管理员。",
        )

    def _check_identity(self, applicant: Applicant, today: date) -> Applicant:
        """The applicant with names checked and numbers in their canonical form (full-width
        digits and spaces folded) as they will be stored; ``IntakeRefused`` when one is wrong.

        The same rules as the agent's and the delivery receiver's: a person's field takes only
        a person's number, the organisation's field only a 统一社会信用代码.
        """
        person = self._checked_person(applicant.person, today, "申请人")
        agent = self._checked_person(applicant.agent, today, "代理人") if applicant.agent else None
        uscc = applicant.uscc
        if applicant.organisation:
            problems = name_problems(applicant.organisation)
            if problems:
                raise IntakeRefused(
                    "organisation name unusable", f"单位名称有误：{'；'.join(problems)}"
                )
            if uscc:
                check = check_id(uscc, today=today, kinds={IdKind.USCC})
                if not check.valid:
                    raise IntakeRefused(
                        "USCC failed its check",
                        f"统一社会信用代码有误：{'；'.join(check.problems)}",
                    )
                uscc = check.number
        return replace(applicant, person=person, agent=agent, uscc=uscc)

    @staticmethod
    def _checked_person(person: Person, today: date, role: str) -> Person:
        person = replace(person, name=clean_name(person.name))
        if person.name:
            problems = name_problems(person.name)
            if problems:
                raise IntakeRefused(
                    f"{role} name unusable", f"{role}姓名有误：{'；'.join(problems)}"
                )
        if not person.id_number:
            return person
        # Checked as the card type it was recorded with: a person's number is never a USCC.
        check = check_id(person.id_number, today=today, kinds={person.card_type.id_kind})
        if not check.valid:
            raise IntakeRefused(
                f"identity number {mask_id_number(person.id_number)} failed its check",
                f"{person.name} 的证件号码有误：{'；'.join(check.problems)}",
            )
        return replace(person, name=person.name.strip(), id_number=check.number)

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

        def add(record: EventRecord) -> None:
            drafts.append(
                EventDraft(
                    event_id=next(ids),
                    case_id=request.action.case_id,
                    kind=record.kind,
                    station_id=self.station.station_id,
                    actor=request.clerk.staff_id,
                    occurred_at=now,
                    payload=record.to_payload(),
                )
            )

        flow = _FLOW_OF[result.flow] if result.flow else ServiceFlow.RECEIVE_ONLY
        # An application sent back with a one-time notice has no promised date yet: the limit
        # runs from acceptance, after the supplement (docs/domain.md, Clock rules).
        promised = (
            None if result.outcome is Outcome.INCOMPLETE else self._promised_due(matter, now.date())
        )
        add(
            p.Received(
                case_number=case_number,
                matter_id=matter.id,
                applicant=request.applicant,
                materials=tuple(_received_items(matter, request)),
                flow=flow,
                promised_due=promised,
                sms_consent=request.sms_consent,
                catalogue_version=self.catalogue_version,
            )
        )
        if result.outcome is Outcome.INCOMPLETE:
            add(
                p.NotifiedOnce(
                    items=tuple(_item(m) for m in result.missing),
                    deadline=result.supplement_due.date if result.supplement_due else None,
                )
            )
            return drafts
        if result.outcome is Outcome.RONGQUE:
            assert result.supplement_due is not None  # the domain always sets it for 容缺
            add(
                p.RongquePledged(
                    items=tuple(_item(m) for m in result.rongque_items),
                    deadline=result.supplement_due.date,
                )
            )
        if result.needs_backoffice_answer:
            due = self.calendar.add_office_minutes(
                now, BACKOFFICE_ANSWER_MINUTES, self.station.office_hours
            )
            add(p.BackofficeRequested(answer_due=due.at, department=matter.department))
            return drafts
        authority = result.authority
        if flow is ServiceFlow.RECEIVE_ONLY or authority is None or not authority.may_accept:
            return drafts
        add(p.Accepted(promised_due=promised))
        if result.completes_on_spot:
            # 当场办结 at a window the department authorised to decide: review, certificate and
            # hand-out happen at the counter, while the applicant waits.
            add(p.Decided(True))
            certificate = matter.result.name if matter.result else None
            add(p.CertificateMade(certificate_name=certificate))
            add(p.HandedToDelivery())
            add(p.Delivered(mode=DeliveryMode.PICKUP, signer=request.applicant.present.name))
        return drafts

    def _served_on_the_spot(
        self,
        request: IntakeRequest,
        result: ChecklistResult,
        opening: list[EventDraft],
        now: datetime,
    ) -> list[EventDraft]:
        """直接送达 of the notices the window prints now (受理通知书, 一次性告知书, 准予…决定书):
        handed to the applicant or agent standing at the window, who signs them there. Only what
        the opening events issued is served (the domain refuses anything else)."""
        state = project(CaseEvent.from_draft(d, n) for n, d in enumerate(opening, 1))
        issued = issued_documents(state)
        receiver = request.applicant.present.name.strip() or request.applicant.display_name
        if not receiver:
            return []  # nobody named to sign for it: the clerk records the service later
        role = ReceiverRole.AGENT if request.applicant.agent else ReceiverRole.APPLICANT
        ids = iter(request.action.event_ids[len(opening) :])
        return [
            EventDraft(
                event_id=next(ids),
                case_id=request.action.case_id,
                kind=EventKind.NOTICE_SERVED,
                station_id=self.station.station_id,
                actor=request.clerk.staff_id,
                occurred_at=now,
                payload=p.NoticeServed(
                    kind, ServiceMethod.IN_PERSON, receiver=receiver, receiver_role=role
                ).to_payload(),
            )
            for kind in result.documents
            if kind in issued
        ]

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
            return p.Received.from_payload(event.payload).case_number
    return None
