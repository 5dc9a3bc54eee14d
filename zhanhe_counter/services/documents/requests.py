"""What a document request is (待出具文书), and the small texts every document shares.

Kept apart from the builder so the desks (back office, delivery) and the printer can name a
document without pulling in how its values are made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.legal_family import LegalFamily
from zhanhe_counter.domain.matters import Matter
from zhanhe_counter.domain.workdays import TimeLimit, TimeUnit

#: Days the back office has to accept, notify or refuse after 当场收件 (行政许可法第三十二条).
INTAKE_DECISION_WORKING_DAYS = 5
#: 行政许可法第四十四条: the licence is issued and served within 10 days of the approval.
LICENCE_ISSUE_DAYS = 10


@dataclass(frozen=True, slots=True)
class DocumentRequest:
    """One document to render: its kind and its field values (待出具文书)."""

    kind: DocumentKind
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class DeliveryDetails:
    """How a result was handed out, as the delivery window recorded it (出件情况)."""

    method: str  # 窗口领取 / 邮寄送达
    receiver_name: str
    receiver_relation: str | None = None
    receiver_id_no: str | None = None
    courier: str | None = None
    waybill_no: str | None = None
    mail_address: str | None = None
    collected: tuple[str, ...] = ()


def limit_text(limit: TimeLimit | None) -> str:
    """A limit as printed, in its own unit: "5个工作日", "15日", "24小时", "当场办结"."""
    if limit is None:
        return "无法定时限"
    if limit.value == 0:
        return "当场办结"
    unit = {TimeUnit.WORKING_DAY: "个工作日", TimeUnit.NATURAL_DAY: "日", TimeUnit.HOUR: "小时"}
    return f"{limit.value}{unit[limit.unit]}"


def refusal_title(matter: Matter | None) -> str:
    """不予行政许可决定书 (a permit) or 不予办理决定书, also the result a refusal hands out."""
    family = LegalFamily.of(matter.matter_type) if matter else LegalFamily.OTHER_POWER
    return "不予行政许可决定书" if family.is_permit else "不予办理决定书"
