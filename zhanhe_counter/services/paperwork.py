"""Paperwork (文书内容): the field values of each document a committed intake prints.

The wording lives in ``forms/*.toml``; this module only fills in the facts of the case, from the
stored events, so a reprint months later says exactly what the first print said. Values are plain
JSON (dates as ISO text); the renderer checks them against each template's declared fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from zhanhe_counter.domain.case import CaseState
from zhanhe_counter.domain.checklist import ChecklistResult, MissingItem
from zhanhe_counter.domain.china_time import CHINA_TIME
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.matters import Department, Material, MaterialType, Matter
from zhanhe_counter.domain.workdays import TimeLimit, TimeUnit, WorkCalendar

#: Days the back office has to accept, notify or refuse after 当场收件 (行政许可法第三十二条).
INTAKE_DECISION_WORKING_DAYS = 5


@dataclass(frozen=True, slots=True)
class OfficeProfile:
    """What the centre prints on every document (出具机关信息); local data, edited by the Bureau."""

    issuing_body: str = "湛河区政务服务中心"
    consult_phone: str = "0375-0000000"
    supervision_phone: str = "12345"
    progress_url: str = "https://zwfw.zhanhe.gov.cn/q?no={case_no}"
    pickup_place: str = "湛河区政务服务中心一楼统一出件窗口"
    window_no: str | None = None
    notice_methods: tuple[str, ...] = ("窗口现场提交", "邮寄")
    notice_consequence: str = (
        "逾期未补正的，视为放弃申请，申请材料予以退还；补正材料齐全之日起受理。"
    )
    rongque_consequence: str = (
        "逾期未补齐的，终止办理；已作出的决定依法撤销，并将失信情况记入信用记录。"
    )
    reconsideration_body: str = "湛河区人民政府"
    court: str = "有管辖权的人民法院"
    reconsideration_days: int = 60
    litigation_months: int = 6
    timezone: tzinfo = CHINA_TIME  # paper shows Beijing time; the store keeps UTC
    extra: Mapping[str, str] = field(default_factory=dict)

    def url_for(self, case_no: str) -> str:
        return self.progress_url.format(case_no=case_no)


#: National task-type code of 行政许可: its refusals read 不予许可, every other matter's 不予办理.
PERMIT_MATTER_TYPE = "01"


def refusal_decision_word(matter: Matter | None) -> str:
    """The decision a refusal after review announces: 不予许可 or 不予办理."""
    return (
        "不予许可"
        if matter is not None and matter.matter_type == PERMIT_MATTER_TYPE
        else "不予办理"
    )


def refusal_decision_title(matter: Matter | None) -> str:
    """The title of the written refusal (不予许可决定书 / 不予办理决定书), also its result name."""
    return f"{refusal_decision_word(matter)}决定书"


@dataclass(frozen=True, slots=True)
class DocumentRequest:
    """One document to render: its kind and its field values (待出具文书)."""

    kind: DocumentKind
    values: Mapping[str, Any]


def limit_text(limit: TimeLimit | None) -> str:
    """A limit as printed, in its own unit: "5个工作日", "15日", "24小时", "当场办结"."""
    if limit is None:
        return "无法定时限"
    if limit.value == 0:
        return "当场办结"
    unit = {TimeUnit.WORKING_DAY: "个工作日", TimeUnit.NATURAL_DAY: "日", TimeUnit.HOUR: "小时"}
    return f"{limit.value}{unit[limit.unit]}"


def documents_for(
    *,
    case: CaseState,
    matter: Matter,
    result: ChecklistResult,
    department: Department | None,
    office: OfficeProfile,
    calendar: WorkCalendar,
    clerk_name: str,
) -> list[DocumentRequest]:
    """The documents the domain decided for this intake, each with its values."""
    facts = _Facts(
        case=case,
        matter=matter,
        result=result,
        department=department,
        office=office,
        calendar=calendar,
        clerk_name=clerk_name,
    )
    builders = {
        DocumentKind.INTAKE_RECEIPT: facts.intake_receipt,
        DocumentKind.ACCEPTANCE_NOTICE: facts.acceptance_notice,
        DocumentKind.ONE_TIME_NOTICE: facts.one_time_notice,
        DocumentKind.RONGQUE_PLEDGE: facts.rongque_pledge,
        DocumentKind.HANDOVER_SHEET: facts.handover_sheet,
        DocumentKind.DELIVERY_RECEIPT: facts.delivery_receipt,
        DocumentKind.THERMAL_TICKET: facts.thermal_ticket,
    }
    return [
        DocumentRequest(kind, builders[kind]()) for kind in result.documents if kind in builders
    ]


class _Facts:
    """The facts of one committed intake, shaped for each template."""

    def __init__(
        self,
        *,
        case: CaseState,
        matter: Matter,
        result: ChecklistResult,
        department: Department | None,
        office: OfficeProfile,
        calendar: WorkCalendar,
        clerk_name: str,
    ) -> None:
        self.case, self.matter, self.result = case, matter, result
        self.department, self.office, self.calendar = department, office, calendar
        self.clerk_name = clerk_name
        self.case_no = case.case_number or ""
        self.applicant: Mapping[str, Any] = case.applicant or {}
        self.received_at = (case.received_at or case.opened_at).astimezone(office.timezone)

    # ------------------------------------------------------------------ shared pieces

    def _common(self) -> dict[str, Any]:
        return {
            "issuing_body": self.office.issuing_body,
            "case_no": self.case_no,
            "matter_name": self.matter.name,
            "applicant_name": self.case.applicant_name or self.applicant.get("name") or "",
            "consult_phone": self.office.consult_phone,
            "progress_url": self.office.url_for(self.case_no),
        }

    def _identity(self) -> dict[str, Any]:
        return {
            "applicant_id_type": self.applicant.get("id_type") or "居民身份证",
            "applicant_id_no": self.applicant.get("id_number") or "未提供",
            "applicant_phone": self.applicant.get("phone") or "未提供",
        }

    def _received_rows(self, *, with_source: bool) -> list[dict[str, str]]:
        rows = []
        for item in self.case.received_materials:
            material = _material_named(self.matter, item.name)
            row = {
                "name": item.name,
                "form": _form_of(material),
                "copies": str(_copies_of(material)),
                "pages": "",
            }
            if with_source:
                row["source"] = item.note or "自备"
            rows.append(row)
        return rows

    def _deadline_rows(self, items: Sequence[MissingItem]) -> list[dict[str, str]]:
        due = self.result.supplement_due
        return [
            {
                "name": item.name,
                "form": item.requirement,
                "deadline": due.date.isoformat() if due else "",
            }
            for item in items
        ]

    # ------------------------------------------------------------------ the documents

    def intake_receipt(self) -> dict[str, Any]:
        decision_due = self.calendar.add_workdays(
            self.received_at.date(), INTAKE_DECISION_WORKING_DAYS
        )
        values = self._common() | self._identity()
        values |= {
            "received_at": _minute(self.received_at),
            "matter_code": self.matter.impl_code,
            "agent_name": self.applicant.get("agent_name"),
            "agent_id_no": self.applicant.get("agent_id_number"),
            "materials": self._received_rows(with_source=True),
            "rongque_items": [
                f"{item.name}（补齐期限 {self.result.supplement_due.date.isoformat()}）"
                for item in self.result.rongque_items
                if self.result.supplement_due
            ],
            "decision_days": INTAKE_DECISION_WORKING_DAYS,
            "decision_due": decision_due.date.isoformat(),
            "clerk_name": self.clerk_name,
        }
        return values

    def acceptance_notice(self) -> dict[str, Any]:
        accepted_at = (self.case.accepted_at or self.received_at).astimezone(self.office.timezone)
        promised = self.case.promised_due or accepted_at.date()
        fee = self.matter.fee
        values = self._common() | self._identity()
        values |= {
            "doc_no": self.case_no,
            "matter_code": self.matter.impl_code,
            "received_at": _minute(self.received_at),
            "accepted_at": _minute(accepted_at),
            "legal_limit": limit_text(self.matter.legal_limit),
            "promised_limit": limit_text(self.matter.promised_limit),
            "promised_date": promised.isoformat(),
            "fee": "收费" if fee and fee.charged else "不收费",
            "pickup": "窗口自取",
            "pickup_detail": self.office.pickup_place,
            "materials": [
                {k: row[k] for k in ("name", "form", "copies")}
                for row in self._received_rows(with_source=False)
            ],
            "clerk_name": self.clerk_name,
            "issue_date": accepted_at.date().isoformat(),
        }
        return values

    def one_time_notice(self) -> dict[str, Any]:
        due = self.result.supplement_due
        deadline = due.date if due else self.received_at.date()
        items = [
            {
                "name": item.name,
                "problem": item.problem,
                "requirement": item.requirement,
                "form": _form_of(_material_named(self.matter, item.name)),
                "copies": str(_copies_of(_material_named(self.matter, item.name))),
            }
            # Under 容缺 the notice lists the deferred items (the 容缺受理通知书; docs/domain.md,
            # 容缺受理).
            for item in self.result.missing or self.result.rongque_items
        ]
        return self._common() | {
            "doc_no": self.case_no,
            "received_at": _minute(self.received_at),
            "items": items,
            "methods": list(self.office.notice_methods),
            "deadline": deadline.isoformat(),
            "consequence": self.office.notice_consequence,
            "clerk_name": self.clerk_name,
            "issue_date": self.received_at.date().isoformat(),
        }

    def rongque_pledge(self) -> dict[str, Any]:
        due = self.result.supplement_due
        return (
            self._common()
            | self._identity()
            | {
                "legal_rep": self.applicant.get("person_name")
                if self.applicant.get("id_type") == "统一社会信用代码"
                else None,
                "items": self._deadline_rows(self.result.rongque_items),
                "deadline": (due.date if due else self.received_at.date()).isoformat(),
                "consequence": self.office.rongque_consequence,
            }
        )

    def handover_sheet(self) -> dict[str, Any]:
        result_name = self.matter.result.name if self.matter.result else None
        return {
            "case_no": self.case_no,
            "matter_name": self.matter.name,
            "applicant_name": self._common()["applicant_name"],
            "department": self.matter.department,
            "handed_by": self.clerk_name,
            "handed_at": _minute(self.received_at),
            "received_by": None,
            "materials": self._received_rows(with_source=False),
            "collect_at_delivery": [f"{item.name}（原件）" for item in self.result.rongque_items],
            "results": [result_name] if result_name else [],
            "progress_url": self.office.url_for(self.case_no),
        }

    def delivery_receipt(self) -> dict[str, Any]:
        delivery = self.case.delivery
        result_name = self.matter.result.name if self.matter.result else self.matter.name
        signer = delivery.signer if delivery and delivery.signer else None
        common = self._common()
        del common["consult_phone"]
        return common | {
            "results": [
                {"name": result_name, "number": self.case.certificate_number or "", "count": "1"}
            ],
            "collected": [],
            "method": "窗口领取",
            "receiver_name": signer or self._common()["applicant_name"],
            "receiver_id_no": self.applicant.get("agent_id_number")
            or self.applicant.get("person_id_number"),
            "receiver_relation": "代理人" if self.applicant.get("agent_name") else "本人",
            "delivered_at": _minute(
                self.case.delivered_at or self.received_at, self.office.timezone
            ),
            "clerk_name": self.clerk_name,
        }

    def thermal_ticket(self) -> dict[str, Any]:
        promised = self.case.promised_due or self.received_at.date()
        return {
            "centre_name": self.office.issuing_body,
            "case_no": self.case_no,
            "matter_name": self.matter.name,
            "applicant_name": self._common()["applicant_name"],
            "received_at": _minute(self.received_at),
            "promised_date": promised.isoformat(),
            "window_no": self.office.window_no,
            "progress_url": self.office.url_for(self.case_no),
        }


def _minute(moment: datetime | date | None, zone: tzinfo = CHINA_TIME) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    return moment.isoformat() + "T00:00"


def _material_named(matter: Matter, name: str) -> Material | None:
    return next((m for m in matter.materials if m.name == name), None)


def _form_of(material: Material | None) -> str:
    if material is None:
        return ""
    return {
        MaterialType.ORIGINAL: "原件",
        MaterialType.COPY: "复印件",
        MaterialType.ORIGINAL_AND_COPY: "原件和复印件",
    }.get(material.material_type, str(material.material_type))


def _copies_of(material: Material | None) -> int:
    if material is None:
        return 1
    return max(material.copy_count, material.original_count if material.needs_original else 0, 1)
