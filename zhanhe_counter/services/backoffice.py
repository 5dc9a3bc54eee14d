"""The back-office workbench (后台审批): from a received case to a decision handed to delivery.

Three queues, each with the clock that binds it (docs/domain.md, Window flows):

* 当场受理 at a window that may not accept: the back office answers *accept* or *refuse* within
  20 office minutes (``BACKOFFICE_REQUESTED`` carries the moment); the countdown runs in office
  minutes, so lunch and the night do not eat it.
* 当场收件: accept, issue the one one-time notice, or refuse, within 5 working days of receipt (or
  of the completed supplement). Past that day the law deems the case accepted on the day of
  receipt (行政许可法第三十二条第四项); accepting then records ``deemed``.
* Accepted cases: inspections (simple or professional), the decision (approval, or refusal with
  reasons and the relief-rights text), the certificate, and the handover to the delivery window.
  A refusal decision (不予许可决定书, 行政许可法第三十八条) is printed when it is made and handed to
  the delivery window like an approval's result, to be served on the applicant (送达).

Every action is one event in the local store, with an id made when the reviewer started the
action, so a double click or a retry records it once and it works offline. Each action returns
the documents it implies (不予受理通知书, 受理通知书, 一次性告知书, 准予/不予…决定书, 送达回证,
交接单), built by the one documents service (``services.documents``) from the stored case, and
recorded as owed in the event's own transaction under the action's print request id
(``documents_request_id``); ``services.document_dispatch.DocumentPrinter`` prints them after the
event is stored and marks them fulfilled, and a crash in between leaves them owed, to be queued
at the next start. How each notice then reached the applicant is recorded with ``serve``
(送达: 直接, 邮寄, 电子; ``services.notice_service``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID, uuid5

from uuid6 import uuid7

from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.case import CaseState, CaseStatus
from zhanhe_counter.domain.china_time import china_date
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventDraft, EventKind
from zhanhe_counter.domain.matters import Catalogue, Department, Matter
from zhanhe_counter.domain.notice_service import needs_service_record, unserved
from zhanhe_counter.domain.payloads import InspectionKind, MaterialItem
from zhanhe_counter.domain.workdays import WorkCalendar
from zhanhe_counter.services.backoffice_queues import (
    BackofficeQueues,
    QueueItem,
    QueueKind,
    acceptance_due,
)
from zhanhe_counter.services.documents import (
    DocumentRequest,
    DocumentService,
)
from zhanhe_counter.services.notice_service import NoticeServiceDesk
from zhanhe_counter.services.owed import documents_request_id, owed_for
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.storage import EventStore, OwedDocuments, UnknownCase
from zhanhe_counter.services.station import StationIdentity


@dataclass(frozen=True, slots=True)
class ActionResult:
    """A recorded back-office action and the documents it implies (操作结果).

    ``request_id`` is the print action its documents were recorded as owed under: print them
    with it (None: nothing owed)."""

    case: CaseState
    documents: tuple[DocumentRequest, ...] = ()
    request_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class BackofficeAnswer:
    """The answer the counter is waiting for (后台答复): shown and printed at the window."""

    case_id: UUID
    accepted: bool
    reasons: tuple[str, ...]
    answered_by: str
    answered_at: datetime
    documents: tuple[DocumentRequest, ...] = field(default_factory=tuple)


class BackofficeService:
    """后台审批服务."""

    def __init__(
        self,
        *,
        store: EventStore,
        catalogue: Catalogue,
        calendar: WorkCalendar,
        clock: Clock,
        station: StationIdentity,
        documents: DocumentService,
        owed: OwedDocuments | None = None,
    ) -> None:
        self._store = store
        self._owed = owed
        #: 送达登记 of the notices this desk prints (直接, 邮寄, 电子).
        self.notices = NoticeServiceDesk(store=store, clock=clock, station_id=station.station_id)
        self._catalogue = catalogue
        self._calendar = calendar
        self._clock = clock
        self._station = station
        self._documents = documents
        self._queues = BackofficeQueues(
            store=store, catalogue=catalogue, calendar=calendar, clock=clock, station=station
        )

    # ------------------------------------------------------------------ queues

    def queue(self, kind: QueueKind) -> list[QueueItem]:
        """The cases waiting in one queue, most urgent first."""
        return self._queues.queue(kind)

    def overdue_answers(self) -> list[QueueItem]:
        """20-minute requests past their moment (for the escalation banner)."""
        return self._queues.overdue_answers()

    def acceptance_due(self, state: CaseState) -> date | None:
        """受理期限: 5 working days after receipt, or after the completed supplement."""
        return acceptance_due(state, self._calendar)

    # ------------------------------------------------------------------ reading one case

    def case(self, case_id: UUID) -> CaseState:
        state = self._store.case_state(case_id)
        if state is None:
            raise UnknownCase(f"case {case_id} not stored", "本机没有该办件")
        return state

    def department_of(self, case_id: UUID) -> Department | None:
        """The department of the case's matter, with 承办处室、联系人、电话 (办法第十一条)."""
        matter = self._matter(self.case(case_id))
        return self._catalogue.department_of(matter) if matter else None

    def contact_line(self, case_id: UUID) -> str:
        """One line to read out or dial while the applicant waits."""
        department = self.department_of(case_id)
        if department is None:
            return "该事项未登记承办部门联系方式"
        return department.contact_line

    def relief_text(self, case_id: UUID) -> str:
        """The relief-rights sentence (行政复议、行政诉讼) of a refusal, from the settings."""
        relief = self._documents.relief_of(self.case(case_id))
        return (
            f"如不服本决定，可自收到之日起{relief['reconsideration_days']}日内向"
            f"{relief['reconsideration_body']}申请行政复议，或者在{relief['litigation_months']}"
            f"个月内向{relief['court']}提起行政诉讼。"
        )

    def answer_for(self, case_id: UUID) -> BackofficeAnswer | None:
        """The back office's answer to a 20-minute request, once there is one (for the counter)."""
        state = self.case(case_id)
        requested = any(e.kind is EventKind.BACKOFFICE_REQUESTED for e in state.timeline)
        if not requested:
            return None
        for event in reversed(state.timeline):
            if event.kind is EventKind.ACCEPTED:
                return BackofficeAnswer(
                    case_id,
                    True,
                    (),
                    event.actor,
                    event.occurred_at,
                    self._documents_for(state, DocumentKind.ACCEPTANCE_NOTICE),
                )
            if event.kind is EventKind.REFUSED:
                return BackofficeAnswer(
                    case_id,
                    False,
                    state.refusal_reasons,
                    event.actor,
                    event.occurred_at,
                    self._documents_for(state, DocumentKind.REFUSAL_NOTICE),
                )
        return None

    def owe_answer_at_counter(
        self, answer: BackofficeAnswer, *, request_id: UUID, actor: str
    ) -> None:
        """The counter is about to print ``answer``'s notice where the applicant waits: the
        notice is recorded as owed under ``request_id`` with its 直接送达 (the applicant signs it
        there) in one transaction, so a crash before the print leaves it owed, to be queued at
        the next start. Owed as the back office's act signed by its reviewer, as ``answer_for``
        builds it, so the recovery prints the same text. The service's id follows from the
        case: a second poll records no service, and finds the owed rows already there."""
        state = self.case(answer.case_id)
        reviewer = self._documents.staff_name(answer.answered_by)
        kinds = tuple(d.kind for d in answer.documents)
        owed = owed_for(state.case_id, kinds, request_id, (actor, reviewer))
        notice = DocumentKind.ACCEPTANCE_NOTICE if answer.accepted else DocumentKind.REFUSAL_NOTICE
        receiver = state.applicant.present.name.strip() if state.applicant else ""
        if notice in unserved(state) and receiver:
            record = p.NoticeServed(notice, p.ServiceMethod.IN_PERSON, receiver=receiver)
            served_id = uuid5(state.case_id, "answer-served")
            self._store.append(
                self.notices.draft(state.case_id, record, actor, served_id), owed=owed
            )
        elif self._owed is not None:
            self._owed.record(owed)

    # ------------------------------------------------------------------ acceptance

    def accept(self, case_id: UUID, actor: str, *, event_id: UUID | None = None) -> ActionResult:
        """受理. Past the 5-working-day limit the acceptance is recorded as deemed (视为受理)."""
        state = self.case(case_id)
        now = self._clock.now()
        matter = self._matter(state)
        deemed = False
        waiting_counter = state.status is CaseStatus.PENDING_BACKOFFICE
        if not waiting_counter:
            due = self.acceptance_due(state)
            deemed = due is not None and now.date() > due
        promised = state.promised_due
        if matter is not None and matter.promised_limit is not None:
            # Deemed accepted from the day of receipt (Art. 32(4)): the promise runs from there.
            start = state.received_at if deemed and state.received_at else now
            promised = self._calendar.due(china_date(start), matter.promised_limit).date
        # Waiting at the counter: the counter prints the notice for the applicant, who signs it.
        kinds = () if waiting_counter else _served(DocumentKind.ACCEPTANCE_NOTICE)
        return self._act(state, p.Accepted(promised, deemed), actor, event_id, kinds)

    def notify_once(
        self,
        case_id: UUID,
        items: Sequence[MaterialItem],
        actor: str,
        *,
        deadline: date | None = None,
        event_id: UUID | None = None,
    ) -> ActionResult:
        """一次性告知: everything missing, once; the applicant's supplement deadline with it."""
        if not items:
            raise DomainError("one-time notice without items", "一次性告知须列明全部需补正的材料")
        state = self.case(case_id)
        # A deadline only where a rule gives one (the 行政许可法 sets the applicant none).
        due = deadline or self._documents.supplement_deadline(
            self._matter(state), china_date(self._clock.now())
        )
        record = p.NotifiedOnce(tuple(items), due)
        return self._act(state, record, actor, event_id, _served(DocumentKind.ONE_TIME_NOTICE))

    def refuse(
        self,
        case_id: UUID,
        reasons: Sequence[str],
        actor: str,
        *,
        basis: str | None = None,
        competent_office: str | None = None,
        event_id: UUID | None = None,
    ) -> ActionResult:
        """不予受理, in writing with the reasons and the relief rights."""
        cleaned = _reasons(reasons, "不予受理须写明理由")
        state = self.case(case_id)
        record = p.Refused(
            reasons=tuple(cleaned),
            basis=(basis or "").strip() or None,
            competent_office=competent_office,
            relief=self.relief_text(case_id),
        )
        waiting_counter = state.status is CaseStatus.PENDING_BACKOFFICE
        kinds = () if waiting_counter else _served(DocumentKind.REFUSAL_NOTICE)
        return self._act(state, record, actor, event_id, kinds)

    # ------------------------------------------------------------------ review and decision

    def inspect(
        self,
        case_id: UUID,
        inspection: InspectionKind,
        findings: str,
        actor: str,
        *,
        event_id: UUID | None = None,
    ) -> ActionResult:
        """现场核查记录 (简易/专业)."""
        if not findings.strip():
            raise DomainError("inspection without findings", "请填写核查情况")
        record = p.Inspected(inspection, findings.strip())
        return self._act(self.case(case_id), record, actor, event_id)

    def approve(self, case_id: UUID, actor: str, *, event_id: UUID | None = None) -> ActionResult:
        """准予, with the written decision (准予行政许可决定书, Art. 38(1)) for a permit."""
        state = self.case(case_id)
        matter = self._matter(state)
        permit = matter is not None and self._documents.wording(matter).family.is_permit
        if permit:
            self._documents.decision_basis(matter, None)  # refuse before recording if none
        kinds = _served(DocumentKind.APPROVAL_DECISION) if permit else ()
        return self._act(state, p.Decided(True), actor, event_id, kinds)

    def refuse_decision(
        self,
        case_id: UUID,
        reasons: Sequence[str],
        actor: str,
        *,
        basis: str | None = None,
        event_id: UUID | None = None,
    ) -> ActionResult:
        """不予许可/不予办理: reasons and the relief-rights text are part of the event; the
        written decision (不予许可决定书) comes back for printing."""
        cleaned = _reasons(reasons, "不予办理须写明理由")
        state = self.case(case_id)
        # No generic default: the reviewer's basis or the catalogue's, else nothing is recorded.
        self._documents.decision_basis(self._matter(state), basis)
        record = p.Decided(
            False,
            tuple(cleaned),
            basis=(basis or "").strip() or None,
            relief=self.relief_text(case_id),
        )
        return self._act(state, record, actor, event_id, (DocumentKind.REFUSAL_DECISION,))

    def refusal_decision(self, case_id: UUID) -> DocumentRequest:
        """The written refusal decision of a case refused after review, from its stored event,
        so a reprint says what the first print said."""
        state = self.case(case_id)
        if state.decision_approved is not False:
            raise DomainError(f"case {case_id} has no refusal decision", "该办件没有不予办理决定")
        return self._documents.build(DocumentKind.REFUSAL_DECISION, state)

    def make_certificate(
        self,
        case_id: UUID,
        actor: str,
        *,
        certificate_number: str | None = None,
        certificate_name: str | None = None,
        event_id: UUID | None = None,
    ) -> ActionResult:
        """制证."""
        state = self.case(case_id)
        matter = self._matter(state)
        name = certificate_name or (matter.result.name if matter and matter.result else None)
        record = p.CertificateMade(name, (certificate_number or "").strip() or None)
        return self._act(state, record, actor, event_id)

    def default_collect_list(self, case_id: UUID) -> list[str]:
        """What the 交接单 should tell the delivery window to take from the applicant."""
        state = self.case(case_id)
        if state.decision_approved is False:
            return []  # serving a refusal takes nothing back from the applicant
        # 容缺 materials were accepted on a pledge: their originals are checked at hand-out.
        collect = [f"{item.name}（原件）" for item in state.rongque_items]
        if state.case_number:
            collect.append("受理通知书或收件凭证")
        return collect

    def hand_to_delivery(
        self,
        case_id: UUID,
        actor: str,
        *,
        collect_at_delivery: Sequence[str] | None = None,
        actor_name: str | None = None,
        event_id: UUID | None = None,
    ) -> ActionResult:
        """移交统一出件窗口, with the 交接单 listing what to collect at delivery. A refusal
        decision is handed over too: the decision itself is what the window serves."""
        collect = (
            self.default_collect_list(case_id)
            if collect_at_delivery is None
            else [c.strip() for c in collect_at_delivery if c.strip()]
        )
        return self._act(
            self.case(case_id),
            p.HandedToDelivery(tuple(collect)),
            actor,
            event_id,
            (DocumentKind.HANDOVER_SHEET,),
            clerk_name=actor_name,
        )

    # ------------------------------------------------------------------ internals

    def _act(
        self,
        state: CaseState,
        record: p.EventRecord,
        actor: str,
        event_id: UUID | None,
        kinds: Sequence[DocumentKind] = (),
        *,
        clerk_name: str | None = None,
    ) -> ActionResult:
        """Record ``record`` with the documents ``kinds`` owed in the same transaction, then
        build them from the stored case (a failure leaves them owed, with the reason)."""
        event_id = event_id or uuid7()
        request_id = documents_request_id(event_id)
        clerk = clerk_name or self._documents.staff_name(actor)
        owed = owed_for(state.case_id, kinds, request_id, (actor, clerk))
        self._store.append(
            EventDraft(
                event_id=event_id,
                case_id=state.case_id,
                kind=record.kind,
                station_id=self._station.station_id,
                actor=actor,
                occurred_at=self._clock.now(),
                payload=record.to_payload(),
            ),
            owed=owed,
        )
        state = self.case(state.case_id)
        try:
            documents = tuple(self._documents.build(k, state, clerk_name=clerk) for k in kinds)
        except DomainError as error:  # e.g. a setting missing: the papers wait with the reason
            if self._owed is not None:
                self._owed.waiting(request_id, error.user_message)
            raise
        return ActionResult(state, documents, request_id if kinds else None)

    def _matter(self, state: CaseState) -> Matter | None:
        if state.matter_id is None:
            return None
        return self._catalogue.matters.get(state.matter_id)

    def _documents_for(self, state: CaseState, kind: DocumentKind) -> tuple[DocumentRequest, ...]:
        """The notice the counter prints for the back office's answer: handed over there, so
        the applicant signs it on the spot (no 送达回证)."""
        return (self._documents.build(kind, state),)


def _served(kind: DocumentKind) -> tuple[DocumentKind, ...]:
    """A notice or decision the back office issues, with its 送达回证 where the rule asks for
    one: the applicant is not at the back office, so the service must be proven (签收 or the
    postal receipt)."""
    if needs_service_record(kind, at_window=False):
        return (kind, DocumentKind.SERVICE_RECORD)
    return (kind,)


def _reasons(reasons: Sequence[str], user_message: str) -> list[str]:
    cleaned = [r.strip() for r in reasons if r.strip()]
    if not cleaned:
        raise DomainError("refusal without reasons", user_message)
    return cleaned
