"""Recording the service of notices (送达登记): how each notice or decision reached the applicant.

The counter records it with the intake for what it hands over on the spot; the back office for
the notices it prints (handed over when the applicant comes, mailed, or sent electronically with
consent); the delivery window for the decisions it hands out or mails, and — when the postal
receipt comes back — the date the mail was signed for (签收日期), the date of service. The rules
(which documents, once each, the mail completed by its waybill) are the domain's
(``domain.notice_service``, docs/legal.md, Service of notices); this module makes the records.
"""

from __future__ import annotations

import re
from datetime import date
from uuid import UUID

from uuid6 import uuid7

from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.case import CaseState
from zhanhe_counter.domain.china_time import china_date, date_text
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventDraft
from zhanhe_counter.domain.legal_family import LegalFamily
from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.domain.notice_service import ServiceRecord, unserved
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.storage import EventStore, UnknownCase

_WAYBILL = re.compile(r"^[0-9A-Z]{8,30}$")


def to_serve(state: CaseState, catalogue: Catalogue) -> tuple[DocumentKind, ...]:
    """The case's notices and decisions still to be served, as the desks list them: a
    non-permit's approval has no written decision to serve (its result is the certificate)."""
    matter = catalogue.matters.get(state.matter_id) if state.matter_id else None
    permit = matter is not None and LegalFamily.of(matter.matter_type).is_permit
    return unserved(state, written_approval=permit)


def normalise_waybill(waybill: str) -> str:
    """The waybill as stored (spaces and dashes out, upper case); ``DomainError`` if malformed."""
    number = re.sub(r"[\s-]", "", waybill).upper()
    if not _WAYBILL.fullmatch(number):
        raise DomainError("waybill malformed", "运单号应为8至30位字母或数字，请核对")
    return number


def mailed_record(
    document: DocumentKind, carrier: str, waybill: str, dispatched_on: date, address: str | None
) -> p.NoticeServed:
    """邮寄送达 at dispatch: the carrier, the (checked) waybill and the dispatch date."""
    if not carrier.strip():
        raise DomainError("mail without carrier", "请填写快递公司")
    return p.NoticeServed(
        document,
        p.ServiceMethod.POST,
        carrier=carrier.strip(),
        waybill=normalise_waybill(waybill),
        dispatched_on=dispatched_on,
        mail_address=(address or "").strip() or None,
    )


class NoticeServiceDesk:
    """送达登记 on this station's store (counter, back office, delivery window alike)."""

    def __init__(self, *, store: EventStore, clock: Clock, station_id: str) -> None:
        self._store = store
        self._clock = clock
        self._station_id = station_id

    def in_person(
        self,
        case_id: UUID,
        document: DocumentKind,
        receiver: str,
        actor: str,
        *,
        role: p.ReceiverRole | None = None,
        event_id: UUID | None = None,
    ) -> CaseState:
        """直接送达: handed to ``receiver``, who signed the notice or its 送达回证."""
        if not receiver.strip():
            raise DomainError("service without receiver", "请填写受送达人（签收人）姓名")
        record = p.NoticeServed(
            document, p.ServiceMethod.IN_PERSON, receiver=receiver.strip(), receiver_role=role
        )
        return self._record(case_id, record, actor, event_id)

    def mailed(
        self,
        case_id: UUID,
        document: DocumentKind,
        carrier: str,
        waybill: str,
        actor: str,
        *,
        address: str | None = None,
        event_id: UUID | None = None,
    ) -> CaseState:
        """邮寄送达, dispatched today; served once the signed-for date is recorded."""
        today = china_date(self._clock.now())
        record = mailed_record(document, carrier, waybill, today, address)
        return self._record(case_id, record, actor, event_id)

    def electronic(
        self,
        case_id: UUID,
        document: DocumentKind,
        address: str,
        actor: str,
        *,
        consent: bool,
        event_id: UUID | None = None,
    ) -> CaseState:
        """电子送达: only with the receiver's consent (受送达人同意), to the address given."""
        if not consent:
            raise DomainError("electronic service without consent", "电子送达须经受送达人同意")
        if not address.strip():
            raise DomainError("electronic service without address", "请填写电子送达地址")
        record = p.NoticeServed(
            document, p.ServiceMethod.ELECTRONIC, electronic_address=address.strip(), consent=True
        )
        return self._record(case_id, record, actor, event_id)

    def pending_mail(self, case_id: UUID) -> list[ServiceRecord]:
        """The case's mailings not yet signed for (for the 签收日期 action)."""
        return [
            r
            for r in self._state(case_id).services
            if r.method is p.ServiceMethod.POST and not r.complete
        ]

    def signed_for(
        self,
        case_id: UUID,
        waybill: str,
        signed_on: date,
        actor: str,
        *,
        event_id: UUID | None = None,
    ) -> CaseState:
        """签收: the mail of ``waybill`` was signed for on ``signed_on`` (the postal receipt's
        date, never after today), which is the date of service."""
        number = normalise_waybill(waybill)
        if signed_on > china_date(self._clock.now()):
            raise DomainError("signed-for date in the future", "签收日期不能晚于今天")
        mailing = next((r for r in self.pending_mail(case_id) if r.waybill == number), None)
        if mailing is None:
            raise DomainError(
                "no pending mailing with this waybill", f"该办件没有待签收的运单号{number}"
            )
        assert mailing.carrier is not None
        assert mailing.dispatched_on is not None
        if signed_on < mailing.dispatched_on:
            raise DomainError(
                "signed-for date before the dispatch",
                f"签收日期不能早于寄出日期（{date_text(mailing.dispatched_on)}）",
            )
        record = p.NoticeServed(
            mailing.document,
            p.ServiceMethod.POST,
            carrier=mailing.carrier,
            waybill=number,
            dispatched_on=mailing.dispatched_on,
            signed_for_on=signed_on,
        )
        return self._record(case_id, record, actor, event_id)

    def draft(
        self, case_id: UUID, record: p.NoticeServed, actor: str, event_id: UUID | None = None
    ) -> EventDraft:
        """The event of ``record``, for a caller that stores it with its own action."""
        return EventDraft(
            event_id=event_id or uuid7(),
            case_id=case_id,
            kind=record.kind,
            station_id=self._station_id,
            actor=actor,
            occurred_at=self._clock.now(),
            payload=record.to_payload(),
        )

    def _record(
        self, case_id: UUID, record: p.NoticeServed, actor: str, event_id: UUID | None
    ) -> CaseState:
        self._state(case_id)
        self._store.append(self.draft(case_id, record, actor, event_id))
        return self._state(case_id)

    def _state(self, case_id: UUID) -> CaseState:
        state = self._store.case_state(case_id)
        if state is None:
            raise UnknownCase(f"case {case_id} not stored", "本机没有该办件")
        return state
