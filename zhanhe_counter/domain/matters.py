"""The matter catalogue (事项目录): matters, their materials and the departments behind them.

Everything here mirrors the catalogue file (``resources/catalogue/sample-matters.yaml``): enum
values are the catalogue's own words, time limits keep their unit (工作日 / 日 / 小时 are never
converted into each other), and official codes are opaque strings. The rules that need no file to
check (promised ≤ legal, counts ≥ 0, 容缺后补 implies 容缺 allowed …) live in
:func:`matter_problems`, so the loader and any future importer apply the same ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.workdays import TimeLimit

#: National ``task_type`` codes (docs/domain.md, Matter-type codes). Unknown codes are allowed: the
#: official list grows (行政备案 has no code yet), so a code outside this table is kept as it is.
MATTER_TYPE_LABELS: Mapping[str, str] = {
    "01": "行政许可",
    "02": "行政处罚",
    "03": "行政强制",
    "04": "行政征收",
    "05": "行政给付",
    "06": "行政检查",
    "07": "行政确认",
    "08": "行政奖励",
    "09": "行政裁决",
    "10": "其他行政权力",
    "20": "公共服务",
}

#: Condition texts containing one of these words describe an agent acting for the applicant.
AGENT_CONDITION_WORDS = ("委托", "代办", "代理")


class WindowFlow(StrEnum):
    """窗口办理流程 (办法第十五条)."""

    COMPLETE_ON_SPOT = "当场办结"
    ACCEPT_ON_SPOT = "当场受理"
    RECEIVE_ON_SPOT = "当场收件"


class HandleKind(StrEnum):
    """办件类型."""

    IMMEDIATE = "即办件"
    PROMISED = "承诺件"


class MaterialType(StrEnum):
    """材料形式."""

    ORIGINAL = "原件"
    COPY = "复印件"
    ORIGINAL_AND_COPY = "原件和复印件"

    @property
    def needs_original(self) -> bool:
        return self is not MaterialType.COPY

    @property
    def needs_copy(self) -> bool:
        return self is not MaterialType.ORIGINAL


class OriginalHandling(StrEnum):
    """原件处理方式: 核验后退回 / 收取 / 无原件."""

    INSPECT_AND_RETURN = "inspect_and_return"
    COLLECT = "collect"
    NONE = "none"


class Necessity(StrEnum):
    """是否必要."""

    REQUIRED = "必要"
    OPTIONAL = "非必要"
    SUPPLY_LATER = "容缺后补"


class Medium(StrEnum):
    """材料介质."""

    PAPER = "纸质"
    ELECTRONIC = "电子"
    PAPER_OR_ELECTRONIC = "纸质或电子"


class ProvenanceStatus(StrEnum):
    """Where a sample entry's content came from (see the catalogue header)."""

    PUBLIC_GUIDE = "public_guide"
    NATIONAL_RULE = "national_rule"
    ILLUSTRATIVE = "illustrative"


class UnknownMatter(DomainError):
    """A matter id that is not in the catalogue."""

    def __init__(self, matter_id: str) -> None:
        super().__init__(
            f"unknown matter id {matter_id!r}", f"事项目录中没有编号为 {matter_id} 的事项"
        )
        self.matter_id = matter_id


@dataclass(frozen=True, slots=True)
class Material:
    """申请材料."""

    name: str
    material_type: MaterialType
    original_handling: OriginalHandling
    original_count: int
    copy_count: int
    medium: Medium
    necessity: Necessity = Necessity.REQUIRED
    conditional_on: str | None = None
    rongque_allowed: bool = False
    gaozhi_chengnuo: bool = False
    shared_exempt: bool = False
    note: str | None = None

    @property
    def is_conditional(self) -> bool:
        return self.conditional_on is not None

    @property
    def is_agent_material(self) -> bool:
        """True when the material is needed because an agent (委托/代办/代理) acts."""
        condition = self.conditional_on or ""
        return any(word in condition for word in AGENT_CONDITION_WORDS)

    @property
    def needs_original(self) -> bool:
        return self.material_type.needs_original and self.original_handling is not (
            OriginalHandling.NONE
        )

    @property
    def needs_copies(self) -> bool:
        return self.material_type.needs_copy and self.copy_count > 0

    @property
    def clerk_action(self) -> str:
        """What the clerk must do with it, in the words shown on the checklist row."""
        parts: list[str] = []
        if self.needs_original:
            if self.original_handling is OriginalHandling.INSPECT_AND_RETURN:
                parts.append("核验原件后退回")
            else:
                parts.append(f"收取原件 {self.original_count} 份")
        if self.needs_copies:
            parts.append(f"收取复印件 {self.copy_count} 份")
        return "；".join(parts) if parts else "无需收取纸质材料"

    @property
    def requirement(self) -> str:
        """The form the applicant must bring it in, as printed on the 一次性告知书."""
        parts: list[str] = []
        if self.needs_original:
            if self.original_handling is OriginalHandling.INSPECT_AND_RETURN:
                parts.append("出示原件")
            else:
                parts.append(f"原件 {self.original_count} 份")
        if self.needs_copies:
            parts.append(f"复印件 {self.copy_count} 份")
        if self.medium is Medium.ELECTRONIC:
            parts.append("电子版")
        return "，".join(parts) if parts else self.medium.value


@dataclass(frozen=True, slots=True)
class Fee:
    """收费."""

    charged: bool
    note: str | None = None


@dataclass(frozen=True, slots=True)
class MatterResult:
    """办理结果."""

    name: str
    type: str
    validity: str | None = None


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where the entry's content came from; the sample is not an official catalogue."""

    status: ProvenanceStatus
    basis: str | None = None
    source: str | None = None
    sources: tuple[str, ...] = ()
    scope: str | None = None
    confidence: str | None = None


@dataclass(frozen=True, slots=True)
class MatterGuide:
    """The 办事指南 elements of a matter that the checklist does not use (办法第十二条).

    Together with the matter's own fields (name, codes, type, 设定依据, materials, limits, fee,
    result) they make the standard element set (docs/catalogue.md, Guide elements). The
    local elements (地点, 时间, 咨询, 监督) are usually the same for every matter of a hall: a
    catalogue states them once as defaults (:meth:`filled_from`). An element left empty is
    omitted from the printed guide, never invented.
    """

    implementing_body: str | None = None  # 实施主体 (default: the matter's department)
    service_objects: tuple[str, ...] = ()  # 服务对象: 自然人 / 企业法人 …
    conditions: tuple[str, ...] = ()  # 受理条件
    channels: tuple[str, ...] = ()  # 办理形式: 窗口办理 / 网上办理 …
    steps: tuple[str, ...] = ()  # 办理流程, one step a line
    max_visits: int | None = None  # 到办事现场次数
    places: tuple[str, ...] = ()  # 办理地点
    office_hours: str | None = None  # 办理时间
    consult: tuple[str, ...] = ()  # 咨询方式
    complaint: tuple[str, ...] = ()  # 监督投诉方式
    delivery: tuple[str, ...] = ()  # 结果送达方式
    intermediary: str | None = None  # 中介服务
    quantity_limit: str | None = None  # 数量限制
    faq: tuple[str, ...] = ()  # 常见问题

    def filled_from(self, defaults: MatterGuide) -> MatterGuide:
        """This guide with each empty element taken from ``defaults``."""
        values = {name: getattr(self, name) or getattr(defaults, name) for name in _GUIDE_ELEMENTS}
        values["max_visits"] = (
            self.max_visits if self.max_visits is not None else (defaults.max_visits)
        )
        return MatterGuide(**values)


_GUIDE_ELEMENTS = tuple(MatterGuide.__slots__)


@dataclass(frozen=True, slots=True)
class Department:
    """部门 with what the window needs to reach it (办法第十一条) and the relief bodies.

    ``vertical`` marks a vertically managed body (垂直管理, e.g. 烟草): its reconsideration body is
    the superior authority, not the district government.
    """

    name: str
    responsible_office: str | None = None
    contact_person: str | None = None
    phones: tuple[str, ...] = ()
    reconsideration_body: str | None = None
    court: str | None = None
    vertical: bool = False
    note: str | None = None

    @property
    def contact_line(self) -> str:
        """承办处室、联系人、电话 in one line for the clerk."""
        parts = [self.name]
        if self.responsible_office:
            parts.append(self.responsible_office)
        if self.contact_person:
            parts.append(self.contact_person)
        if self.phones:
            parts.append("电话 " + "、".join(self.phones))
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Matter:
    """事项 (at the 业务办理项 level the window works with)."""

    id: str
    name: str
    matter_type: str
    department: str
    window_flow: WindowFlow
    handle_kind: HandleKind
    legal_limit: TimeLimit | None
    promised_limit: TimeLimit | None
    materials: tuple[Material, ...]
    level: str | None = None
    special_procedures: tuple[str, ...] = ()
    fee: Fee | None = None
    result: MatterResult | None = None
    notes: str | None = None
    provenance: Provenance | None = None
    matter_type_note: str | None = None
    reconsideration_note: str | None = None
    catalog_code: str | None = None
    impl_code: str | None = None
    #: 设定依据 / 实施依据 as printed on its documents ("《居住证暂行条例》第十一条"): what a
    #: refusal decision cites beside the procedural article of its legal family.
    legal_basis: tuple[str, ...] = ()
    #: The other 办事指南 elements (受理条件, 办理流程, 地点, 时间, 咨询, 监督 …).
    guide: MatterGuide = MatterGuide()
    #: Fields whose value was chosen by hand (``illustrative: true``), e.g. ``promised_limit``.
    illustrative_fields: frozenset[str] = frozenset()

    @property
    def matter_type_label(self) -> str:
        return MATTER_TYPE_LABELS.get(self.matter_type, self.matter_type)

    @property
    def allows_rongque(self) -> bool:
        return any(m.rongque_allowed for m in self.materials)

    @property
    def allows_gaozhi_chengnuo(self) -> bool:
        return any(m.gaozhi_chengnuo for m in self.materials)

    @property
    def conditions(self) -> tuple[str, ...]:
        """The distinct condition texts of the conditional materials, in catalogue order."""
        seen: dict[str, None] = {}
        for material in self.materials:
            if material.conditional_on is not None:
                seen.setdefault(material.conditional_on, None)
        return tuple(seen)

    def material_by_number(self, number: int) -> Material:
        """The material numbered ``number`` (1-based, catalogue order) as the checklist shows it."""
        if not 1 <= number <= len(self.materials):
            raise DomainError(
                f"matter {self.id} has no material number {number}",
                f"事项“{self.name}”没有第 {number} 项材料（共 {len(self.materials)} 项）",
            )
        return self.materials[number - 1]

    def number_of(self, material: Material) -> int:
        return self.materials.index(material) + 1


@dataclass(frozen=True, slots=True)
class RuleViolation:
    """A catalogue rule broken by one matter.

    ``path`` names the offending field the way the file spells it (``promised_limit``,
    ``materials[3].necessity``) so a loader can point at its line.
    """

    path: str
    message: str


def matter_problems(matter: Matter) -> list[RuleViolation]:
    """Every rule of the catalogue that ``matter`` breaks (empty when it is sound)."""
    problems: list[RuleViolation] = []
    for name, limit in (
        ("legal_limit", matter.legal_limit),
        ("promised_limit", matter.promised_limit),
    ):
        if limit is not None and limit.value < 0:
            problems.append(RuleViolation(name, f"时限不能为负数：{limit.value}"))
    legal, promised = matter.legal_limit, matter.promised_limit
    # Different units cannot be compared without a calendar and must never be converted.
    if (
        legal is not None
        and promised is not None
        and legal.unit == promised.unit
        and promised.value > legal.value
    ):
        problems.append(
            RuleViolation(
                "promised_limit",
                f"承诺时限 {promised.value}{promised.unit} 超过法定时限 {legal.value}{legal.unit}",
            )
        )
    seen: set[str] = set()
    for index, material in enumerate(matter.materials):
        problems.extend(_material_problems(index, material, seen))
    return problems


def _material_problems(index: int, material: Material, seen: set[str]) -> list[RuleViolation]:
    prefix = f"materials[{index}]"
    label = f"材料“{material.name}”"
    problems: list[RuleViolation] = []
    if material.name in seen:
        problems.append(RuleViolation(f"{prefix}.name", f"{label}在同一事项中重复"))
    seen.add(material.name)
    for count_field, count in (
        ("original_count", material.original_count),
        ("copy_count", material.copy_count),
    ):
        if count < 0:
            problems.append(
                RuleViolation(f"{prefix}.{count_field}", f"{label}的份数不能为负数：{count}")
            )
    if material.material_type.needs_original:
        if material.original_handling is OriginalHandling.NONE:
            problems.append(
                RuleViolation(
                    f"{prefix}.original_handling",
                    f"{label}要求原件，原件处理方式不能为 none",
                )
            )
        elif material.original_count < 1:
            problems.append(
                RuleViolation(f"{prefix}.original_count", f"{label}要求原件，原件份数至少为 1")
            )
    elif material.original_count > 0:
        problems.append(
            RuleViolation(f"{prefix}.original_count", f"{label}只要复印件，原件份数应为 0")
        )
    if material.material_type.needs_copy and material.copy_count < 1:
        problems.append(
            RuleViolation(f"{prefix}.copy_count", f"{label}要求复印件，复印件份数至少为 1")
        )
    if material.necessity is Necessity.SUPPLY_LATER and not material.rongque_allowed:
        problems.append(
            RuleViolation(
                f"{prefix}.rongque_allowed",
                f"{label}标为“容缺后补”，rongque_allowed 必须为 true",
            )
        )
    if material.conditional_on is not None and not material.conditional_on.strip():
        problems.append(RuleViolation(f"{prefix}.conditional_on", f"{label}的适用条件为空"))
    return problems


@dataclass(frozen=True, slots=True)
class Catalogue:
    """事项目录: the matters by id and the departments by name."""

    matters: Mapping[str, Matter]
    departments: Mapping[str, Department] = field(default_factory=dict)
    schema_version: int = 1
    generated: str | None = None
    region: Mapping[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.matters)

    def __iter__(self) -> Iterator[Matter]:
        return iter(self.matters.values())

    def __contains__(self, matter_id: object) -> bool:
        return matter_id in self.matters

    def matter(self, matter_id: str) -> Matter:
        """The matter with this id; :class:`UnknownMatter` if there is none."""
        try:
            return self.matters[matter_id]
        except KeyError:
            raise UnknownMatter(matter_id) from None

    def department_of(self, matter: Matter) -> Department | None:
        """The department record (contacts, relief bodies) of ``matter``, if one is registered."""
        return self.departments.get(matter.department)

    def matters_of(self, department: str) -> tuple[Matter, ...]:
        return tuple(m for m in self.matters.values() if m.department == department)

    @property
    def department_names(self) -> tuple[str, ...]:
        """Every department named by a matter, in catalogue order."""
        return tuple(dict.fromkeys(m.department for m in self.matters.values()))

    def find(self, text: str) -> tuple[Matter, ...]:
        """Matters whose id or name contains ``text`` (case-insensitive for the id)."""
        needle = text.strip()
        if not needle:
            return ()
        upper = needle.upper()
        return tuple(m for m in self.matters.values() if upper in m.id.upper() or needle in m.name)
