"""送达 (service of notices): which documents are served, which need a 送达回证, and where the
service of each document of a case stands (docs/legal.md, Service of notices).

A notice or decision takes effect on the applicant only once served: the 受理通知书 and the
一次性告知书 tell them where their application stands (行政许可法第三十二条), a refusal starts the
60 days of 复议 only from service (行政复议法第二十条). Each service is one ``NOTICE_SERVED``
event (``payloads.NoticeServed``); a mailed document is served on the day the mail was signed for,
recorded by a second event naming the same waybill. Pure: no clock, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.china_time import china_date, date_text
from zhanhe_counter.domain.documents import DocumentKind

if TYPE_CHECKING:  # the case module folds services in; this one only reads a state
    from zhanhe_counter.domain.case import CaseState

#: The documents that are served on the applicant (送达), in the order a case issues them.
SERVED_DOCUMENTS = (
    DocumentKind.ACCEPTANCE_NOTICE,
    DocumentKind.ONE_TIME_NOTICE,
    DocumentKind.REFUSAL_NOTICE,
    DocumentKind.APPROVAL_DECISION,
    DocumentKind.REFUSAL_DECISION,
)


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    """送达记录: how one document of the case reached (or is on its way to) the applicant."""

    document: DocumentKind
    method: p.ServiceMethod
    event_id: UUID
    recorded_at: datetime
    recorded_by: str
    receiver: str | None = None
    carrier: str | None = None
    waybill: str | None = None
    dispatched_on: date | None = None
    signed_for_on: date | None = None
    signature_file: str | None = None

    @property
    def complete(self) -> bool:
        """Served: handed over, sent electronically, or the mail signed for."""
        return self.method is not p.ServiceMethod.POST or self.signed_for_on is not None

    @property
    def served_on(self) -> date | None:
        """The date of service: the signed-for date of mail, else the day it was recorded."""
        if self.method is p.ServiceMethod.POST:
            return self.signed_for_on
        return china_date(self.recorded_at)

    @property
    def summary(self) -> str:
        """One line for the case detail: "邮寄送达（EMS 1234…，2026年12月1日寄出，待签收）"."""
        if self.method is p.ServiceMethod.POST:
            assert self.dispatched_on is not None  # a mailing always has it (NoticeServed)
            sent = f"{self.carrier} {self.waybill}，{date_text(self.dispatched_on)}寄出"
            signed = f"{date_text(self.signed_for_on)}签收" if self.signed_for_on else "待签收"
            return f"{self.method.label}（{sent}，{signed}）"
        who = self.receiver or ""
        return f"{self.method.label}（{who}，{date_text(china_date(self.recorded_at))}）"


def issued_documents(
    state: CaseState, *, written_approval: bool = True
) -> tuple[DocumentKind, ...]:
    """The served documents ``state`` has issued so far (each one is owed a service).

    ``written_approval``: whether an approval comes as a 准予…决定书 (a permit's) — a caller that
    knows the matter says so; a non-permit's result is the certificate itself."""
    issued = {
        DocumentKind.ACCEPTANCE_NOTICE: state.accepted_at is not None,
        DocumentKind.ONE_TIME_NOTICE: state.notice_issued,
        DocumentKind.REFUSAL_NOTICE: bool(state.refusal_reasons),
        DocumentKind.APPROVAL_DECISION: written_approval and state.decision_approved is True,
        DocumentKind.REFUSAL_DECISION: state.decision_approved is False,
    }
    return tuple(kind for kind in SERVED_DOCUMENTS if issued[kind])


def unserved(state: CaseState, *, written_approval: bool = True) -> tuple[DocumentKind, ...]:
    """Issued documents with no completed service yet (a mailing not signed for included)."""
    done = {r.document for r in state.services if r.complete}
    issued = issued_documents(state, written_approval=written_approval)
    return tuple(kind for kind in issued if kind not in done)


def needs_service_record(document: DocumentKind, *, at_window: bool) -> bool:
    """Whether ``document`` is printed with a 送达回证: a served document issued away from the
    applicant (the back office) must have its service proven; at the window the applicant is
    there and signs for it on the spot."""
    return document in SERVED_DOCUMENTS and not at_window


def service_problem(state: CaseState, data: p.NoticeServed) -> str | None:
    """Why ``data`` may not be recorded on ``state`` (in Chinese), or None when it may."""
    title = data.document.label
    if data.document not in issued_documents(state):
        return f"该办件尚未出具{title}，不能登记送达"
    earlier = [r for r in state.services if r.document is data.document]
    if any(r.complete for r in earlier):
        return f"{title}已送达，不能重复登记"
    mailed = _pending_mail(earlier, data.waybill)
    if mailed is not None and data.signed_for_on is None:
        return f"运单号{data.waybill}的{title}已登记寄出，待登记签收日期"
    if mailed is not None:
        assert data.signed_for_on is not None
        assert mailed.dispatched_on is not None
        if data.signed_for_on < mailed.dispatched_on:
            return "签收日期不能早于寄出日期"
    return None


def with_service(
    services: tuple[ServiceRecord, ...], data: p.NoticeServed, event_id: UUID, at: datetime, by: str
) -> tuple[ServiceRecord, ...]:
    """``services`` after ``data`` (checked by ``service_problem``): a signed-for date completes
    the mailing of its waybill; anything else is a new record."""
    mailed = _pending_mail([r for r in services if r.document is data.document], data.waybill)
    if mailed is not None:
        done = replace(mailed, signed_for_on=data.signed_for_on)
        return tuple(done if r is mailed else r for r in services)
    record = ServiceRecord(
        document=data.document,
        method=data.method,
        event_id=event_id,
        recorded_at=at,
        recorded_by=by,
        receiver=data.receiver,
        carrier=data.carrier,
        waybill=data.waybill,
        dispatched_on=data.dispatched_on,
        signed_for_on=data.signed_for_on,
        signature_file=data.signature_file,
    )
    return (*services, record)


def _pending_mail(records: list[ServiceRecord], waybill: str | None) -> ServiceRecord | None:
    for record in records:
        if record.method is p.ServiceMethod.POST and record.waybill == waybill:
            return record  # not complete: ``service_problem`` refused anything after that
    return None
