"""Case event payloads (事件内容): builders that write them and parsers that check them.

A payload is stored and synced as JSON, so it holds JSON types only (str, int, bool, None, lists,
dicts with str keys); dates travel as ISO strings. Builders are what the services call to make a
payload; ``parse_*`` functions are what ``domain.case.apply`` calls to read one. A payload that
came from another station (an older or newer client, or a damaged row) may be malformed, so every
parser raises ``InvalidPayload`` instead of crashing. Unknown extra keys are ignored so that a
newer station can add fields without breaking older ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeAlias, TypeVar

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventKind

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


# ----------------------------------------------------------------------------- parsed payloads


@dataclass(frozen=True, slots=True)
class ConsultedData:
    matter_id: str | None
    question: str | None


@dataclass(frozen=True, slots=True)
class ReceivedData:
    case_number: str
    matter_id: str
    applicant_name: str
    applicant: Mapping[str, str | None]
    materials: tuple[MaterialItem, ...]
    flow: ServiceFlow
    promised_due: date | None
    sms_consent: bool = False  # 同意接收短信通知 (asked at intake; absent on older events)


@dataclass(frozen=True, slots=True)
class RongqueData:
    items: tuple[MaterialItem, ...]
    deadline: date


@dataclass(frozen=True, slots=True)
class NoticeData:
    items: tuple[MaterialItem, ...]
    deadline: date | None


@dataclass(frozen=True, slots=True)
class BackofficeData:
    answer_due: datetime | None
    department: str | None


@dataclass(frozen=True, slots=True)
class AcceptedData:
    promised_due: date | None
    deemed: bool  # deemed accepted because no one-time notice came in time (Art. 32(4))


@dataclass(frozen=True, slots=True)
class RefusedData:
    reasons: tuple[str, ...]
    basis: str | None
    competent_office: str | None
    relief: str | None


@dataclass(frozen=True, slots=True)
class SupplementData:
    material_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class InspectedData:
    inspection: InspectionKind
    findings: str


@dataclass(frozen=True, slots=True)
class DecidedData:
    approved: bool
    reasons: tuple[str, ...]
    basis: str | None
    relief: str | None


@dataclass(frozen=True, slots=True)
class CertificateData:
    certificate_name: str | None
    certificate_number: str | None


@dataclass(frozen=True, slots=True)
class HandoverData:
    collect_at_delivery: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DeliveredData:
    mode: DeliveryMode
    signer: str | None
    carrier: str | None
    waybill: str | None


@dataclass(frozen=True, slots=True)
class RatedData:
    level: int
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FollowedUpData:
    action: FollowupAction
    note: str


@dataclass(frozen=True, slots=True)
class WithdrawnData:
    reason: str | None


@dataclass(frozen=True, slots=True)
class ViewedData:
    screen: str  # where the case was opened, e.g. ``case_detail``


@dataclass(frozen=True, slots=True)
class PrintedData:
    document: str  # a ``DocumentKind`` value (kept as text: a newer station may add kinds)
    printer: str
    copies: int


@dataclass(frozen=True, slots=True)
class ReprintedData:
    document: str
    printer: str
    original_job_id: str


@dataclass(frozen=True, slots=True)
class RevealedData:
    field: RevealedField


@dataclass(frozen=True, slots=True)
class ExportedData:
    export: str  # which export, e.g. ``tally_drill``
    file_format: str  # csv, xlsx, pdf


# ----------------------------------------------------------------------------- builders


def _items(items: Sequence[MaterialItem]) -> list[JsonValue]:
    return [{"material_id": i.material_id, "name": i.name, "note": i.note} for i in items]


def consulted_payload(*, matter_id: str | None = None, question: str | None = None) -> Payload:
    return {"matter_id": matter_id, "question": question}


def received_payload(
    *,
    case_number: str,
    matter_id: str,
    applicant: Mapping[str, str | None],
    materials: Sequence[MaterialItem],
    flow: ServiceFlow,
    promised_due: date | None,
    sms_consent: bool = False,
) -> Payload:
    """收件. ``applicant`` must hold ``name``; other keys (id_type, id_number, phone, agent) are
    strings or None and are printed on the documents, never logged. ``sms_consent`` records
    that the applicant agreed to SMS notices about this case (services/notices.py)."""
    return {
        "case_number": case_number,
        "matter_id": matter_id,
        "applicant": dict(applicant),
        "materials": _items(materials),
        "flow": flow.value,
        "promised_due": promised_due.isoformat() if promised_due else None,
        "sms_consent": sms_consent,
    }


def rongque_pledged_payload(*, items: Sequence[MaterialItem], deadline: date) -> Payload:
    return {"items": _items(items), "deadline": deadline.isoformat()}


def notified_once_payload(
    *, items: Sequence[MaterialItem], deadline: date | None = None
) -> Payload:
    return {"items": _items(items), "deadline": deadline.isoformat() if deadline else None}


def backoffice_requested_payload(
    *, answer_due: datetime | None = None, department: str | None = None
) -> Payload:
    return {
        "answer_due": answer_due.isoformat() if answer_due else None,
        "department": department,
    }


def accepted_payload(*, promised_due: date | None = None, deemed: bool = False) -> Payload:
    return {"promised_due": promised_due.isoformat() if promised_due else None, "deemed": deemed}


def refused_payload(
    *,
    reasons: Sequence[str],
    basis: str | None = None,
    competent_office: str | None = None,
    relief: str | None = None,
) -> Payload:
    return {
        "reasons": list(reasons),
        "basis": basis,
        "competent_office": competent_office,
        "relief": relief,
    }


def supplement_received_payload(*, material_ids: Sequence[str]) -> Payload:
    return {"material_ids": list(material_ids)}


def inspected_payload(*, inspection: InspectionKind, findings: str) -> Payload:
    return {"inspection": inspection.value, "findings": findings}


def decided_payload(
    approved: bool,
    *,
    reasons: Sequence[str] = (),
    basis: str | None = None,
    relief: str | None = None,
) -> Payload:
    """决定. A refusal needs reasons and the relief-rights text (行政复议/行政诉讼, Art. 38)."""
    return {"approved": approved, "reasons": list(reasons), "basis": basis, "relief": relief}


def certificate_made_payload(
    *, certificate_name: str | None = None, certificate_number: str | None = None
) -> Payload:
    return {"certificate_name": certificate_name, "certificate_number": certificate_number}


def handed_to_delivery_payload(*, collect_at_delivery: Sequence[str] = ()) -> Payload:
    """移交出件; ``collect_at_delivery`` lists what the 交接单 says to take from the applicant."""
    return {"collect_at_delivery": list(collect_at_delivery)}


def delivered_payload(
    *,
    mode: DeliveryMode,
    signer: str | None = None,
    carrier: str | None = None,
    waybill: str | None = None,
) -> Payload:
    return {"mode": mode.value, "signer": signer, "carrier": carrier, "waybill": waybill}


def rated_payload(level: int, reasons: Sequence[str] = ()) -> Payload:
    return {"level": level, "reasons": list(reasons)}


def rating_followed_up_payload(*, action: FollowupAction, note: str) -> Payload:
    """差评回访整改: one step taken on a bad rating, with what was done or said."""
    return {"action": action.value, "note": note}


def withdrawn_payload(*, reason: str | None = None) -> Payload:
    return {"reason": reason}


# Audit payloads say what was accessed, never the personal data itself: no ID number, no name.


def case_viewed_payload(*, screen: str = "case_detail") -> Payload:
    return {"screen": screen}


def document_printed_payload(*, document: str, printer: str, copies: int = 1) -> Payload:
    return {"document": document, "printer": printer, "copies": copies}


def document_reprinted_payload(*, document: str, printer: str, original_job_id: str) -> Payload:
    return {"document": document, "printer": printer, "original_job_id": original_job_id}


def id_revealed_payload(*, field: RevealedField = RevealedField.ID_NUMBER) -> Payload:
    return {"field": field.value}


def case_exported_payload(*, export: str, file_format: str) -> Payload:
    return {"export": export, "file_format": file_format}


# ----------------------------------------------------------------------------- field readers


class _Reader:
    """Reads typed fields out of one payload, naming the field in every complaint."""

    def __init__(self, kind: EventKind, payload: Mapping[str, Any]) -> None:
        if not isinstance(payload, Mapping):
            raise InvalidPayload(kind, "payload", "is not an object")
        _check_json(kind, "payload", payload)
        self.kind = kind
        self.payload = payload

    def fail(self, field: str, problem: str) -> InvalidPayload:
        return InvalidPayload(self.kind, field, problem)

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

    def items(self, field: str, *, non_empty: bool) -> tuple[MaterialItem, ...]:
        value = self.payload.get(field, [])
        if not isinstance(value, list):
            raise self.fail(field, "must be a list")
        if non_empty and not value:
            raise self.fail(field, "must name at least one material")
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
        ids = [item.material_id for item in result]
        if len(set(ids)) != len(ids):
            raise self.fail(field, "names the same material twice")
        return tuple(result)


#: A run of digits as long as a 15-digit (first generation) ID number or longer.
_ID_NUMBER_LIKE = re.compile(r"[0-9]{14}[0-9Xx]")


def _audit_reader(kind: EventKind, payload: Mapping[str, Any]) -> _Reader:
    """A reader for an audit payload that refuses anything looking like an ID number: an access
    record that held the number would itself leak it (domain.md §7.2)."""
    r = _Reader(kind, payload)
    for key, value in payload.items():
        if isinstance(value, str) and _ID_NUMBER_LIKE.search(value):
            raise r.fail(key, "must not hold an ID number")
    return r


def _check_json(kind: EventKind, path: str, value: object) -> None:
    # bool is an int subclass and is allowed; float is not (NaN and rounding do not sync safely).
    if value is None or isinstance(value, str | int):
        return
    if isinstance(value, list):
        for position, item in enumerate(value):
            _check_json(kind, f"{path}[{position}]", item)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidPayload(kind, path, "has a non-string key")
            _check_json(kind, f"{path}.{key}", item)
        return
    raise InvalidPayload(kind, path, f"holds a non-JSON value of type {type(value).__name__}")


# ----------------------------------------------------------------------------- parsers


def parse_consulted(payload: Mapping[str, Any]) -> ConsultedData:
    r = _Reader(EventKind.CONSULTED, payload)
    return ConsultedData(r.optional_text("matter_id"), r.optional_text("question"))


def parse_received(payload: Mapping[str, Any]) -> ReceivedData:
    r = _Reader(EventKind.RECEIVED, payload)
    applicant = payload.get("applicant")
    if not isinstance(applicant, dict):
        raise r.fail("applicant", "must be an object")
    if not all(v is None or isinstance(v, str) for v in applicant.values()):
        raise r.fail("applicant", "values must be strings or null")
    name = applicant.get("name")
    if not isinstance(name, str) or not name.strip():
        raise r.fail("applicant.name", "must be a non-empty string")
    return ReceivedData(
        case_number=r.text("case_number"),
        matter_id=r.text("matter_id"),
        applicant_name=name,
        applicant=dict(applicant),
        materials=r.items("materials", non_empty=False),
        flow=r.choice("flow", ServiceFlow),
        promised_due=r.optional_date("promised_due"),
        sms_consent=r.flag("sms_consent", default=False),
    )


def parse_rongque_pledged(payload: Mapping[str, Any]) -> RongqueData:
    r = _Reader(EventKind.RONGQUE_PLEDGED, payload)
    return RongqueData(r.items("items", non_empty=True), r.date("deadline"))


def parse_notified_once(payload: Mapping[str, Any]) -> NoticeData:
    r = _Reader(EventKind.NOTIFIED_ONCE, payload)
    return NoticeData(r.items("items", non_empty=True), r.optional_date("deadline"))


def parse_backoffice_requested(payload: Mapping[str, Any]) -> BackofficeData:
    r = _Reader(EventKind.BACKOFFICE_REQUESTED, payload)
    return BackofficeData(r.optional_datetime("answer_due"), r.optional_text("department"))


def parse_accepted(payload: Mapping[str, Any]) -> AcceptedData:
    r = _Reader(EventKind.ACCEPTED, payload)
    return AcceptedData(r.optional_date("promised_due"), r.flag("deemed", default=False))


def parse_refused(payload: Mapping[str, Any]) -> RefusedData:
    r = _Reader(EventKind.REFUSED, payload)
    reasons = r.texts("reasons")
    if not reasons:
        raise r.fail("reasons", "must give at least one reason")
    return RefusedData(
        reasons,
        r.optional_text("basis"),
        r.optional_text("competent_office"),
        r.optional_text("relief"),
    )


def parse_supplement_received(payload: Mapping[str, Any]) -> SupplementData:
    r = _Reader(EventKind.SUPPLEMENT_RECEIVED, payload)
    ids = r.texts("material_ids")
    if not ids:
        raise r.fail("material_ids", "must name at least one material")
    if len(set(ids)) != len(ids):
        raise r.fail("material_ids", "names the same material twice")
    return SupplementData(ids)


def parse_inspected(payload: Mapping[str, Any]) -> InspectedData:
    r = _Reader(EventKind.INSPECTED, payload)
    return InspectedData(r.choice("inspection", InspectionKind), r.text("findings"))


def parse_decided(payload: Mapping[str, Any]) -> DecidedData:
    r = _Reader(EventKind.DECIDED, payload)
    approved = r.flag("approved")
    reasons = r.texts("reasons")
    relief = r.optional_text("relief")
    if not approved:
        if not reasons:
            raise r.fail("reasons", "must give the reasons of a refusal")
        if relief is None or not relief.strip():
            raise r.fail("relief", "must state the relief rights of a refusal")
    return DecidedData(approved, reasons, r.optional_text("basis"), relief)


def parse_certificate_made(payload: Mapping[str, Any]) -> CertificateData:
    r = _Reader(EventKind.CERTIFICATE_MADE, payload)
    return CertificateData(
        r.optional_text("certificate_name"), r.optional_text("certificate_number")
    )


def parse_handed_to_delivery(payload: Mapping[str, Any]) -> HandoverData:
    r = _Reader(EventKind.HANDED_TO_DELIVERY, payload)
    return HandoverData(r.texts("collect_at_delivery"))


def parse_delivered(payload: Mapping[str, Any]) -> DeliveredData:
    r = _Reader(EventKind.DELIVERED, payload)
    mode = r.choice("mode", DeliveryMode)
    if mode is DeliveryMode.PICKUP:
        return DeliveredData(mode, r.text("signer"), None, None)
    return DeliveredData(mode, None, r.text("carrier"), r.text("waybill"))


def parse_rated(payload: Mapping[str, Any]) -> RatedData:
    r = _Reader(EventKind.RATED, payload)
    level = payload.get("level")
    if (
        isinstance(level, bool)
        or not isinstance(level, int)
        or not MIN_RATING <= level <= MAX_RATING
    ):
        raise r.fail("level", f"must be an integer from {MIN_RATING} to {MAX_RATING}")
    reasons = r.texts("reasons")
    if level < LOWEST_SATISFIED_RATING and not reasons:
        raise r.fail("reasons", "must give at least one reason for a bad rating")
    return RatedData(level, reasons)


def parse_rating_followed_up(payload: Mapping[str, Any]) -> FollowedUpData:
    r = _Reader(EventKind.RATING_FOLLOWED_UP, payload)
    action = r.choice("action", FollowupAction)
    note = r.text("note").strip()
    if len(note) > MAX_FOLLOWUP_NOTE_LENGTH:
        raise r.fail("note", f"must be at most {MAX_FOLLOWUP_NOTE_LENGTH} characters")
    return FollowedUpData(action, note)


def parse_withdrawn(payload: Mapping[str, Any]) -> WithdrawnData:
    r = _Reader(EventKind.WITHDRAWN, payload)
    return WithdrawnData(r.optional_text("reason"))


def parse_case_viewed(payload: Mapping[str, Any]) -> ViewedData:
    r = _audit_reader(EventKind.CASE_VIEWED, payload)
    return ViewedData(r.text("screen"))


def parse_document_printed(payload: Mapping[str, Any]) -> PrintedData:
    r = _audit_reader(EventKind.DOCUMENT_PRINTED, payload)
    copies = payload.get("copies", 1)
    if isinstance(copies, bool) or not isinstance(copies, int) or copies < 1:
        raise r.fail("copies", "must be a positive integer")
    return PrintedData(r.text("document"), r.text("printer"), copies)


def parse_document_reprinted(payload: Mapping[str, Any]) -> ReprintedData:
    r = _audit_reader(EventKind.DOCUMENT_REPRINTED, payload)
    return ReprintedData(r.text("document"), r.text("printer"), r.text("original_job_id"))


def parse_id_revealed(payload: Mapping[str, Any]) -> RevealedData:
    r = _audit_reader(EventKind.ID_REVEALED, payload)
    return RevealedData(r.choice("field", RevealedField))


def parse_case_exported(payload: Mapping[str, Any]) -> ExportedData:
    r = _audit_reader(EventKind.CASE_EXPORTED, payload)
    return ExportedData(r.text("export"), r.text("file_format"))


_PARSERS: dict[EventKind, Callable[[Mapping[str, Any]], object]] = {
    EventKind.CONSULTED: parse_consulted,
    EventKind.RECEIVED: parse_received,
    EventKind.RONGQUE_PLEDGED: parse_rongque_pledged,
    EventKind.NOTIFIED_ONCE: parse_notified_once,
    EventKind.BACKOFFICE_REQUESTED: parse_backoffice_requested,
    EventKind.ACCEPTED: parse_accepted,
    EventKind.REFUSED: parse_refused,
    EventKind.SUPPLEMENT_RECEIVED: parse_supplement_received,
    EventKind.INSPECTED: parse_inspected,
    EventKind.DECIDED: parse_decided,
    EventKind.CERTIFICATE_MADE: parse_certificate_made,
    EventKind.HANDED_TO_DELIVERY: parse_handed_to_delivery,
    EventKind.DELIVERED: parse_delivered,
    EventKind.RATED: parse_rated,
    EventKind.RATING_FOLLOWED_UP: parse_rating_followed_up,
    EventKind.WITHDRAWN: parse_withdrawn,
    EventKind.CASE_VIEWED: parse_case_viewed,
    EventKind.DOCUMENT_PRINTED: parse_document_printed,
    EventKind.DOCUMENT_REPRINTED: parse_document_reprinted,
    EventKind.ID_REVEALED: parse_id_revealed,
    EventKind.CASE_EXPORTED: parse_case_exported,
}


def validate_payload(kind: EventKind, payload: Mapping[str, Any]) -> None:
    """Raise ``InvalidPayload`` when ``payload`` is not a well-formed payload of ``kind``."""
    _PARSERS[kind](payload)
