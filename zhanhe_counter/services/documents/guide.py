"""办事指南: a matter's standard guide, shown to the applicant and printed on A4 (办法第十二条).

One builder for screen and paper: :meth:`ServiceGuides.values` fills the ``service_guide`` form
and :meth:`ServiceGuides.sections` lays the same values out as headed lines for the counter's
screen, so what the clerk shows is what the applicant takes home. The values come from the
catalogue (the matter, its :class:`MatterGuide`, its department's relief bodies) and, for the
local elements a matter leaves empty, from the hall's document settings (consult and supervision
phones). A setting that is unset or still a placeholder is left out, never printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zhanhe_counter.domain.china_time import china_date
from zhanhe_counter.domain.document_settings import DocumentSettings, SettingState, state_of
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.matters import (
    Catalogue,
    Material,
    Matter,
    Medium,
    Necessity,
    OriginalHandling,
)
from zhanhe_counter.domain.windows import ServiceHall
from zhanhe_counter.services.documents.requests import DocumentRequest, limit_text
from zhanhe_counter.services.ports import Clock

#: The guide's sections after its head table, in the Henan guide order
#: (docs/catalogue.md, Guide elements).
SECTIONS = (
    ("legal_basis", "设定依据"),
    ("conditions", "受理条件"),
    ("materials", "申请材料"),
    ("steps", "办理流程"),
    ("fee", "收费"),
    ("places", "办理地点"),
    ("office_hours", "办理时间"),
    ("consult", "咨询方式"),
    ("complaint", "监督投诉方式"),
    ("relief", "行政救济途径"),
    ("faq", "常见问题"),
)
#: The head table's elements, label and value key.
HEAD = (
    ("事项类型", "matter_type"),
    ("实施编码", "matter_code"),
    ("实施主体", "implementing_body"),
    ("服务对象", "service_objects"),
    ("办件类型", "handle_kind"),
    ("办理形式", "channels"),
    ("法定办结时限", "legal_limit"),
    ("承诺办结时限", "promised_limit"),
    ("到办事现场次数", "max_visits"),
    ("特别程序", "special_procedures"),
    ("办理结果", "result"),
    ("结果送达方式", "delivery"),
    ("中介服务", "intermediary"),
    ("数量限制", "quantity_limit"),
)


@dataclass(frozen=True, slots=True)
class GuideSection:
    """One headed part of the guide as the screen shows it."""

    heading: str
    lines: tuple[str, ...]


def _known(settings: DocumentSettings, *keys: str) -> str | None:
    """The setting's value if it is a real one (not unset, not a placeholder)."""
    value = settings.get(*keys)
    return value if value is not None and state_of(value) is SettingState.OK else None


def material_rule(material: Material) -> str:
    """What the applicant must know of one material, in a line: condition, 容缺, 承诺, 共享."""
    parts: list[str] = []
    if material.conditional_on:
        parts.append(f"{material.conditional_on}提供")
    if material.necessity is Necessity.OPTIONAL:
        parts.append("非必要")
    if material.rongque_allowed:
        parts.append("可容缺后补")
    if material.gaozhi_chengnuo:
        parts.append("可以告知承诺替代")
    if material.shared_exempt:
        parts.append("可通过数据共享获取的免于提交")
    return "；".join(parts) or "必要"


def _fee_text(matter: Matter) -> str:
    fee = matter.fee
    if fee is None or not fee.charged:
        return "不收费" + (f"（{fee.note}）" if fee is not None and fee.note else "")
    return "收费" + (f"：{fee.note}" if fee.note else "，标准以窗口公示为准")


def _visits_text(visits: int | None) -> str:
    if visits is None:
        return ""
    return "0次（全程网办）" if visits == 0 else f"最多{visits}次"


class ServiceGuides:
    """办事指南 of the catalogue's matters, as this hall prints them."""

    def __init__(
        self, *, catalogue: Catalogue, settings: DocumentSettings, hall: ServiceHall, clock: Clock
    ) -> None:
        self._catalogue = catalogue
        self._settings = settings
        self._hall = hall
        self._clock = clock

    def values(self, matter_id: str) -> dict[str, Any]:
        """The ``service_guide`` form's values for one matter (``UnknownMatter`` if none)."""
        matter = self._catalogue.matter(matter_id)
        guide = matter.guide
        hall = f"hall.{self._hall.id}"
        consult = list(guide.consult)
        phone = _known(self._settings, f"{hall}.consult_phone")
        if phone:
            consult.append(f"咨询电话：{phone}")
        complaint = list(guide.complaint)
        supervision = _known(self._settings, "district.supervision_phone")
        if supervision and not any(supervision in line for line in complaint):
            complaint.append(f"监督电话：{supervision}")
        hall_name = _known(self._settings, f"{hall}.name") or self._hall.name
        result = matter.result
        return {
            "matter_name": matter.name,
            "matter_code": matter.impl_code or matter.catalog_code or "",
            "matter_type": matter.matter_type_label,
            "implementing_body": guide.implementing_body or matter.department,
            "service_objects": "、".join(guide.service_objects),
            "handle_kind": matter.handle_kind.value,
            "channels": "、".join(guide.channels),
            "legal_limit": limit_text(matter.legal_limit),
            "promised_limit": limit_text(matter.promised_limit),
            "special_procedures": "、".join(matter.special_procedures),
            "max_visits": _visits_text(guide.max_visits),
            "fee": _fee_text(matter),
            "result": (
                result.name + (f"（有效期{result.validity}）" if result.validity else "")
                if result
                else ""
            ),
            "delivery": "、".join(guide.delivery),
            "intermediary": guide.intermediary or "",
            "quantity_limit": guide.quantity_limit or "",
            "materials": [
                {"name": m.name, "form": _form_text(m), "rule": material_rule(m)}
                for m in matter.materials
            ],
            "legal_basis": list(matter.legal_basis),
            "conditions": list(guide.conditions),
            "steps": list(guide.steps),
            "places": list(guide.places) or [hall_name],
            "office_hours": guide.office_hours or "",
            "consult": consult,
            "complaint": complaint,
            "relief": self._relief(matter),
            "faq": list(guide.faq),
            "printed_on": china_date(self._clock.now()).isoformat(),
            "hall_name": hall_name,
        }

    def request(self, matter_id: str) -> DocumentRequest:
        """The guide as a document to render and print."""
        return DocumentRequest(DocumentKind.SERVICE_GUIDE, self.values(matter_id))

    def sections(self, matter_id: str) -> list[GuideSection]:
        """The same values as headed lines for the screen (empty sections left out)."""
        values = self.values(matter_id)
        head = tuple(f"{label}：{values[key]}" for label, key in HEAD if values[key])
        out = [GuideSection("基本信息", head)]
        for key, heading in SECTIONS:
            value = values[key]
            if key == "materials":
                lines = tuple(
                    f"{n}. {row['name']}（{row['form']}；{row['rule']}）"
                    for n, row in enumerate(value, start=1)
                )
            elif isinstance(value, list):
                lines = tuple(value)
            else:
                lines = (value,) if value else ()
            if lines:
                out.append(GuideSection(heading, lines))
        return out

    def _relief(self, matter: Matter) -> str:
        """复议 and 诉讼 as the department's record or the settings name them, if known."""
        department = self._catalogue.department_of(matter)
        key = f"department.{matter.department}"
        body = _known(
            self._settings, f"{key}.reconsideration_body", "district.reconsideration_body"
        ) or (department.reconsideration_body if department else None)
        court = _known(self._settings, f"{key}.court", "district.court") or (
            department.court if department else None
        )
        if not body or state_of(body) is not SettingState.OK:
            return ""
        text = f"申请人对办理结果不服的，可以依法向{body}申请行政复议"
        if court and state_of(court) is SettingState.OK:
            text += f"，或者依法向{court}提起行政诉讼"
        return text + "。"


def _form_text(material: Material) -> str:
    parts: list[str] = []
    if material.needs_original:
        returned = material.original_handling is OriginalHandling.INSPECT_AND_RETURN
        verb = "核验" if returned else "收取"
        parts.append(f"原件{material.original_count}份（{verb}）")
    if material.needs_copies:
        parts.append(f"复印件{material.copy_count}份")
    if material.medium is Medium.ELECTRONIC:
        parts.append("电子版")
    return "，".join(parts) or material.medium.value
