"""Case event records (事件内容): one typed record per event kind, to write and to read.

A payload is stored and synced as JSON, so it holds JSON types only (str, int, bool, None, lists,
dicts with str keys); dates travel as ISO strings. Each record is the one place its kind's fields
are spelled: ``to_payload`` writes the stored JSON, ``from_payload`` reads it back. A payload that
came from another station (an older or newer client, or a damaged row) may be malformed, so
``from_payload`` raises ``InvalidPayload`` instead of crashing, and so does building a record that
breaks its kind's rules. Unknown extra keys are ignored so that a newer station can add fields
without breaking older ones; fields added later are optional, so older payloads still read.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar, Self, TypeAlias, TypeVar

from zhanhe_counter.domain.applicant import USCC_LABEL, Applicant, CardType, Person
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import CaseEvent, EventKind
from zhanhe_counter.domain.identity import IdKind

JsonValue: TypeAlias = "str | int | bool | list[JsonValue] | dict[str, JsonValue] | None"
Payload: TypeAlias = dict[str, JsonValue]
_E = TypeVar("_E", bound=StrEnum)


class InvalidPayload(DomainError):
    """An event's content is malformed (事件内容格式错误)."""

    def __init__(self, kind: EventKind, field: str, problem: str) -> None:
        super().__init__(
            f"invalid {kind} payload: field {field!r} {problem}",
            f"办件记录内容有误（{field}），请联系管理员",
        )
        self.kind = kind
        self.field = field


class ServiceFlow(StrEnum):
    """办理流程 chosen at the window (Art. 15). Values are stored and synced."""

    COMPLETE_ON_SPOT = "complete_on_spot"  # 当场办结
    ACCEPT_ON_SPOT = "accept_on_spot"  # 当场受理
    RECEIVE_ONLY = "receive_only"  # 当场收件

    @property
    def label(self) -> str:
        return _FLOW_LABELS[self]


_FLOW_LABELS = {
    ServiceFlow.COMPLETE_ON_SPOT: "当场办结",
    ServiceFlow.ACCEPT_ON_SPOT: "当场受理",
    ServiceFlow.RECEIVE_ONLY: "当场收件",
}


class DeliveryMode(StrEnum):
    """出件方式."""

    PICKUP = "pickup"  # 窗口自取, signed by the applicant
    EXPRESS = "express"  # 快递, waybill kept

    @property
    def label(self) -> str:
        return "窗口领取" if self is DeliveryMode.PICKUP else "快递寄送"


class InspectionKind(StrEnum):
    """现场核查种类."""

    SIMPLE = "simple"  # 简易核查 by the reviewer
    PROFESSIONAL = "professional"  # 专业核查 by the specialist section

    @property
    def label(self) -> str:
        return "简易核查" if self is InspectionKind.SIMPLE else "专业核查"


class FollowupAction(StrEnum):
    """差评回访整改的步骤. Values are stored and synced; ``closed`` ends the follow-up."""

    CONTACTED = "contacted"  # 回访 (the applicant was called back)
    RECTIFIED = "rectified"  # 整改 (what was wrong has been put right)
    CLOSED = "closed"  # 办结 (the follow-up is finished)

    @property
    def label(self) -> str:
        return _FOLLOWUP_ACTION_LABELS[self]


_FOLLOWUP_ACTION_LABELS = {
    FollowupAction.CONTACTED: "回访",
    FollowupAction.RECTIFIED: "整改",
    FollowupAction.CLOSED: "办结",
}


class RevealedField(StrEnum):
    """What a reveal showed in full (查看的完整信息). Values are stored and synced."""

    ID_NUMBER = "id_number"  # 完整证件号码

    @property
    def label(self) -> str:
        return "完整证件号码"


class ReceiverRole(StrEnum):
    """Who took the result at the delivery window (领取人身份). Values are stored and synced."""

    APPLICANT = "applicant"  # 本人
    AGENT = "agent"  # the agent named on the case
    NEW_AGENT = "new_agent"  # someone else, with a letter of authority (授权委托书)

    @property
    def label(self) -> str:
        return _RECEIVER_LABELS[self]


_RECEIVER_LABELS = {
    ReceiverRole.APPLICANT: "本人",
    ReceiverRole.AGENT: "代理人",
    ReceiverRole.NEW_AGENT: "受托人",
}


class ServiceMethod(StrEnum):
    """送达方式 of a notice or decision. Values are stored and synced."""

    IN_PERSON = "in_person"  # 直接送达: handed over, the receiver signs
    POST = "post"  # 邮寄送达: waybill and dispatch date; served on the signed-for date
    ELECTRONIC = "electronic"  # 电子送达: only with the receiver's consent

    @property
    def label(self) -> str:
        return _SERVICE_LABELS[self]


_SERVICE_LABELS = {
    ServiceMethod.IN_PERSON: "直接送达",
    ServiceMethod.POST: "邮寄送达",
    ServiceMethod.ELECTRONIC: "电子送达",
}


MIN_RATING = 1
MAX_RATING = 5
LOWEST_SATISFIED_RATING = 3  # 基本满意; below it is a 差评 that needs reasons
MAX_FOLLOWUP_NOTE_LENGTH = 500  # a follow-up note is a short account, not a report


@dataclass(frozen=True, slots=True)
class MaterialItem:
    """One material named in an event (材料条目): received, 容缺, or listed in a one-time notice.

    ``material_id`` is the catalogue's id and is how a later supplement refers to the item;
    ``note`` carries what the clerk wrote (the defect, copies, pages).
    """

    material_id: str
    name: str
    note: str | None = None


# ----------------------------------------------------------------------------- records


class EventRecord:
    """The typed content of one event kind (事件内容). Subclasses are frozen dataclasses."""

    __slots__ = ()
    kind: ClassVar[EventKind]

    def to_payload(self) -> Payload:
        """The record as stored and synced (JSON types only)."""
        raise NotImplementedError

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        """Read a stored payload; raises ``InvalidPayload`` when it is malformed."""
        raise NotImplementedError

    def _fail(self, field: str, problem: str) -> InvalidPayload:
        return InvalidPayload(self.kind, field, problem)


def _items(items: Sequence[MaterialItem]) -> list[JsonValue]:
    return [{"material_id": i.material_id, "name": i.name, "note": i.note} for i in items]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _check_items(record: EventRecord, field: str, items: Sequence[MaterialItem]) -> None:
    ids = [item.material_id for item in items]
    if len(set(ids)) != len(ids):
        raise record._fail(field, "names the same material twice")


@dataclass(frozen=True, slots=True)
class Consulted(EventRecord):
    """咨询登记: what was asked about (a matter, or only a question)."""

    kind: ClassVar[EventKind] = EventKind.CONSULTED
    matter_id: str | None = None
    question: str | None = None

    def to_payload(self) -> Payload:
        return {"matter_id": self.matter_id, "question": self.question}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _Reader(cls.kind, payload)
        return cls(r.optional_text("matter_id"), r.optional_text("question"))


@dataclass(frozen=True, slots=True)
class Received(EventRecord):
    """收件: the case number, matter, applicant (full numbers: this is the case record), the
    materials in hand, the flow chosen and the promised date."""

    kind: ClassVar[EventKind] = EventKind.RECEIVED
    case_number: str
    matter_id: str
    applicant: Applicant
    materials: tuple[MaterialItem, ...] = ()
    flow: ServiceFlow = ServiceFlow.RECEIVE_ONLY
    promised_due: date | None = None
    #: 同意接收短信通知, asked at intake; absent on older events, and written only when given so
    #: that a payload without consent reads exactly as before (docs/notices.md).
    sms_consent: bool = False
    #: The catalogue version the case was taken under (the centre's published version); a
    #: case keeps it when a newer one takes effect. Written only when known, as sms_consent.
    catalogue_version: str | None = None

    def __post_init__(self) -> None:
        if not self.applicant.display_name.strip():
            raise self._fail("applicant.name", "must be a non-empty string")
        _check_items(self, "materials", self.materials)

    def to_payload(self) -> Payload:
        payload: Payload = {
            "case_number": self.case_number,
            "matter_id": self.matter_id,
            "applicant": applicant_to_json(self.applicant),
            "materials": _items(self.materials),
            "flow": self.flow.value,
            "promised_due": _iso(self.promised_due),
        }
        if self.sms_consent:
            payload["sms_consent"] = True
        if self.catalogue_version:
            payload["catalogue_version"] = self.catalogue_version
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _Reader(cls.kind, payload)
        return cls(
            case_number=r.text("case_number"),
            matter_id=r.text("matter_id"),
            applicant=_read_applicant(r),
            materials=r.items("materials"),
            flow=r.choice("flow", ServiceFlow),
            promised_due=r.optional_date("promised_due"),
            sms_consent=r.flag("sms_consent", default=False),
            catalogue_version=r.optional_text("catalogue_version"),
        )


@dataclass(frozen=True, slots=True)
class RongquePledged(EventRecord):
    """容缺收件: the items the applicant pledged to supply, and by when."""

    kind: ClassVar[EventKind] = EventKind.RONGQUE_PLEDGED
    items: tuple[MaterialItem, ...]
    deadline: date

    def __post_init__(self) -> None:
        if not self.items:
            raise self._fail("items", "must name at least one material")
        _check_items(self, "items", self.items)

    def to_payload(self) -> Payload:
        return {"items": _items(self.items), "deadline": self.deadline.isoformat()}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _Reader(cls.kind, payload)
        return cls(r.items("items"), r.date("deadline"))


@dataclass(frozen=True, slots=True)
class NotifiedOnce(EventRecord):
    """一次性告知: everything missing, listed once, with the supplement deadline if one is set."""

    kind: ClassVar[EventKind] = EventKind.NOTIFIED_ONCE
    items: tuple[MaterialItem, ...]
    deadline: date | None = None

    def __post_init__(self) -> None:
        if not self.items:
            raise self._fail("items", "must name at least one material")
        _check_items(self, "items", self.items)

    def to_payload(self) -> Payload:
        return {"items": _items(self.items), "deadline": _iso(self.deadline)}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _Reader(cls.kind, payload)
        return cls(r.items("items"), r.optional_date("deadline"))


@dataclass(frozen=True, slots=True)
class BackofficeRequested(EventRecord):
    """提交后台: the moment the 20-minute answer is due, and the department asked."""

    kind: ClassVar[EventKind] = EventKind.BACKOFFICE_REQUESTED
    answer_due: datetime | None = None
    department: str | None = None

    def to_payload(self) -> Payload:
        return {
            "answer_due": self.answer_due.isoformat() if self.answer_due else None,
            "department": self.department,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _Reader(cls.kind, payload)
        return cls(r.optional_datetime("answer_due"), r.optional_text("department"))


@dataclass(frozen=True, slots=True)
class Accepted(EventRecord):
    """受理; ``deemed`` when no one-time notice came in time (Art. 32(4))."""

    kind: ClassVar[EventKind] = EventKind.ACCEPTED
    promised_due: date | None = None
    deemed: bool = False

    def to_payload(self) -> Payload:
        return {"promised_due": _iso(self.promised_due), "deemed": self.deemed}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _Reader(cls.kind, payload)
        return cls(r.optional_date("promised_due"), r.flag("deemed", default=False))


@dataclass(frozen=True, slots=True)
class Refused(EventRecord):
    """不予受理, with its reasons, legal basis, the competent office and the relief rights."""

    kind: ClassVar[EventKind] = EventKind.REFUSED
    reasons: tuple[str, ...]
    basis: str | None = None
    competent_office: str | None = None
    relief: str | None = None

    def __post_init__(self) -> None:
        if not self.reasons:
            raise self._fail("reasons", "must give at least one reason")

    def to_payload(self) -> Payload:
        return {
            "reasons": list(self.reasons),
            "basis": self.basis,
            "competent_office": self.competent_office,
            "relief": self.relief,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _Reader(cls.kind, payload)
        return cls(
            r.texts("reasons"),
            r.optional_text("basis"),
            r.optional_text("competent_office"),
            r.optional_text("relief"),
        )


@dataclass(frozen=True, slots=True)
class SupplementReceived(EventRecord):
    """补正/容缺 material received, by catalogue material id."""

    kind: ClassVar[EventKind] = EventKind.SUPPLEMENT_RECEIVED
    material_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.material_ids:
            raise self._fail("material_ids", "must name at least one material")
        if len(set(self.material_ids)) != len(self.material_ids):
            raise self._fail("material_ids", "names the same material twice")

    def to_payload(self) -> Payload:
        return {"material_ids": list(self.material_ids)}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        return cls(_Reader(cls.kind, payload).texts("material_ids"))


@dataclass(frozen=True, slots=True)
class Inspected(EventRecord):
    """现场核查: which kind, and what was found."""

    kind: ClassVar[EventKind] = EventKind.INSPECTED
    inspection: InspectionKind
    findings: str

    def __post_init__(self) -> None:
        if not self.findings.strip():
            raise self._fail("findings", "must be a non-empty string")

    def to_payload(self) -> Payload:
        return {"inspection": self.inspection.value, "findings": self.findings}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _Reader(cls.kind, payload)
        return cls(r.choice("inspection", InspectionKind), r.text("findings"))


@dataclass(frozen=True, slots=True)
class Decided(EventRecord):
    """决定. A refusal needs reasons and the relief-rights text (行政复议/行政诉讼, Art. 38)."""

    kind: ClassVar[EventKind] = EventKind.DECIDED
    approved: bool
    reasons: tuple[str, ...] = ()
    basis: str | None = None
    relief: str | None = None

    def __post_init__(self) -> None:
        if not self.approved:
            if not self.reasons:
                raise self._fail("reasons", "must give the reasons of a refusal")
            if self.relief is None or not self.relief.strip():
                raise self._fail("relief", "must state the relief rights of a refusal")

    def to_payload(self) -> Payload:
        return {
            "approved": self.approved,
            "reasons": list(self.reasons),
            "basis": self.basis,
            "relief": self.relief,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _Reader(cls.kind, payload)
        return cls(
            r.flag("approved"),
            r.texts("reasons"),
            r.optional_text("basis"),
            r.optional_text("relief"),
        )


@dataclass(frozen=True, slots=True)
class CertificateMade(EventRecord):
    """制证: the certificate's name and number, where it has them."""

    kind: ClassVar[EventKind] = EventKind.CERTIFICATE_MADE
    certificate_name: str | None = None
    certificate_number: str | None = None

    def to_payload(self) -> Payload:
        return {
            "certificate_name": self.certificate_name,
            "certificate_number": self.certificate_number,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _Reader(cls.kind, payload)
        return cls(r.optional_text("certificate_name"), r.optional_text("certificate_number"))


@dataclass(frozen=True, slots=True)
class HandedToDelivery(EventRecord):
    """移交出件; ``collect_at_delivery`` lists what the 交接单 says to take from the applicant."""

    kind: ClassVar[EventKind] = EventKind.HANDED_TO_DELIVERY
    collect_at_delivery: tuple[str, ...] = ()

    def to_payload(self) -> Payload:
        return {"collect_at_delivery": list(self.collect_at_delivery)}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        return cls(_Reader(cls.kind, payload).texts("collect_at_delivery"))


@dataclass(frozen=True, slots=True)
class Delivered(EventRecord):
    """出件: pickup signed by ``signer``, or express with ``carrier`` and ``waybill``.

    A pickup at the delivery window also records who took it (``receiver_role``, the masked
    number), what was collected and the stored signature image with its SHA-256; an express
    delivery the materials collected and the mail address. The counter's 当场办结 pickup has none
    of these."""

    kind: ClassVar[EventKind] = EventKind.DELIVERED
    mode: DeliveryMode
    signer: str | None = None
    carrier: str | None = None
    waybill: str | None = None
    receiver_role: ReceiverRole | None = None
    receiver_id_masked: str | None = None
    collected: tuple[str, ...] = ()
    signature_file: str | None = None
    signature_sha256: str | None = None
    mail_address: str | None = None

    def __post_init__(self) -> None:
        required = ("signer",) if self.mode is DeliveryMode.PICKUP else ("carrier", "waybill")
        for name in required:
            value = getattr(self, name)
            if value is None or not value.strip():
                raise self._fail(name, "must be a non-empty string")

    def to_payload(self) -> Payload:
        return {
            "mode": self.mode.value,
            "signer": self.signer,
            "carrier": self.carrier,
            "waybill": self.waybill,
            "receiver_role": self.receiver_role.value if self.receiver_role else None,
            "receiver_id_masked": self.receiver_id_masked,
            "collected": list(self.collected),
            "signature_file": self.signature_file,
            "signature_sha256": self.signature_sha256,
            "mail_address": self.mail_address,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _Reader(cls.kind, payload)
        mode = r.choice("mode", DeliveryMode)
        pickup = mode is DeliveryMode.PICKUP
        return cls(
            mode,
            # What the other mode would carry is not read: it was always written as null.
            signer=r.text("signer") if pickup else None,
            carrier=None if pickup else r.text("carrier"),
            waybill=None if pickup else r.text("waybill"),
            receiver_role=r.optional_choice("receiver_role", ReceiverRole),
            receiver_id_masked=r.optional_text("receiver_id_masked"),
            collected=r.texts("collected"),
            signature_file=r.optional_text("signature_file"),
            signature_sha256=r.optional_text("signature_sha256"),
            mail_address=r.optional_text("mail_address"),
        )


@dataclass(frozen=True, slots=True)
class Rated(EventRecord):
    """好差评: level 1 (非常不满意) to 5 (非常满意); 1 and 2 carry reasons.

    The rater is the applicant, who stays anonymous; the record names the case, matter, clerk and
    window rated and the channel, so the supervisor's follow-up needs nothing else. Ratings
    recorded before these were kept have them None."""

    kind: ClassVar[EventKind] = EventKind.RATED
    level: int
    reasons: tuple[str, ...] = ()
    case_number: str | None = None
    matter_id: str | None = None
    staff_id: str | None = None
    window_id: str | None = None
    channel: str | None = None

    def __post_init__(self) -> None:
        if (
            isinstance(self.level, bool)
            or not isinstance(self.level, int)
            or not MIN_RATING <= self.level <= MAX_RATING
        ):
            raise self._fail("level", f"must be an integer from {MIN_RATING} to {MAX_RATING}")
        if self.is_bad and not self.reasons:
            raise self._fail("reasons", "must give at least one reason for a bad rating")

    @property
    def is_bad(self) -> bool:
        """差评 (below 基本满意): it must be followed up."""
        return self.level < LOWEST_SATISFIED_RATING

    def to_payload(self) -> Payload:
        return {
            "level": self.level,
            "reasons": list(self.reasons),
            "case_number": self.case_number,
            "matter_id": self.matter_id,
            "staff_id": self.staff_id,
            "window_id": self.window_id,
            "channel": self.channel,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _Reader(cls.kind, payload)
        level: int = payload.get("level", 0)  # checked by ``__post_init__``
        return cls(
            level,
            r.texts("reasons"),
            case_number=r.optional_text("case_number"),
            matter_id=r.optional_text("matter_id"),
            staff_id=r.optional_text("staff_id"),
            window_id=r.optional_text("window_id"),
            channel=r.optional_text("channel"),
        )


@dataclass(frozen=True, slots=True)
class RatingFollowedUp(EventRecord):
    """差评回访整改: one step taken on a bad rating, with what was done or said."""

    kind: ClassVar[EventKind] = EventKind.RATING_FOLLOWED_UP
    action: FollowupAction
    note: str

    def __post_init__(self) -> None:
        note = self.note.strip()
        if not note:
            raise self._fail("note", "must be a non-empty string")
        if len(note) > MAX_FOLLOWUP_NOTE_LENGTH:
            raise self._fail("note", f"must be at most {MAX_FOLLOWUP_NOTE_LENGTH} characters")
        object.__setattr__(self, "note", note)

    def to_payload(self) -> Payload:
        return {"action": self.action.value, "note": self.note}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _Reader(cls.kind, payload)
        return cls(r.choice("action", FollowupAction), r.text("note"))


@dataclass(frozen=True, slots=True)
class Withdrawn(EventRecord):
    """撤回申请, with the reason if one was given."""

    kind: ClassVar[EventKind] = EventKind.WITHDRAWN
    reason: str | None = None

    def to_payload(self) -> Payload:
        return {"reason": self.reason}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        return cls(_Reader(cls.kind, payload).optional_text("reason"))


@dataclass(frozen=True, slots=True)
class NoticeServed(EventRecord):
    """送达: how one notice or decision (``document``) reached the applicant.

    直接送达 names the receiver (and the stored signature image with its SHA-256 when a pad took
    it); 邮寄送达 the carrier, the waybill and the dispatch date, and — recorded later, as a second
    event naming the same waybill — the date the mail was signed for, which is the date of
    service; 电子送达 the address and the receiver's consent, without which it is no service.
    Which documents may be served and when is ``domain.notice_service``."""

    kind: ClassVar[EventKind] = EventKind.NOTICE_SERVED
    document: DocumentKind
    method: ServiceMethod
    receiver: str | None = None
    receiver_role: ReceiverRole | None = None
    signature_file: str | None = None
    signature_sha256: str | None = None
    carrier: str | None = None
    waybill: str | None = None
    mail_address: str | None = None
    dispatched_on: date | None = None
    signed_for_on: date | None = None
    electronic_address: str | None = None
    consent: bool = False

    def __post_init__(self) -> None:
        required = {
            ServiceMethod.IN_PERSON: ("receiver",),
            ServiceMethod.POST: ("carrier", "waybill"),
            ServiceMethod.ELECTRONIC: ("electronic_address",),
        }[self.method]
        for name in required:
            value = getattr(self, name)
            if value is None or not value.strip():
                raise self._fail(name, "must be a non-empty string")
        if self.method is ServiceMethod.POST:
            if self.dispatched_on is None:
                raise self._fail("dispatched_on", "must be the dispatch date of the mail")
            if self.signed_for_on is not None and self.signed_for_on < self.dispatched_on:
                raise self._fail("signed_for_on", "must not be before the dispatch date")
        elif self.signed_for_on is not None:
            raise self._fail("signed_for_on", "belongs to a mailed service only")
        if self.method is ServiceMethod.ELECTRONIC and not self.consent:
            raise self._fail("consent", "electronic service needs the receiver's consent")

    @property
    def complete(self) -> bool:
        """Served: handed over, sent electronically, or the mail signed for."""
        return self.method is not ServiceMethod.POST or self.signed_for_on is not None

    def to_payload(self) -> Payload:
        return {
            "document": self.document.value,
            "method": self.method.value,
            "receiver": self.receiver,
            "receiver_role": self.receiver_role.value if self.receiver_role else None,
            "signature_file": self.signature_file,
            "signature_sha256": self.signature_sha256,
            "carrier": self.carrier,
            "waybill": self.waybill,
            "mail_address": self.mail_address,
            "dispatched_on": _iso(self.dispatched_on),
            "signed_for_on": _iso(self.signed_for_on),
            "electronic_address": self.electronic_address,
            "consent": self.consent,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _Reader(cls.kind, payload)
        return cls(
            r.choice("document", DocumentKind),
            r.choice("method", ServiceMethod),
            receiver=r.optional_text("receiver"),
            receiver_role=r.optional_choice("receiver_role", ReceiverRole),
            signature_file=r.optional_text("signature_file"),
            signature_sha256=r.optional_text("signature_sha256"),
            carrier=r.optional_text("carrier"),
            waybill=r.optional_text("waybill"),
            mail_address=r.optional_text("mail_address"),
            dispatched_on=r.optional_date("dispatched_on"),
            signed_for_on=r.optional_date("signed_for_on"),
            electronic_address=r.optional_text("electronic_address"),
            consent=r.flag("consent", False),
        )


# Audit records say what was accessed, never the personal data itself: no ID number, no name.


def _refuse_id_numbers(record: EventRecord) -> None:
    """An access record that held an ID number would itself leak it (docs/domain.md)."""
    for entry in dataclasses.fields(record):  # type: ignore[arg-type]
        value = getattr(record, entry.name)
        if isinstance(value, str) and _ID_NUMBER_LIKE.search(value):
            raise record._fail(entry.name, "must not hold an ID number")


@dataclass(frozen=True, slots=True)
class CaseViewed(EventRecord):
    """查阅办件详情: where the case was opened, e.g. ``case_detail``."""

    kind: ClassVar[EventKind] = EventKind.CASE_VIEWED
    screen: str = "case_detail"

    def __post_init__(self) -> None:
        _refuse_id_numbers(self)

    def to_payload(self) -> Payload:
        return {"screen": self.screen}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        return cls(_audit_reader(cls.kind, payload).text("screen"))


@dataclass(frozen=True, slots=True)
class DocumentPrinted(EventRecord):
    """打印文书 (a print request queued). ``document`` is a ``DocumentKind`` value, kept as text:
    a newer station may add kinds."""

    kind: ClassVar[EventKind] = EventKind.DOCUMENT_PRINTED
    document: str
    printer: str
    copies: int = 1

    def __post_init__(self) -> None:
        _refuse_id_numbers(self)
        if isinstance(self.copies, bool) or not isinstance(self.copies, int) or self.copies < 1:
            raise self._fail("copies", "must be a positive integer")

    def to_payload(self) -> Payload:
        return {"document": self.document, "printer": self.printer, "copies": self.copies}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _audit_reader(cls.kind, payload)
        return cls(r.text("document"), r.text("printer"), payload.get("copies", 1))


@dataclass(frozen=True, slots=True)
class DocumentReprinted(EventRecord):
    """补打文书: which document, on which printer, re-sent from which job."""

    kind: ClassVar[EventKind] = EventKind.DOCUMENT_REPRINTED
    document: str
    printer: str
    original_job_id: str

    def __post_init__(self) -> None:
        _refuse_id_numbers(self)

    def to_payload(self) -> Payload:
        return {
            "document": self.document,
            "printer": self.printer,
            "original_job_id": self.original_job_id,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _audit_reader(cls.kind, payload)
        return cls(r.text("document"), r.text("printer"), r.text("original_job_id"))


@dataclass(frozen=True, slots=True)
class IdRevealed(EventRecord):
    """查看完整证件号码: which field was shown in full."""

    kind: ClassVar[EventKind] = EventKind.ID_REVEALED
    field: RevealedField = RevealedField.ID_NUMBER

    def to_payload(self) -> Payload:
        return {"field": self.field.value}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        return cls(_audit_reader(cls.kind, payload).choice("field", RevealedField))


@dataclass(frozen=True, slots=True)
class CaseExported(EventRecord):
    """导出办件数据: which export (e.g. ``tally_drill``) in which file format (csv, xlsx, pdf)."""

    kind: ClassVar[EventKind] = EventKind.CASE_EXPORTED
    export: str
    file_format: str

    def __post_init__(self) -> None:
        _refuse_id_numbers(self)

    def to_payload(self) -> Payload:
        return {"export": self.export, "file_format": self.file_format}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _audit_reader(cls.kind, payload)
        return cls(r.text("export"), r.text("file_format"))


@dataclass(frozen=True, slots=True)
class MaterialPage:
    """One captured page (材料影像页): its SHA-256 (hex) and size in bytes. The image itself is
    kept by the station and sent to the centre apart from the event, found by its hash."""

    sha256: str
    size: int


_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class MaterialCaptured(EventRecord):
    """材料影像: the pages captured for one checklist row, in order, and how (scanner, camera,
    file). ``page_count`` is ``len(pages)``, written out for readers that skip the list."""

    kind: ClassVar[EventKind] = EventKind.MATERIAL_CAPTURED
    material_id: str
    name: str
    pages: tuple[MaterialPage, ...]
    source: str = "file"

    def __post_init__(self) -> None:
        if not self.pages:
            raise self._fail("pages", "must hold at least one page")
        for position, page in enumerate(self.pages):
            if not isinstance(page.sha256, str) or not _SHA256_HEX.fullmatch(page.sha256):
                raise self._fail(f"pages[{position}].sha256", "must be 64 lower-case hex digits")
            if isinstance(page.size, bool) or not isinstance(page.size, int) or page.size < 1:
                raise self._fail(f"pages[{position}].size", "must be a positive integer")

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def total_size(self) -> int:
        return sum(page.size for page in self.pages)

    def to_payload(self) -> Payload:
        return {
            "material_id": self.material_id,
            "name": self.name,
            "pages": [{"sha256": page.sha256, "size": page.size} for page in self.pages],
            "page_count": self.page_count,
            "total_size": self.total_size,
            "source": self.source,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _audit_reader(cls.kind, payload)
        entries = payload.get("pages")
        if not isinstance(entries, list):
            raise r.fail("pages", "must be a list")
        pages = []
        for position, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                raise r.fail(f"pages[{position}]", "must be an object")
            pages.append(MaterialPage(entry.get("sha256"), entry.get("size")))  # type: ignore[arg-type]
        return cls(r.text("material_id"), r.text("name"), tuple(pages), r.text("source"))


@dataclass(frozen=True, slots=True)
class DocumentSigned(EventRecord):
    """签署文书: a document signed on the pad, kept as the signed PDF. ``sha256`` and ``size`` are
    the signed PDF's (kept by the station like a material page, sent to the centre with the
    case); ``signature_sha256`` is the signature image's. ``document`` is a ``DocumentKind``
    value, kept as text: a newer station may add kinds."""

    kind: ClassVar[EventKind] = EventKind.DOCUMENT_SIGNED
    document: str
    sha256: str
    size: int
    signature_sha256: str

    def __post_init__(self) -> None:
        for name in ("sha256", "signature_sha256"):
            if not _SHA256_HEX.fullmatch(getattr(self, name)):
                raise self._fail(name, "must be 64 lower-case hex digits")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 1:
            raise self._fail("size", "must be a positive integer")

    def to_payload(self) -> Payload:
        return {
            "document": self.document,
            "sha256": self.sha256,
            "size": self.size,
            "signature_sha256": self.signature_sha256,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        r = _audit_reader(cls.kind, payload)
        return cls(
            r.text("document"),
            r.text("sha256"),
            payload.get("size"),  # type: ignore[arg-type]  # checked in __post_init__
            r.text("signature_sha256"),
        )


# ----------------------------------------------------------------------------- the applicant

# How a person is spelled inside the RECEIVED payload's ``applicant`` object. The applicant's own
# phone and address never had a prefix; the card-type fields came later and are optional.
_PERSON_KEYS = {
    "name": "person_name",
    "id_type": "person_id_type",
    "id_number": "person_id_number",
    "card_type": "person_card_type",
    "phone": "phone",
    "address": "address",
    "name_en": "person_name_en",
    "nationality": "person_nationality",
    "pass_number": "person_pass_number",
}
_AGENT_KEYS = {field: f"agent_{field}" for field in _PERSON_KEYS}

#: What older payloads wrote as ``id_type``: the card's Chinese name (or, in some, the kind).
_CARD_TYPE_NAMES: Mapping[str, CardType | None] = {
    CardType.RESIDENT.label: CardType.RESIDENT,
    CardType.GAT_RESIDENCE.label: CardType.GAT_RESIDENCE,
    IdKind.FOREIGN_PERMANENT.label: None,  # the layout follows from the number
    **{t.value: t for t in CardType},
    IdKind.FOREIGN_PERMANENT.value: None,
}
_FOREIGN_2017_LENGTH = 15


def applicant_to_json(applicant: Applicant) -> dict[str, JsonValue]:
    """The applicant as stored in the RECEIVED event (full numbers: the case record).

    ``name``/``id_type``/``id_number`` are the applicant's (an organisation's code, or the
    person's card); the person who came and the agent follow with their own keys."""
    data: dict[str, JsonValue] = {
        "name": applicant.display_name,
        "id_type": applicant.id_type,
        "id_number": applicant.uscc if applicant.is_organisation else applicant.person.id_number,
    }
    data |= _person_to_json(applicant.person, _PERSON_KEYS)
    if applicant.agent:
        data |= _person_to_json(applicant.agent, _AGENT_KEYS)
    return data


def _person_to_json(person: Person, keys: Mapping[str, str]) -> dict[str, JsonValue]:
    return {
        keys["name"]: person.name,
        keys["id_type"]: person.id_type,
        keys["id_number"]: person.id_number,
        keys["card_type"]: person.card_type.value,
        keys["phone"]: person.phone,
        keys["address"]: person.address,
        keys["name_en"]: person.name_en,
        keys["nationality"]: person.nationality,
        keys["pass_number"]: person.pass_number,
    }


def _read_applicant(r: _Reader) -> Applicant:
    raw = r.payload.get("applicant")
    if not isinstance(raw, Mapping):
        raise r.fail("applicant", "must be an object")
    if not all(v is None or isinstance(v, str) for v in raw.values()):
        raise r.fail("applicant", "values must be strings or null")
    a = _Reader(r.kind, raw, prefix="applicant.")
    name = a.text("name")
    organisation = a.optional_text("id_type") == USCC_LABEL
    return Applicant(
        # The oldest payloads held only name, id_type and id_number: those of the person.
        person=_read_person(a, _PERSON_KEYS, legacy=not organisation),
        organisation=name if organisation else None,
        uscc=a.optional_text("id_number") if organisation else None,
        agent=_read_person(a, _AGENT_KEYS) if a.optional_text("agent_name") else None,
    )


def _read_person(a: _Reader, keys: Mapping[str, str], *, legacy: bool = False) -> Person:
    def text(field: str) -> str | None:
        value = a.optional_text(keys[field])
        if value is None and legacy and field in _LEGACY_PERSON_FIELDS:
            return a.optional_text(field)
        return value

    number = text("id_number") or ""
    if a.payload.get(keys["card_type"]) is not None:
        card_type = a.choice(keys["card_type"], CardType)
    else:
        card_type = _card_type_from_name(a, keys["id_type"], text("id_type"), number)
    return Person(
        name=text("name") or "",
        id_number=number,
        card_type=card_type,
        phone=text("phone"),
        address=text("address"),
        name_en=text("name_en"),
        nationality=text("nationality"),
        pass_number=text("pass_number"),
    )


_LEGACY_PERSON_FIELDS = frozenset({"name", "id_type", "id_number"})


def _card_type_from_name(a: _Reader, key: str, name: str | None, number: str) -> CardType:
    if name is None:
        return CardType.RESIDENT
    if name not in _CARD_TYPE_NAMES:
        raise a.fail(key, "names an unknown card type")
    found = _CARD_TYPE_NAMES[name]
    if found is not None:
        return found
    return CardType.FOREIGN_2017 if len(number) == _FOREIGN_2017_LENGTH else CardType.FOREIGN_2023


# ----------------------------------------------------------------------------- field readers


class _Reader:
    """Reads typed fields out of one payload, naming the field in every complaint."""

    def __init__(self, kind: EventKind, payload: Mapping[str, Any], prefix: str = "") -> None:
        if not isinstance(payload, Mapping):
            raise InvalidPayload(kind, "payload", "is not an object")
        if not prefix:
            _check_json(kind, "payload", payload)
        self.kind = kind
        self.payload = payload
        self.prefix = prefix

    def fail(self, field: str, problem: str) -> InvalidPayload:
        return InvalidPayload(self.kind, self.prefix + field, problem)

    def text(self, field: str) -> str:
        value = self.payload.get(field)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, "must be a non-empty string")
        return value

    def optional_text(self, field: str) -> str | None:
        value = self.payload.get(field)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(field, "must be a string or null")
        return value or None

    def flag(self, field: str, default: bool | None = None) -> bool:
        value = self.payload.get(field, default)
        if not isinstance(value, bool):
            raise self.fail(field, "must be true or false")
        return value

    def texts(self, field: str) -> tuple[str, ...]:
        value = self.payload.get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(field, "must be a list of non-empty strings")
        return tuple(value)

    def optional_date(self, field: str) -> date | None:
        value = self.payload.get(field)
        return None if value is None else self.date(field)

    def date(self, field: str) -> date:
        value = self.payload.get(field)
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(field, "must be an ISO date (YYYY-MM-DD)") from None

    def optional_datetime(self, field: str) -> datetime | None:
        value = self.payload.get(field)
        if value is None:
            return None
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            return datetime.fromisoformat(value)
        except ValueError:
            raise self.fail(field, "must be an ISO date-time or null") from None

    def choice(self, field: str, enum: type[_E]) -> _E:
        value = self.payload.get(field)
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            return enum(value)
        except ValueError:
            allowed = ", ".join(m.value for m in enum)
            raise self.fail(field, f"must be one of {allowed}") from None

    def optional_choice(self, field: str, enum: type[_E]) -> _E | None:
        return None if self.payload.get(field) is None else self.choice(field, enum)

    def items(self, field: str) -> tuple[MaterialItem, ...]:
        value = self.payload.get(field, [])
        if not isinstance(value, list):
            raise self.fail(field, "must be a list")
        result: list[MaterialItem] = []
        for position, entry in enumerate(value):
            where = f"{field}[{position}]"
            if not isinstance(entry, Mapping):
                raise self.fail(where, "must be an object")
            material_id, name, note = (entry.get(k) for k in ("material_id", "name", "note"))
            if not isinstance(material_id, str) or not material_id.strip():
                raise self.fail(f"{where}.material_id", "must be a non-empty string")
            if not isinstance(name, str) or not name.strip():
                raise self.fail(f"{where}.name", "must be a non-empty string")
            if note is not None and not isinstance(note, str):
                raise self.fail(f"{where}.note", "must be a string or null")
            result.append(MaterialItem(material_id, name, note))
        return tuple(result)


#: A run of digits as long as a 15-digit (first generation) ID number or longer.
_ID_NUMBER_LIKE = re.compile(r"[0-9]{14}[0-9Xx]")


def _audit_reader(kind: EventKind, payload: Mapping[str, Any]) -> _Reader:
    """A reader for an audit payload that refuses anything looking like an ID number, in any key:
    an access record that held the number would itself leak it (docs/domain.md)."""
    r = _Reader(kind, payload)
    for key, value in payload.items():
        if isinstance(value, str) and _ID_NUMBER_LIKE.search(value):
            raise r.fail(key, "must not hold an ID number")
    return r


#: Values that need no look inside. bool is an int subclass and is allowed; float is not (NaN and
#: rounding do not sync safely).
_JSON_LEAVES = (str, int, type(None))


def _check_json(kind: EventKind, path: str, value: object) -> None:
    """Refuse a payload holding anything but JSON; ``value`` is a list, an object or neither
    (never a leaf: leaves are passed where they sit, so a path is spelled out only for a nested
    value; every payload is checked on every append, and most of its values are leaves)."""
    if isinstance(value, list):
        for position, item in enumerate(value):
            if not isinstance(item, _JSON_LEAVES):
                _check_json(kind, f"{path}[{position}]", item)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidPayload(kind, path, "has a non-string key")
            if not isinstance(item, _JSON_LEAVES):
                _check_json(kind, f"{path}.{key}", item)
        return
    raise InvalidPayload(kind, path, f"holds a non-JSON value of type {type(value).__name__}")


# ----------------------------------------------------------------------------- by kind

RECORD_TYPES: Mapping[EventKind, type[EventRecord]] = {
    record.kind: record
    for record in (
        Consulted,
        Received,
        RongquePledged,
        NotifiedOnce,
        BackofficeRequested,
        Accepted,
        Refused,
        SupplementReceived,
        Inspected,
        Decided,
        CertificateMade,
        HandedToDelivery,
        Delivered,
        Rated,
        RatingFollowedUp,
        Withdrawn,
        NoticeServed,
        CaseViewed,
        DocumentPrinted,
        DocumentReprinted,
        IdRevealed,
        CaseExported,
        MaterialCaptured,
        DocumentSigned,
    )
}


def read_payload(kind: EventKind, payload: Mapping[str, Any]) -> EventRecord:
    """The typed record of a payload of ``kind``; raises ``InvalidPayload`` when malformed."""
    return RECORD_TYPES[kind].from_payload(payload)


def record_of(event: CaseEvent) -> EventRecord:
    """The typed content of a recorded event."""
    return read_payload(event.kind, event.payload)


def validate_payload(kind: EventKind, payload: Mapping[str, Any]) -> None:
    """Raise ``InvalidPayload`` when ``payload`` is not a well-formed payload of ``kind``."""
    read_payload(kind, payload)
