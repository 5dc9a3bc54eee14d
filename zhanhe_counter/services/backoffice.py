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
the documents it implies (不予受理通知书, 受理通知书, 一次性告知书, 不予许可决定书, 交接单) as
values for the renderer; ``queue_documents`` prints them after the event is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from uuid6 import uuid7

from zhanhe_counter.domain.case import CaseState, CaseStatus
from zhanhe_counter.domain.checklist import DEFAULT_SUPPLEMENT_WORKING_DAYS
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import CaseEvent, EventDraft, EventKind
from zhanhe_counter.domain.matters import Catalogue, Department, Matter
from zhanhe_counter.domain.payloads import (
    InspectionKind,
    MaterialItem,
    Payload,
    accepted_payload,
    certificate_made_payload,
    decided_payload,
    handed_to_delivery_payload,
    inspected_payload,
    notified_once_payload,
    refused_payload,
)
from zhanhe_counter.domain.workdays import WorkCalendar
from zhanhe_counter.services.paperwork import (
    INTAKE_DECISION_WORKING_DAYS,
    DocumentRequest,
    OfficeProfile,
    limit_text,
    refusal_decision_title,
    refusal_decision_word,
)
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.printing import DocumentRenderer, PrintJobRecord
from zhanhe_counter.services.ports.storage import CaseQuery, EventStore, UnknownCase
from zhanhe_counter.services.print_service import DocumentToPrint, PrintService
from zhanhe_counter.services.printer_roles import PrinterRoles
from zhanhe_counter.services.station import StationIdentity
from zhanhe_counter.services.urgency import Urgency, day_countdown, minute_countdown

#: The 20-minute countdown turns amber with this many office minutes left.
ANSWER_DUE_SOON = timedelta(minutes=5)
#: Deadlines in working days turn amber with this many working days left.
DUE_SOON_WORKING_DAYS = 1
_SCAN_LIMIT = 2000


class QueueKind(StrEnum):
    """后台队列."""

    ANSWER = "answer"  # 20分钟答复
    ACCEPTANCE = "acceptance"  # 5个工作日受理
    REVIEW = "review"  # 审查决定
    FINISHING = "finishing"  # 制证、移交出件

    @property
    def label(self) -> str:
        return _QUEUE_LABELS[self]


_QUEUE_LABELS = {
    QueueKind.ANSWER: "20分钟答复",
    QueueKind.ACCEPTANCE: "5日内受理",
    QueueKind.REVIEW: "审查决定",
    QueueKind.FINISHING: "制证移交",
}
_QUEUE_STATUSES = {
    QueueKind.ANSWER: (CaseStatus.PENDING_BACKOFFICE,),
    QueueKind.ACCEPTANCE: (CaseStatus.RECEIVED, CaseStatus.RONGQUE_RECEIVED),
    QueueKind.REVIEW: (CaseStatus.ACCEPTED, CaseStatus.UNDER_REVIEW),
    QueueKind.FINISHING: (
        CaseStatus.DECIDED_APPROVED,
        CaseStatus.CERTIFICATE_MADE,
        CaseStatus.DECIDED_REFUSED,
    ),
}


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One row of a back-office queue (待办), with its countdown."""

    case_id: UUID
    queue: QueueKind
    case_number: str
    matter_id: str
    matter_name: str
    department: str
    applicant_name: str
    status: CaseStatus
    first_handler: str | None
    due_at: datetime | None  # the 20-minute moment
    due_on: date | None  # the working-day deadline
    remaining: timedelta | None  # office time left (20-minute queue)
    working_days_left: int | None
    urgency: Urgency
    countdown: str  # what the countdown column says

    @property
    def status_label(self) -> str:
        return self.status.label


@dataclass(frozen=True, slots=True)
class ActionResult:
    """A recorded back-office action and the documents it implies (操作结果)."""

    case: CaseState
    documents: tuple[DocumentRequest, ...] = ()


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
        office: OfficeProfile,
    ) -> None:
        self._store = store
        self._catalogue = catalogue
        self._calendar = calendar
        self._clock = clock
        self._station = station
        self._office = office

    # ------------------------------------------------------------------ queues

    def queue(self, kind: QueueKind) -> list[QueueItem]:
        """The cases waiting in one queue, most urgent first."""
        now = self._clock.now()
        items = [
            self._item(kind, state, now)
            for status in _QUEUE_STATUSES[kind]
            for state in self._states(status)
        ]
        items.sort(
            key=lambda i: (
                i.urgency.rank,
                i.due_at or datetime.max.replace(tzinfo=now.tzinfo),
                i.due_on or date.max,
                i.case_number,
            )
        )
        return items

    def overdue_answers(self) -> list[QueueItem]:
        """20-minute requests past their moment (for the escalation banner)."""
        return [i for i in self.queue(QueueKind.ANSWER) if i.urgency is Urgency.OVERDUE]

    def _states(self, status: CaseStatus) -> list[CaseState]:
        summaries = self._store.find_cases(CaseQuery(status=status.value, limit=_SCAN_LIMIT))
        states = (self._store.case_state(s.case_id) for s in summaries)
        return [s for s in states if s is not None]

    def _item(self, kind: QueueKind, state: CaseState, now: datetime) -> QueueItem:
        matter = self._matter(state)
        due_at: datetime | None = None
        due_on: date | None = None
        remaining: timedelta | None = None
        left: int | None = None
        urgency = Urgency.NONE
        countdown = ""
        if kind is QueueKind.ANSWER:
            due_at = answer_due(state)
            if due_at is not None:
                remaining = self._calendar.office_time_between(
                    now, due_at, self._station.office_hours
                )
                urgency, countdown = minute_countdown(remaining, due_soon=ANSWER_DUE_SOON)
        else:
            if kind is QueueKind.ACCEPTANCE:
                due_on = self.acceptance_due(state)
            elif kind is QueueKind.REVIEW:
                due_on = state.promised_due
            if due_on is not None:
                left, _ = self._calendar.count_workdays(now.date(), due_on)
                urgency, countdown = day_countdown(
                    due_on, now.date(), left, due_soon_days=DUE_SOON_WORKING_DAYS
                )
                if kind is QueueKind.ACCEPTANCE and urgency is Urgency.OVERDUE:
                    countdown += "（视为受理）"
        return QueueItem(
            case_id=state.case_id,
            queue=kind,
            case_number=state.case_number or "",
            matter_id=state.matter_id or "",
            matter_name=matter.name if matter else (state.matter_id or ""),
            department=matter.department if matter else "",
            applicant_name=state.applicant_name or "",
            status=state.status,
            first_handler=state.first_handler,
            due_at=due_at,
            due_on=due_on,
            remaining=remaining,
            working_days_left=left,
            urgency=urgency,
            countdown=countdown,
        )

    def acceptance_due(self, state: CaseState) -> date | None:
        """受理期限: 5 working days after receipt, or after the completed supplement."""
        start = state.supplement_completed_at or state.received_at
        if start is None:
            return None
        return self._calendar.add_workdays(start.date(), INTAKE_DECISION_WORKING_DAYS).date

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
        """The relief-rights sentence (行政复议、行政诉讼) of a refusal, per the department."""
        department = self.department_of(case_id)
        body = (department and department.reconsideration_body) or self._office.reconsideration_body
        court = (department and department.court) or self._office.court
        return (
            f"如不服本决定，可自收到之日起{self._office.reconsideration_days}日内向{body}"
            f"申请行政复议，或者在{self._office.litigation_months}个月内向{court}提起行政诉讼。"
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
                    case_id, True, (), event.actor, event.occurred_at, (self._acceptance(state),)
                )
            if event.kind is EventKind.REFUSED:
                return BackofficeAnswer(
                    case_id,
                    False,
                    state.refusal_reasons,
                    event.actor,
                    event.occurred_at,
                    (self._refusal_notice(state, event.payload),),
                )
        return None

    # ------------------------------------------------------------------ acceptance

    def accept(self, case_id: UUID, actor: str, *, event_id: UUID | None = None) -> ActionResult:
        """受理. Past the 5-working-day limit the acceptance is recorded as deemed (视为受理)."""
        state = self.case(case_id)
        now = self._clock.now()
        matter = self._matter(state)
        deemed = False
        if state.status is not CaseStatus.PENDING_BACKOFFICE:
            due = self.acceptance_due(state)
            deemed = due is not None and now.date() > due
        promised = state.promised_due
        if matter is not None and matter.promised_limit is not None:
            promised = self._calendar.due(now.date(), matter.promised_limit).date
        state = self._record(
            state,
            EventKind.ACCEPTED,
            accepted_payload(promised_due=promised, deemed=deemed),
            actor,
            event_id,
        )
        return ActionResult(state, (self._acceptance(state),))

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
        today = self._clock.now().date()
        due = deadline or self._calendar.add_workdays(today, DEFAULT_SUPPLEMENT_WORKING_DAYS).date
        state = self._record(
            state,
            EventKind.NOTIFIED_ONCE,
            notified_once_payload(items=items, deadline=due),
            actor,
            event_id,
        )
        return ActionResult(state, (self._one_time_notice(state),))

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
        payload = refused_payload(
            reasons=cleaned,
            basis=basis or "《中华人民共和国行政许可法》第三十二条",
            competent_office=competent_office,
            relief=self.relief_text(case_id),
        )
        state = self._record(state, EventKind.REFUSED, payload, actor, event_id)
        return ActionResult(state, (self._refusal_notice(state, payload),))

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
        state = self._record(
            self.case(case_id),
            EventKind.INSPECTED,
            inspected_payload(inspection=inspection, findings=findings.strip()),
            actor,
            event_id,
        )
        return ActionResult(state)

    def approve(self, case_id: UUID, actor: str, *, event_id: UUID | None = None) -> ActionResult:
        """准予."""
        state = self._record(
            self.case(case_id), EventKind.DECIDED, decided_payload(True), actor, event_id
        )
        return ActionResult(state)

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
        payload = decided_payload(
            False, reasons=cleaned, basis=basis, relief=self.relief_text(case_id)
        )
        state = self._record(self.case(case_id), EventKind.DECIDED, payload, actor, event_id)
        return ActionResult(state, (self.refusal_decision(case_id),))

    def refusal_decision(self, case_id: UUID) -> DocumentRequest:
        """The written refusal decision of a case refused after review, from its stored event,
        so a reprint says what the first print said."""
        state = self.case(case_id)
        decision = _decision_event(state)
        if decision is None or state.decision_approved is not False:
            raise DomainError(f"case {case_id} has no refusal decision", "该办件没有不予办理决定")
        return self._refusal_decision(state, decision)

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
        payload = certificate_made_payload(
            certificate_name=name, certificate_number=(certificate_number or "").strip() or None
        )
        return ActionResult(
            self._record(state, EventKind.CERTIFICATE_MADE, payload, actor, event_id)
        )

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
        state = self._record(
            self.case(case_id),
            EventKind.HANDED_TO_DELIVERY,
            handed_to_delivery_payload(collect_at_delivery=collect),
            actor,
            event_id,
        )
        return ActionResult(state, (self._handover_sheet(state, actor_name or actor),))

    # ------------------------------------------------------------------ internals

    def _record(
        self,
        state: CaseState,
        kind: EventKind,
        payload: Payload,
        actor: str,
        event_id: UUID | None,
    ) -> CaseState:
        self._store.append(
            EventDraft(
                event_id=event_id or uuid7(),
                case_id=state.case_id,
                kind=kind,
                station_id=self._station.station_id,
                actor=actor,
                occurred_at=self._clock.now(),
                payload=payload,
            )
        )
        return self.case(state.case_id)

    def _matter(self, state: CaseState) -> Matter | None:
        if state.matter_id is None:
            return None
        return self._catalogue.matters.get(state.matter_id)

    def _common(self, state: CaseState) -> dict[str, Any]:
        matter = self._matter(state)
        case_no = state.case_number or ""
        return {
            "issuing_body": self._office.issuing_body,
            "case_no": case_no,
            "matter_name": matter.name if matter else (state.matter_id or ""),
            "applicant_name": state.applicant_name or "",
            "consult_phone": self._office.consult_phone,
            "progress_url": self._office.url_for(case_no),
        }

    def _refusal_notice(self, state: CaseState, payload: Mapping[str, Any]) -> DocumentRequest:
        department = self._department(state)
        received = state.received_at or state.opened_at
        now = self._clock.now()
        reasons = [str(r) for r in payload.get("reasons") or ()]
        values = self._common(state) | {
            "doc_no": state.case_number or "",
            "received_at": _minute(received),
            "reasons": reasons,
            "legal_basis": payload.get("basis") or "《中华人民共和国行政许可法》第三十二条",
            "competent_body": payload.get("competent_office"),
            "returned_materials": [i.name for i in state.received_materials],
            "reconsideration_body": (department and department.reconsideration_body)
            or self._office.reconsideration_body,
            "reconsideration_days": self._office.reconsideration_days,
            "court": (department and department.court) or self._office.court,
            "litigation_months": self._office.litigation_months,
            "issue_date": now.date().isoformat(),
        }
        return DocumentRequest(DocumentKind.REFUSAL_NOTICE, values)

    def _refusal_decision(self, state: CaseState, decision: CaseEvent) -> DocumentRequest:
        matter = self._matter(state)
        department = self._department(state)
        zone = self._office.timezone
        accepted = state.accepted_at or state.received_at or state.opened_at
        permit = refusal_decision_word(matter) == "不予许可"
        basis = decision.payload.get("basis") or (
            _PERMIT_REFUSAL_BASIS if permit else _OTHER_REFUSAL_BASIS
        )
        values = self._common(state) | {
            # The department decides, not the service centre that took the application in.
            "issuing_body": department.name if department else self._office.issuing_body,
            "decision": refusal_decision_word(matter),
            "doc_no": state.case_number or "",
            "accepted_on": accepted.astimezone(zone).date().isoformat(),
            "reasons": list(state.decision_reasons),
            "legal_basis": basis,
            "reconsideration_body": (department and department.reconsideration_body)
            or self._office.reconsideration_body,
            "reconsideration_days": self._office.reconsideration_days,
            "court": (department and department.court) or self._office.court,
            "litigation_months": self._office.litigation_months,
            "issue_date": decision.occurred_at.astimezone(zone).date().isoformat(),
        }
        return DocumentRequest(DocumentKind.REFUSAL_DECISION, values)

    def _acceptance(self, state: CaseState) -> DocumentRequest:
        matter = self._matter(state)
        received = state.received_at or state.opened_at
        accepted = state.accepted_at or received
        values = self._common(state) | {
            "applicant_id_type": state.applicant.get("id_type") or "居民身份证",
            "applicant_id_no": state.applicant.get("id_number") or "未提供",
            "applicant_phone": state.applicant.get("phone") or "未提供",
            "doc_no": state.case_number or "",
            "matter_code": matter.impl_code if matter else "",
            "received_at": _minute(received),
            "accepted_at": _minute(accepted),
            "legal_limit": limit_text(matter.legal_limit if matter else None),
            "promised_limit": limit_text(matter.promised_limit if matter else None),
            "promised_date": (state.promised_due or accepted.date()).isoformat(),
            "fee": "收费" if matter and matter.fee and matter.fee.charged else "不收费",
            "pickup": "窗口自取",
            "pickup_detail": self._office.pickup_place,
            "materials": [
                {"name": i.name, "form": i.note or "", "copies": "1"}
                for i in state.received_materials
            ],
            "clerk_name": state.first_handler or "",
            "issue_date": accepted.date().isoformat(),
        }
        return DocumentRequest(DocumentKind.ACCEPTANCE_NOTICE, values)

    def _one_time_notice(self, state: CaseState) -> DocumentRequest:
        received = state.received_at or state.opened_at
        now = self._clock.now()
        values = self._common(state) | {
            "doc_no": state.case_number or "",
            "received_at": _minute(received),
            "items": [
                {
                    "name": i.name,
                    "problem": i.note or "未提交",
                    "requirement": i.note or "",
                    "form": "",
                    "copies": "1",
                }
                for i in state.notice_items
            ],
            "methods": list(self._office.notice_methods),
            "deadline": (state.notice_due or now.date()).isoformat(),
            "consequence": self._office.notice_consequence,
            "clerk_name": state.first_handler or "",
            "issue_date": now.date().isoformat(),
        }
        return DocumentRequest(DocumentKind.ONE_TIME_NOTICE, values)

    def _handover_sheet(self, state: CaseState, handed_by: str) -> DocumentRequest:
        matter = self._matter(state)
        result_name = matter.result.name if matter and matter.result else None
        if state.decision_approved is False:
            result_name = f"{refusal_decision_title(matter)}（{state.case_number or ''}）"
        if state.certificate_number and result_name:
            result_name = f"{result_name}（{state.certificate_number}）"
        values = {
            "case_no": state.case_number or "",
            "matter_name": matter.name if matter else (state.matter_id or ""),
            "applicant_name": state.applicant_name or "",
            "department": matter.department if matter else "",
            "handed_by": handed_by,
            "handed_at": _minute(self._clock.now()),
            "received_by": None,
            "materials": [
                {"name": i.name, "form": i.note or "", "copies": "1", "pages": ""}
                for i in state.received_materials
            ],
            "collect_at_delivery": list(state.collect_at_delivery),
            "results": [result_name] if result_name else [],
            "progress_url": self._office.url_for(state.case_number or ""),
        }
        return DocumentRequest(DocumentKind.HANDOVER_SHEET, values)

    def _department(self, state: CaseState) -> Department | None:
        matter = self._matter(state)
        return self._catalogue.department_of(matter) if matter else None


_PERMIT_REFUSAL_BASIS = "《中华人民共和国行政许可法》第三十八条第二款"
_OTHER_REFUSAL_BASIS = "有关法律、法规和规章"


def _decision_event(state: CaseState) -> CaseEvent | None:
    return next((e for e in reversed(state.timeline) if e.kind is EventKind.DECIDED), None)


def answer_due(state: CaseState) -> datetime | None:
    """The 20-minute moment of the case's latest back-office request."""
    for event in reversed(state.timeline):
        if event.kind is EventKind.BACKOFFICE_REQUESTED:
            value = event.payload.get("answer_due")
            return datetime.fromisoformat(value) if isinstance(value, str) else None
    return None


class DocumentPrinter:
    """Prints the documents of back-office and delivery actions (文书打印): render, then queue."""

    def __init__(
        self, *, renderer: DocumentRenderer, print_service: PrintService, printers: PrinterRoles
    ) -> None:
        self._renderer = renderer
        self._print_service = print_service
        self._printers = printers

    def print(
        self,
        case_id: UUID,
        documents: Sequence[DocumentRequest],
        *,
        request_id: UUID,
        actor: str,
    ) -> list[PrintJobRecord]:
        return queue_documents(
            renderer=self._renderer,
            print_service=self._print_service,
            printers=self._printers,
            case_id=case_id,
            documents=documents,
            request_id=request_id,
            actor=actor,
        )


def queue_documents(
    *,
    renderer: DocumentRenderer,
    print_service: PrintService,
    printers: PrinterRoles,
    case_id: UUID,
    documents: Sequence[DocumentRequest],
    request_id: UUID,
    actor: str,
) -> list[PrintJobRecord]:
    """Render A4 documents of a stored case and queue them; idempotent on ``request_id``."""
    to_print = [
        DocumentToPrint(d.kind, renderer.render_pdf(d.kind, d.values), printers.a4)
        for d in documents
    ]
    return print_service.print_case_documents(case_id, to_print, request_id=request_id, actor=actor)


def _reasons(reasons: Sequence[str], user_message: str) -> list[str]:
    cleaned = [r.strip() for r in reasons if r.strip()]
    if not cleaned:
        raise DomainError("refusal without reasons", user_message)
    return cleaned


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")
