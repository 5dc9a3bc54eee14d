"""The documents (文书) the window hands out; their wording lives in ``forms/*.toml``."""

from __future__ import annotations

from enum import StrEnum


class DocumentKind(StrEnum):
    """文书种类. The value is the template's file stem in ``forms/``."""

    INTAKE_RECEIPT = "intake_receipt"  # 收件凭证
    ACCEPTANCE_NOTICE = "acceptance_notice"  # 受理通知书
    REFUSAL_NOTICE = "refusal_notice"  # 不予受理通知书
    REFUSAL_DECISION = "refusal_decision"  # 不予许可决定书 (不予办理决定书)
    ONE_TIME_NOTICE = "one_time_notice"  # 一次性告知书
    RONGQUE_PLEDGE = "rongque_pledge"  # 容缺受理承诺书
    GAOZHI_PLEDGE = "gaozhi_pledge"  # 证明事项告知承诺书
    APPROVAL_DECISION = "approval_decision"  # 准予行政许可决定书 (准予办理决定书)
    SERVICE_RECORD = "service_record"  # 送达回证
    HANDOVER_SHEET = "handover_sheet"  # 交接单
    DELIVERY_RECEIPT = "delivery_receipt"  # 出件签收单
    THERMAL_TICKET = "thermal_ticket"  # 80 mm 小票
    SERVICE_GUIDE = "service_guide"  # 办事指南 (of a matter, not of a case)

    @property
    def label(self) -> str:
        """The document's Chinese title."""
        return _TITLES[self]


_TITLES = {
    DocumentKind.INTAKE_RECEIPT: "收件凭证",
    DocumentKind.ACCEPTANCE_NOTICE: "受理通知书",
    DocumentKind.REFUSAL_NOTICE: "不予受理通知书",
    DocumentKind.REFUSAL_DECISION: "不予许可决定书",
    DocumentKind.ONE_TIME_NOTICE: "一次性告知书",
    DocumentKind.RONGQUE_PLEDGE: "容缺受理承诺书",
    DocumentKind.GAOZHI_PLEDGE: "告知承诺书",
    DocumentKind.APPROVAL_DECISION: "准予行政许可决定书",
    DocumentKind.SERVICE_RECORD: "送达回证",
    DocumentKind.HANDOVER_SHEET: "交接单",
    DocumentKind.DELIVERY_RECEIPT: "出件签收单",
    DocumentKind.THERMAL_TICKET: "办件小票",
    DocumentKind.SERVICE_GUIDE: "办事指南",
}
