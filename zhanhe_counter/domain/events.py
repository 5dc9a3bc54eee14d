"""Case events (办件事件): the append-only facts a case is made of.

A case's status is never stored as the truth; it is a projection of its events
(``domain.case.project``). Events are immutable, carry an id made when the clerk started the
action (UUIDv7, kept across retries so a retry can never duplicate), and are numbered per station
by the local store with a gap-free sequence (``station_seq``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID


class EventKind(StrEnum):
    """What happened to a case (事件类型). Values are stable: they are stored and synced."""

    CONSULTED = "consulted"  # 咨询登记 (a consultation only; counts in tallies)
    RECEIVED = "received"  # 收件 (materials received; the receiving clerk becomes 首办负责人)
    RONGQUE_PLEDGED = "rongque_pledged"  # 容缺收件, pledge signed, supplement deadline set
    NOTIFIED_ONCE = "notified_once"  # 一次性告知 (everything missing, listed once)
    BACKOFFICE_REQUESTED = "backoffice_requested"  # unauthorised window: 20-minute answer
    ACCEPTED = "accepted"  # 受理
    REFUSED = "refused"  # 不予受理, with reasons
    SUPPLEMENT_RECEIVED = "supplement_received"  # 补正/容缺 material received
    INSPECTED = "inspected"  # 现场核查 (simple or professional inspection record)
    DECIDED = "decided"  # 决定: approve, or refuse with reasons and relief rights
    CERTIFICATE_MADE = "certificate_made"  # 制证
    HANDED_TO_DELIVERY = "handed_to_delivery"  # 交接至统一出件窗口
    DELIVERED = "delivered"  # 出件: pickup with signature, or express with waybill
    RATED = "rated"  # 好差评
    RATING_FOLLOWED_UP = "rating_followed_up"  # 差评回访整改: callback, rectification, closing
    WITHDRAWN = "withdrawn"  # 撤回申请
    NOTICE_SERVED = "notice_served"  # 送达: how a notice or decision reached the applicant
    # Audit kinds (查阅记录): who looked at or handed out a case's personal data. They are
    # case events so they sync with everything else, but they never move the case.
    CASE_VIEWED = "case_viewed"  # 查阅办件详情
    DOCUMENT_PRINTED = "document_printed"  # 打印文书 (a print request queued)
    DOCUMENT_REPRINTED = "document_reprinted"  # 补打文书
    ID_REVEALED = "id_revealed"  # 查看完整证件号码
    CASE_EXPORTED = "case_exported"  # 导出办件数据
    # Attachment kinds (附件记录): images and signed papers kept with the case. They sync like
    # every event but never move the case: no status, no deadline, no tally figure.
    MATERIAL_CAPTURED = "material_captured"  # 材料影像 (pages captured for one checklist row)
    DOCUMENT_SIGNED = "document_signed"  # 签署文书 (a pledge or receipt signed on the pad)

    @property
    def label(self) -> str:
        """The Chinese name of the step, as every timeline shows it (the one label set)."""
        return _KIND_LABELS[self]

    @property
    def action_label(self) -> str:
        """The step as something the clerk does, for "不能…" messages (e.g. 出具一次性告知)."""
        return _ACTION_LABELS[self]

    @property
    def is_audit(self) -> bool:
        """An access record (查阅记录), not a step of the case: no status, no deadline, no
        tally figure; clerks' timelines leave it out."""
        return self in AUDIT_KINDS

    @property
    def is_attachment(self) -> bool:
        """Something kept with the case (材料影像), not a step: it moves nothing."""
        return self in ATTACHMENT_KINDS


_KIND_LABELS = {
    EventKind.CONSULTED: "咨询登记",
    EventKind.RECEIVED: "收件",
    EventKind.RONGQUE_PLEDGED: "容缺收件（签署承诺书）",
    EventKind.NOTIFIED_ONCE: "一次性告知",
    EventKind.BACKOFFICE_REQUESTED: "提交后台（20分钟答复）",
    EventKind.ACCEPTED: "受理",
    EventKind.REFUSED: "不予受理",
    EventKind.SUPPLEMENT_RECEIVED: "补交材料",
    EventKind.INSPECTED: "现场核查",
    EventKind.DECIDED: "作出决定",
    EventKind.CERTIFICATE_MADE: "制证",
    EventKind.HANDED_TO_DELIVERY: "移交出件窗口",
    EventKind.DELIVERED: "出件",
    EventKind.RATED: "好差评",
    EventKind.RATING_FOLLOWED_UP: "差评回访整改",
    EventKind.WITHDRAWN: "撤回申请",
    EventKind.NOTICE_SERVED: "送达文书",
    EventKind.CASE_VIEWED: "查阅办件",
    EventKind.DOCUMENT_PRINTED: "打印文书",
    EventKind.DOCUMENT_REPRINTED: "补打文书",
    EventKind.ID_REVEALED: "查看完整证件号码",
    EventKind.CASE_EXPORTED: "导出办件",
    EventKind.MATERIAL_CAPTURED: "采集材料影像",
    EventKind.DOCUMENT_SIGNED: "签署文书",
}

_ACTION_LABELS = {
    EventKind.CONSULTED: "登记咨询",
    EventKind.RECEIVED: "收件",
    EventKind.RONGQUE_PLEDGED: "容缺收件",
    EventKind.NOTIFIED_ONCE: "出具一次性告知",
    EventKind.BACKOFFICE_REQUESTED: "提交后台受理",
    EventKind.ACCEPTED: "受理",
    EventKind.REFUSED: "不予受理",
    EventKind.SUPPLEMENT_RECEIVED: "接收补正材料",
    EventKind.INSPECTED: "现场核查",
    EventKind.DECIDED: "作出决定",
    EventKind.CERTIFICATE_MADE: "制证",
    EventKind.HANDED_TO_DELIVERY: "移交出件",
    EventKind.DELIVERED: "出件",
    EventKind.RATED: "评价",
    EventKind.RATING_FOLLOWED_UP: "回访整改",
    EventKind.WITHDRAWN: "撤回",
    EventKind.NOTICE_SERVED: "登记送达",
    EventKind.CASE_VIEWED: "查阅办件",
    EventKind.DOCUMENT_PRINTED: "打印文书",
    EventKind.DOCUMENT_REPRINTED: "补打文书",
    EventKind.ID_REVEALED: "查看完整证件号码",
    EventKind.CASE_EXPORTED: "导出办件",
    EventKind.MATERIAL_CAPTURED: "采集材料影像",
    EventKind.DOCUMENT_SIGNED: "签署文书",
}

AUDIT_KINDS = frozenset(
    {
        EventKind.CASE_VIEWED,
        EventKind.DOCUMENT_PRINTED,
        EventKind.DOCUMENT_REPRINTED,
        EventKind.ID_REVEALED,
        EventKind.CASE_EXPORTED,
    }
)

ATTACHMENT_KINDS = frozenset({EventKind.MATERIAL_CAPTURED, EventKind.DOCUMENT_SIGNED})


@dataclass(frozen=True, slots=True)
class EventDraft:
    """An event the clerk has started but the store has not yet numbered (待写入事件).

    ``event_id`` is made when the action starts and reused on every retry; the store gives it
    ``station_seq`` inside the write transaction.
    """

    event_id: UUID
    case_id: UUID
    kind: EventKind
    station_id: str
    actor: str
    occurred_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """A recorded, numbered case event (已记录的办件事件)."""

    event_id: UUID
    case_id: UUID
    kind: EventKind
    station_id: str
    station_seq: int
    actor: str
    occurred_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_draft(cls, draft: EventDraft, station_seq: int) -> CaseEvent:
        return cls(
            event_id=draft.event_id,
            case_id=draft.case_id,
            kind=draft.kind,
            station_id=draft.station_id,
            station_seq=station_seq,
            actor=draft.actor,
            occurred_at=draft.occurred_at,
            payload=draft.payload,
        )
