"""The unified delivery window (统一出件): find the case, check who collects, hand it out.

The delivery clerk finds the case by whatever the applicant brings: the receipt's barcode or QR
code (a keyboard-wedge scanner "types" it; the QR holds the progress address with the number in
it), the number read out and typed, or the ID card tapped on the reader. The receiver must be the
applicant or the agent named on the case (or a new agent with a letter of authority); the
materials the 交接单 lists are collected; then either the receiver signs (出件签收单, and a
signature image when a pad is present, kept as a file in the data folder and referenced by the
event), or the courier and waybill number are recorded for express delivery (keep the waybill).
Delivery is one ``DELIVERED`` event; the 出件签收单 values come back for printing.

A refusal decision (不予许可决定书 / 不予办理决定书) is served the same way (送达, 行政许可法
第三十八条): its result is the decision itself, numbered with the case number; nothing is collected.

The hand-out is also the service of the written decision (准予行政许可决定书 of a permit, or the
refusal decision): ``NOTICE_SERVED`` is stored with ``DELIVERED`` in one transaction, handed over
(the receiver, the signature) or mailed (waybill, dispatch date); the date the mail was signed
for is entered later (``signed_for``). The 出件签收单 is recorded as owed in that transaction too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from urllib.parse import parse_qs, urlparse
from uuid import UUID, uuid5

from uuid6 import uuid7

from zhanhe_counter.domain.case import CaseState, CaseStatus
from zhanhe_counter.domain.case_number import parse_case_number
from zhanhe_counter.domain.china_time import china_date
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventDraft
from zhanhe_counter.domain.identity import (
    PERSON_KINDS,
    check_id,
    name_problems,
    normalize_id_text,
)
from zhanhe_counter.domain.masking import mask_id_number
from zhanhe_counter.domain.matters import Catalogue, Matter
from zhanhe_counter.domain.payloads import (
    Delivered,
    DeliveryMode,
    NoticeServed,
    ReceiverRole,
    ServiceMethod,
)
from zhanhe_counter.services.documents import (
    DeliveryDetails,
    DocumentRequest,
    DocumentService,
    refusal_title,
)
from zhanhe_counter.services.notice_service import (
    NoticeServiceDesk,
    mailed_record,
    normalise_waybill,
    to_serve,
)
from zhanhe_counter.services.owed import documents_request_id, owed_for
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.storage import CaseQuery, EventStore, OwedDocuments, UnknownCase

_SCAN_LIMIT = 200


class SignatureArchive(Protocol):
    """Where captured signature images are kept (签名图像存档): files in the data folder."""

    def save(self, case_id: UUID, event_id: UUID, png: bytes) -> str:
        """Store the image and return its path relative to the data folder; idempotent."""
        ...

    def load(self, reference: str) -> bytes:
        """The stored image bytes of ``reference``."""
        ...


@dataclass(frozen=True, slots=True)
class VerifiedReceiver:
    """Who collects, after the identity check (已核验领取人). The full number stays in memory."""

    name: str
    role: ReceiverRole
    id_masked: str
    id_number: str = ""

    def __repr__(self) -> str:  # never let a log line carry the full number
        return f"VerifiedReceiver({self.name!r}, {self.role}, {self.id_masked})"


@dataclass(frozen=True, slots=True)
class DeliveryCase:
    """A case as the delivery window sees it (待出件办件)."""

    case: CaseState
    matter_name: str
    result_name: str
    collect_at_delivery: tuple[str, ...]
    ready: bool  # READY_FOR_DELIVERY
    status_text: str

    @property
    def case_id(self) -> UUID:
        return self.case.case_id

    @property
    def case_number(self) -> str:
        return self.case.case_number or ""


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """A recorded delivery and its 出件签收单."""

    case: CaseState
    documents: tuple[DocumentRequest, ...]
    signature_file: str | None = None
    #: The print action the 出件签收单 was recorded as owed under: print it with this id.
    request_id: UUID | None = None


class DeliveryService:
    """出件服务."""

    def __init__(
        self,
        *,
        store: EventStore,
        catalogue: Catalogue,
        clock: Clock,
        station_id: str,
        documents: DocumentService,
        signatures: SignatureArchive,
        owed: OwedDocuments | None = None,
    ) -> None:
        self._owed = owed
        #: 送达登记 of this desk (the signed-for date of a mailing).
        self.notices = NoticeServiceDesk(store=store, clock=clock, station_id=station_id)
        self._store = store
        self._catalogue = catalogue
        self._clock = clock
        self._station_id = station_id
        self._documents = documents
        self._signatures = signatures

    # ------------------------------------------------------------------ finding the case

    def find(self, text: str) -> list[DeliveryCase]:
        """Cases for a scanned code, a typed number or an ID number; ready ones first.

        Raises ``DomainError`` with a Chinese message for a number with a wrong check character
        (a misread scan or a typo), so the clerk retypes instead of seeing "not found".
        """
        value = text.strip()
        if not value:
            raise DomainError("empty delivery search", "请扫描回执条码、输入办件编号或刷身份证")
        number = _number_in(value)
        if number is not None:
            summaries = self._store.find_cases(CaseQuery(case_number=number, limit=1))
            if not summaries:
                raise DomainError("case number not stored here", f"本机没有编号为 {number} 的办件")
        else:
            masked = mask_id_number(normalize_id_text(value))
            summaries = self._store.find_cases(
                CaseQuery(applicant_id_masked=masked, limit=_SCAN_LIMIT)
            )
            if not summaries:
                raise DomainError("no case for this card", "该证件没有本机办理的办件")
        cases = [self._view(s.case_id) for s in summaries]
        cases.sort(key=lambda c: (not c.ready, c.case_number))
        return cases

    def find_by_card(self, id_number: str) -> list[DeliveryCase]:
        """A card tap: the applicant's cases, ready ones first."""
        return self.find(id_number)

    def open(self, case_id: UUID) -> DeliveryCase:
        return self._view(case_id)

    # ------------------------------------------------------------------ identity

    def verify_receiver(
        self, case_id: UUID, name: str, id_number: str, *, letter_of_authority: bool = False
    ) -> VerifiedReceiver:
        """身份核验: the receiver must be the applicant or agent of the case, or carry a letter
        of authority (授权委托书) with a valid identity document."""
        state = self._state(case_id)
        number = normalize_id_text(id_number)
        name = name.strip()
        if not name or not number:
            raise DomainError(
                "receiver without name or number", "请读取或输入领取人的姓名和证件号码"
            )
        problems = name_problems(name)
        if problems:
            raise DomainError("receiver name unusable", f"领取人姓名有误：{'；'.join(problems)}")
        applicant = state.applicant
        known = {
            ReceiverRole.APPLICANT: applicant.person if applicant else None,
            ReceiverRole.AGENT: applicant.agent if applicant else None,
        }
        for role, person in known.items():
            known_name, known_number = (person.name, person.id_number) if person else ("", "")
            if known_number and normalize_id_text(known_number) == number:
                if known_name and known_name != name:
                    raise DomainError(
                        "receiver name differs from the case",
                        f"证件号码与{role.label}一致，但姓名不符（登记为{known_name}），请核对",
                    )
                return VerifiedReceiver(name, role, mask_id_number(number), number)
        if not letter_of_authority:
            raise DomainError(
                "receiver is neither applicant nor agent",
                "领取人不是申请人或登记的代理人；如持授权委托书，请勾选“持授权委托书”后再核验",
            )
        # The intake's rules: a person's number only (never a code that happens to pass), and
        # no birth date after today.
        check = check_id(number, today=self._clock.now().date(), kinds=PERSON_KINDS)
        if not check.valid:
            raise DomainError(
                "receiver identity number invalid",
                f"领取人证件号码有误：{'；'.join(check.problems)}",
            )
        return VerifiedReceiver(name, ReceiverRole.NEW_AGENT, mask_id_number(number), number)

    # ------------------------------------------------------------------ handing out

    def pickup(
        self,
        case_id: UUID,
        receiver: VerifiedReceiver,
        collected: Sequence[str],
        actor: str,
        *,
        actor_name: str | None = None,
        signature_png: bytes | None = None,
        event_id: UUID | None = None,
    ) -> DeliveryResult:
        """窗口领取: the receiver signs; the listed materials must all have been collected."""
        state = self._ready(case_id)
        taken = self._check_collected(state, collected)
        event_id = event_id or uuid7()
        signature_file: str | None = None
        signature_sha256: str | None = None
        if signature_png:
            signature_file = self._signatures.save(case_id, event_id, signature_png)
            signature_sha256 = hashlib.sha256(signature_png).hexdigest()
        record = Delivered(
            mode=DeliveryMode.PICKUP,
            signer=receiver.name,
            receiver_role=receiver.role,
            receiver_id_masked=receiver.id_masked,
            collected=tuple(taken),
            signature_file=signature_file,
            signature_sha256=signature_sha256,
        )
        served = [
            NoticeServed(
                document,
                ServiceMethod.IN_PERSON,
                receiver=receiver.name,
                receiver_role=receiver.role,
                signature_file=signature_file,
                signature_sha256=signature_sha256,
            )
            for document in self._decisions_to_serve(state)
        ]
        clerk = self._documents.staff_name(actor_name or actor)
        state = self._record(state, record, actor, event_id, served=served, clerk_name=clerk)
        details = DeliveryDetails(
            method="窗口领取",
            receiver_name=receiver.name,
            receiver_relation=receiver.role.label,
            receiver_id_no=receiver.id_number or None,
            collected=tuple(taken),
        )
        return DeliveryResult(
            state,
            (self._receipt(state, clerk, details, event_id),),
            signature_file,
            documents_request_id(event_id),
        )

    def express(
        self,
        case_id: UUID,
        carrier: str,
        waybill: str,
        actor: str,
        *,
        actor_name: str | None = None,
        address: str | None = None,
        collected: Sequence[str] = (),
        event_id: UUID | None = None,
    ) -> DeliveryResult:
        """邮寄送达: the courier and the waybill number are kept with the event."""
        state = self._ready(case_id)
        carrier = carrier.strip()
        if not carrier:
            raise DomainError("express without carrier", "请填写快递公司")
        number = normalise_waybill(waybill)
        taken = [c.strip() for c in collected if c.strip()]
        record = Delivered(
            mode=DeliveryMode.EXPRESS,
            carrier=carrier,
            waybill=number,
            collected=tuple(taken),
            mail_address=(address or "").strip() or None,
        )
        today = china_date(self._clock.now())
        served = [
            mailed_record(document, carrier, number, today, address)
            for document in self._decisions_to_serve(state)
        ]
        event_id = event_id or uuid7()
        clerk = self._documents.staff_name(actor_name or actor)
        state = self._record(state, record, actor, event_id, served=served, clerk_name=clerk)
        details = DeliveryDetails(
            method="邮寄送达",
            receiver_name=state.applicant_name or "",
            courier=carrier,
            waybill_no=number,
            mail_address=(address or "").strip()
            or (state.applicant.person.address if state.applicant else None),
            collected=tuple(taken),
        )
        receipt = self._receipt(state, clerk, details, event_id)
        return DeliveryResult(state, (receipt,), request_id=documents_request_id(event_id))

    def signed_for(
        self,
        case_id: UUID,
        waybill: str,
        signed_on: date,
        actor: str,
        *,
        event_id: UUID | None = None,
    ) -> CaseState:
        """签收日期 of a mailed decision or notice, from the returned postal receipt."""
        return self.notices.signed_for(case_id, waybill, signed_on, actor, event_id=event_id)

    def signature_of(self, case_id: UUID) -> bytes | None:
        """The stored signature image of a delivered case, if one was captured."""
        delivery = self._state(case_id).delivery
        reference = delivery.signature_file if delivery else None
        return self._signatures.load(reference) if reference else None

    # ------------------------------------------------------------------ internals

    def _state(self, case_id: UUID) -> CaseState:
        state = self._store.case_state(case_id)
        if state is None:
            raise UnknownCase(f"case {case_id} not stored", "本机没有该办件")
        return state

    def _ready(self, case_id: UUID) -> CaseState:
        state = self._state(case_id)
        if state.status is not CaseStatus.READY_FOR_DELIVERY:
            raise DomainError(
                f"case {case_id} not ready for delivery ({state.status})",
                f"该办件{state.status.label}，不能出件",
            )
        return state

    def _check_collected(self, state: CaseState, collected: Sequence[str]) -> list[str]:
        taken = [c.strip() for c in collected if c.strip()]
        missing = [item for item in state.collect_at_delivery if item not in taken]
        if missing:
            raise DomainError("handover materials not collected", f"尚未收取：{'、'.join(missing)}")
        return taken

    def _decisions_to_serve(self, state: CaseState) -> list[DocumentKind]:
        """The written decision this hand-out serves: the refusal decision, or the 准予行政许可
        决定书 of a permit (a non-permit's result is the certificate itself)."""
        written = {DocumentKind.REFUSAL_DECISION, DocumentKind.APPROVAL_DECISION}
        return [d for d in to_serve(state, self._catalogue) if d in written]

    def _record(
        self,
        state: CaseState,
        record: Delivered,
        actor: str,
        event_id: UUID,
        *,
        served: list[NoticeServed],
        clerk_name: str,
    ) -> CaseState:
        """``DELIVERED``, the service of the decision and the owed 出件签收单, in one
        transaction (the service events' ids follow from the hand-out's, so a retry is one)."""
        drafts = [
            EventDraft(
                event_id=event_id,
                case_id=state.case_id,
                kind=record.kind,
                station_id=self._station_id,
                actor=actor,
                occurred_at=self._clock.now(),
                payload=record.to_payload(),
            )
        ]
        drafts += [
            self.notices.draft(state.case_id, s, actor, uuid5(event_id, f"served-{s.document}"))
            for s in served
        ]
        owed = owed_for(
            state.case_id,
            (DocumentKind.DELIVERY_RECEIPT,),
            documents_request_id(event_id),
            (actor, clerk_name),
        )
        self._store.append_many(drafts, owed=owed)
        return self._state(state.case_id)

    def _view(self, case_id: UUID) -> DeliveryCase:
        state = self._state(case_id)
        matter = self._matter(state)
        ready = state.status is CaseStatus.READY_FOR_DELIVERY
        if ready:
            text = "待出件"
        elif state.status is CaseStatus.DELIVERED:
            text = "已出件"
        else:
            text = f"{state.status.label}，尚不能出件"
        return DeliveryCase(
            case=state,
            matter_name=matter.name if matter else (state.matter_id or ""),
            result_name=_result_name(matter, state),
            collect_at_delivery=state.collect_at_delivery,
            ready=ready,
            status_text=text,
        )

    def _matter(self, state: CaseState) -> Matter | None:
        return self._catalogue.matters.get(state.matter_id) if state.matter_id else None

    def _receipt(
        self, state: CaseState, clerk_name: str, details: DeliveryDetails, event_id: UUID
    ) -> DocumentRequest:
        """出件签收单, from the one documents service (a failure leaves it owed, with why)."""
        try:
            return self._documents.build(
                DocumentKind.DELIVERY_RECEIPT, state, clerk_name=clerk_name, delivery=details
            )
        except DomainError as error:
            if self._owed is not None:
                self._owed.waiting(documents_request_id(event_id), error.user_message)
            raise


def _number_in(text: str) -> str | None:
    """The case number in a scan or typed text, or None when the text is an ID number.

    The receipt's QR code holds the progress address (``…?no=<number>``); the barcode and a
    typed number hold the number itself.
    """
    if "://" in text or "no=" in text:
        query = parse_qs(urlparse(text).query)
        found = query.get("no") or []
        if not found:
            raise DomainError("QR code without a case number", "二维码中没有办件编号")
        return parse_case_number(found[0]).text
    compact = normalize_id_text(text)
    if check_id(compact).valid:
        return None
    return parse_case_number(text).text


def _result_name(matter: Matter | None, state: CaseState) -> str:
    if state.decision_approved is False:
        return refusal_title(matter)
    if matter is not None and matter.result is not None:
        return matter.result.name
    return matter.name if matter else "办理结果"


def _result_number(state: CaseState) -> str:
    """证号 of a certificate; a refusal decision's 文号 is the case number."""
    if state.decision_approved is False:
        return state.case_number or ""
    return state.certificate_number or ""
