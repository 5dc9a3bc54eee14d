"""Loading the matter catalogue (事项目录) and the department contacts from YAML files.

Departments may live in their own file (``resources/catalogue/departments.yaml``) or in a
``departments:`` section of the catalogue; both are merged. The separate file is the default
because the two change on different schedules and have different owners: the matters are
replaced wholesale by the official 实施清单 export, while contacts (办法第十一条) are local
elements the centre edits whenever a department changes its duty phone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from zhanhe_counter.adapters.catalogue.compiled import CompiledCatalogues
from zhanhe_counter.adapters.catalogue.problems import CatalogueInvalid, CatalogueProblem
from zhanhe_counter.adapters.catalogue.yamlfile import Fields, Problems, Reader, compose_file
from zhanhe_counter.adapters.paths import catalogue_cache_dir
from zhanhe_counter.domain.matters import (
    MATTER_TYPE_LABELS,
    Catalogue,
    Department,
    Fee,
    HandleKind,
    Material,
    MaterialType,
    Matter,
    MatterGuide,
    MatterResult,
    Medium,
    Necessity,
    OriginalHandling,
    Provenance,
    ProvenanceStatus,
    WindowFlow,
    matter_problems,
)
from zhanhe_counter.domain.workdays import TimeLimit, TimeUnit

SUPPORTED_SCHEMA_VERSION = 1

_TOP_REQUIRED = frozenset({"schema_version", "matters"})
_TOP_OPTIONAL = frozenset({"generated", "region", "enums", "departments", "guide_defaults"})
_MATTER_REQUIRED = frozenset(
    {
        "id",
        "name",
        "matter_type",
        "department",
        "window_flow",
        "handle_kind",
        "promised_limit",
        "materials",
    }
)
_MATTER_OPTIONAL = frozenset(
    {
        "legal_limit",
        "level",
        "special_procedures",
        "fee",
        "result",
        "notes",
        "provenance",
        "matter_type_note",
        "reconsideration_note",
        "catalog_code",
        "impl_code",
        "legal_basis",
        "guide",
    }
)
#: The 办事指南 elements a matter's ``guide:`` (or the catalogue's ``guide_defaults:``) may hold.
_GUIDE_KEYS = frozenset(MatterGuide.__slots__)
#: 到办事现场次数 beyond this is a typing accident ("最多跑一次" is the norm).
MAX_VISITS = 9
_LIMIT_REQUIRED = frozenset({"value", "unit"})
_LIMIT_OPTIONAL = frozenset({"note", "illustrative"})
_MATERIAL_REQUIRED = frozenset(
    {"name", "material_type", "original_handling", "original_count", "copy_count", "medium"}
)
_MATERIAL_OPTIONAL = frozenset(
    {
        "necessity",
        "conditional_on",
        "rongque_allowed",
        "gaozhi_chengnuo",
        "shared_exempt",
        "note",
        "illustrative",
    }
)
_DEPARTMENT_REQUIRED = frozenset({"name"})
_DEPARTMENT_OPTIONAL = frozenset(
    {
        "responsible_office",
        "contact_person",
        "phones",
        "reconsideration_body",
        "court",
        "vertical",
        "note",
        "illustrative",
    }
)
_DEPARTMENTS_FILE_REQUIRED = frozenset({"schema_version", "departments"})
_DEPARTMENTS_FILE_OPTIONAL = frozenset({"generated", "note"})


@dataclass(frozen=True, slots=True)
class LoadedCatalogue:
    """A valid catalogue and the warnings (unknown keys, missing contacts …) found loading it."""

    catalogue: Catalogue
    warnings: tuple[CatalogueProblem, ...]


_caches: dict[Path, CompiledCatalogues] = {}


def load_catalogue(
    path: Path, *, departments: Path | None = None, cache_dir: Path | None = None
) -> LoadedCatalogue:
    """Load and validate a catalogue file (and optionally a departments file).

    A catalogue loaded before with the same content comes from its compiled form in
    ``cache_dir`` (default :func:`catalogue_cache_dir`; see ``compiled.py``), in a fraction of a
    second whatever its size. Raises :class:`CatalogueInvalid` listing every error of both files.
    """
    folder = cache_dir if cache_dir is not None else catalogue_cache_dir(os.environ)
    cache = _caches.get(folder)
    if cache is None:
        cache = _caches[folder] = CompiledCatalogues(folder, LoadedCatalogue)
    try:
        sources = [(path, path.read_bytes())]
        if departments is not None:
            sources.append((departments, departments.read_bytes()))
    except OSError:  # unreadable: the reader reports it with the file's name
        return read_catalogue(path, departments=departments)
    loaded = cache.load(sources, lambda: read_catalogue(path, departments=departments))
    assert isinstance(loaded, LoadedCatalogue)
    return loaded


def read_catalogue(path: Path, *, departments: Path | None = None) -> LoadedCatalogue:
    """:func:`load_catalogue` without the compiled form: parse and check the files themselves."""
    problems = Problems(str(path))
    dept_problems = Problems(str(departments)) if departments is not None else None
    dept_records: dict[str, Department] = {}
    if departments is not None and dept_problems is not None:
        dept_records = _read_departments_file(departments, dept_problems)
    catalogue = _read_catalogue(path, problems, dept_records)
    errors = problems.sorted_errors()
    warnings = problems.sorted_warnings()
    if dept_problems is not None:
        errors = dept_problems.sorted_errors() + errors
        warnings = dept_problems.sorted_warnings() + warnings
    if errors or catalogue is None:
        raise CatalogueInvalid(str(path), errors)
    return LoadedCatalogue(catalogue, tuple(warnings))


def _read_catalogue(
    path: Path, problems: Problems, external_departments: dict[str, Department]
) -> Catalogue | None:
    root = compose_file(path, problems)
    if root is None:
        return None
    return read_catalogue_root(root, problems, external_departments)


def read_catalogue_root(
    root: yaml.Node, problems: Problems, external_departments: dict[str, Department]
) -> Catalogue | None:
    """The catalogue of a composed YAML tree (a file's, or one made from a spreadsheet)."""
    reader = Reader(problems)
    top = reader.fields(root, "目录文件", required=_TOP_REQUIRED, optional=_TOP_OPTIONAL)
    if top is None:
        return None
    version = reader.integer(top, "schema_version", "目录文件")
    if version is not None and version != SUPPORTED_SCHEMA_VERSION:
        problems.error(
            top.node("schema_version"),
            f"不支持的目录格式版本 {version}（本程序支持 {SUPPORTED_SCHEMA_VERSION}）",
        )
    region = _read_region(reader, top)
    departments = dict(external_departments)
    section = top.get("departments")
    if section is not None:
        for department, node in _read_departments(reader, section):
            if department.name in departments:
                problems.error(node, f"部门“{department.name}”重复登记")
            departments[department.name] = department

    defaults = MatterGuide()
    if top.get("guide_defaults") is not None:
        defaults = read_guide(reader, top, "guide_defaults", "目录的 guide_defaults") or defaults
    matters: dict[str, Matter] = {}
    department_nodes: dict[str, yaml.Node] = {}
    matters_node = top.get("matters")
    if matters_node is not None:
        for node in reader.items(matters_node, "matters"):
            matter = _read_matter(reader, node, department_nodes, defaults)
            if matter is None:
                continue
            if matter.id in matters:
                problems.error(node, f"事项编号 {matter.id} 重复")
                continue
            matters[matter.id] = matter
        if not matters and not problems.errors:
            problems.error(matters_node, "目录中没有事项")
    if departments:
        for matter_id, matter in matters.items():
            if matter.department not in departments:
                problems.warning(
                    department_nodes.get(matter_id),
                    f"事项 {matter_id} 的部门“{matter.department}”未登记承办处室、联系人和电话",
                )
    return Catalogue(
        matters=matters,
        departments=departments,
        schema_version=version or SUPPORTED_SCHEMA_VERSION,
        generated=reader.string(top, "generated", "目录文件"),
        region=region,
    )


def _read_region(reader: Reader, top: Fields) -> dict[str, str]:
    node = top.get("region")
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        reader.problems.error(node, "region 应为键值映射")
        return {}
    return {
        str(k.value): str(v.value)
        for k, v in node.value
        if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)
    }


def _read_matter(
    reader: Reader,
    node: yaml.Node,
    department_nodes: dict[str, yaml.Node],
    guide_defaults: MatterGuide,
) -> Matter | None:
    problems = reader.problems
    errors_before = len(problems.errors)
    fields = reader.fields(node, "事项", required=_MATTER_REQUIRED, optional=_MATTER_OPTIONAL)
    if fields is None:
        return None
    matter_id = reader.required_string(fields, "id", "事项")
    what = f"事项 {matter_id}" if matter_id else "事项"
    name = reader.required_string(fields, "name", what)
    matter_type = reader.required_string(fields, "matter_type", what)
    if matter_type is not None and matter_type not in MATTER_TYPE_LABELS:
        problems.warning(
            fields.node("matter_type"), f"{what}的事项类型代码“{matter_type}”不在国家代码表中"
        )
    department = reader.required_string(fields, "department", what)
    window_flow = reader.enum(fields, "window_flow", what, WindowFlow)
    handle_kind = reader.enum(fields, "handle_kind", what, HandleKind)
    illustrative: set[str] = set()
    legal_limit = _read_limit(reader, fields, "legal_limit", what, illustrative)
    promised_limit = _read_limit(reader, fields, "promised_limit", what, illustrative)
    paths: dict[str, yaml.Node] = {
        "legal_limit": fields.node("legal_limit"),
        "promised_limit": fields.node("promised_limit"),
    }
    materials: list[Material] = []
    materials_node = fields.get("materials")
    if materials_node is not None:
        for index, material_node in enumerate(reader.items(materials_node, f"{what}的 materials")):
            material = _read_material(reader, material_node, what, index, paths)
            if material is not None:
                materials.append(material)
    if isinstance(materials_node, yaml.SequenceNode) and not materials_node.value:
        problems.warning(materials_node, f"{what}没有申请材料")
    fee = _read_fee(reader, fields, what)
    result = _read_result(reader, fields, what)
    provenance = _read_provenance(reader, fields, what)
    special = reader.strings(fields, "special_procedures", what)
    notes = reader.string(fields, "notes", what)
    guide = read_guide(reader, fields, "guide", f"{what}的 guide") or MatterGuide()
    if (
        len(problems.errors) > errors_before
        or matter_id is None
        or name is None
        or matter_type is None
        or department is None
        or window_flow is None
        or handle_kind is None
    ):
        return None
    matter = Matter(
        id=matter_id,
        name=name,
        matter_type=matter_type,
        department=department,
        window_flow=window_flow,
        handle_kind=handle_kind,
        legal_limit=legal_limit,
        promised_limit=promised_limit,
        materials=tuple(materials),
        level=reader.string(fields, "level", what),
        special_procedures=special,
        fee=fee,
        result=result,
        notes=notes,
        provenance=provenance,
        matter_type_note=reader.string(fields, "matter_type_note", what),
        reconsideration_note=reader.string(fields, "reconsideration_note", what),
        catalog_code=reader.string(fields, "catalog_code", what),
        impl_code=reader.string(fields, "impl_code", what),
        legal_basis=reader.strings(fields, "legal_basis", what),
        guide=guide.filled_from(guide_defaults),
        illustrative_fields=frozenset(illustrative),
    )
    department_nodes[matter_id] = fields.node("department")
    violations = matter_problems(matter)
    for violation in violations:
        problems.error(paths.get(violation.path, fields.owner), f"{what}：{violation.message}")
    return None if violations else matter


def read_guide(reader: Reader, owner: Fields, key: str, label: str) -> MatterGuide | None:
    """The 办事指南 elements under ``key`` (None when absent or not a mapping)."""
    node = owner.get(key)
    if node is None:
        return None
    fields = reader.fields(node, label, required=frozenset(), optional=_GUIDE_KEYS)
    if fields is None:
        return None
    visits = reader.integer(fields, "max_visits", label)
    if visits is not None and not 0 <= visits <= MAX_VISITS:
        reader.problems.error(
            fields.node("max_visits"),
            f"{label}的到办事现场次数 {visits} 应在 0 到 {MAX_VISITS} 之间",
        )
        visits = None

    def text(name: str) -> str | None:
        return reader.string(fields, name, label)

    def lines(name: str) -> tuple[str, ...]:
        return reader.strings(fields, name, label)

    return MatterGuide(
        implementing_body=text("implementing_body"),
        service_objects=lines("service_objects"),
        conditions=lines("conditions"),
        channels=lines("channels"),
        steps=lines("steps"),
        max_visits=visits,
        places=lines("places"),
        office_hours=text("office_hours"),
        consult=lines("consult"),
        complaint=lines("complaint"),
        delivery=lines("delivery"),
        intermediary=text("intermediary"),
        quantity_limit=text("quantity_limit"),
        faq=lines("faq"),
    )


def _read_limit(
    reader: Reader, fields: Fields, key: str, what: str, illustrative: set[str]
) -> TimeLimit | None:
    node = fields.get(key)
    if node is None:
        return None
    limit_fields = reader.fields(
        node, f"{what}的 {key}", required=_LIMIT_REQUIRED, optional=_LIMIT_OPTIONAL
    )
    if limit_fields is None:
        return None
    value = reader.integer(limit_fields, "value", f"{what}的 {key}")
    unit = reader.enum(limit_fields, "unit", f"{what}的 {key}", TimeUnit)
    note = reader.string(limit_fields, "note", f"{what}的 {key}")
    if reader.boolean(limit_fields, "illustrative", f"{what}的 {key}"):
        illustrative.add(key)
    if value is None or unit is None:
        return None
    bound = MAX_LIMIT[unit]
    if not 0 <= value <= bound:
        reader.problems.error(
            limit_fields.node("value"),
            f"{what}的 {key} 为 {value} {unit.value}，应在 0 到 {bound} {unit.value}之间",
        )
        return None
    return TimeLimit(value, unit, note)


#: The longest time limit a catalogue may state, per unit. Statutory limits run to a few dozen
#: working days; a promise of 99,999,999 working days would overflow every date computed
#: from it (and is a typing accident). Two years is far beyond any rule and still computable.
MAX_LIMIT = {TimeUnit.WORKING_DAY: 500, TimeUnit.NATURAL_DAY: 730, TimeUnit.HOUR: 24 * 730}


def _read_material(
    reader: Reader, node: yaml.Node, what: str, index: int, paths: dict[str, yaml.Node]
) -> Material | None:
    label = f"{what}的第 {index + 1} 项材料"
    fields = reader.fields(node, label, required=_MATERIAL_REQUIRED, optional=_MATERIAL_OPTIONAL)
    if fields is None:
        return None
    for key in _MATERIAL_REQUIRED | _MATERIAL_OPTIONAL:
        paths[f"materials[{index}].{key}"] = fields.node(key)
    name = reader.required_string(fields, "name", label)
    if name is not None:
        label = f"{what}的材料“{name}”"
    material_type = reader.enum(fields, "material_type", label, MaterialType)
    handling = reader.enum(fields, "original_handling", label, OriginalHandling)
    original_count = reader.integer(fields, "original_count", label)
    copy_count = reader.integer(fields, "copy_count", label)
    medium = reader.enum(fields, "medium", label, Medium)
    necessity = (
        reader.enum(fields, "necessity", label, Necessity)
        if fields.get("necessity") is not None
        else Necessity.REQUIRED
    )
    conditional_on = reader.string(fields, "conditional_on", label)
    rongque = reader.boolean(fields, "rongque_allowed", label)
    gaozhi = reader.boolean(fields, "gaozhi_chengnuo", label)
    shared = reader.boolean(fields, "shared_exempt", label)
    note = reader.string(fields, "note", label)
    if (
        name is None
        or material_type is None
        or handling is None
        or original_count is None
        or copy_count is None
        or medium is None
        or necessity is None
    ):
        return None
    return Material(
        name=name,
        material_type=material_type,
        original_handling=handling,
        original_count=original_count,
        copy_count=copy_count,
        medium=medium,
        necessity=necessity,
        conditional_on=conditional_on,
        rongque_allowed=rongque,
        gaozhi_chengnuo=gaozhi,
        shared_exempt=shared,
        note=note,
    )


def _read_fee(reader: Reader, fields: Fields, what: str) -> Fee | None:
    node = fields.get("fee")
    if node is None:
        return None
    fee = reader.fields(
        node, f"{what}的 fee", required=frozenset({"charged"}), optional=frozenset({"note"})
    )
    if fee is None:
        return None
    return Fee(
        charged=reader.boolean(fee, "charged", f"{what}的 fee"),
        note=reader.string(fee, "note", f"{what}的 fee"),
    )


def _read_result(reader: Reader, fields: Fields, what: str) -> MatterResult | None:
    node = fields.get("result")
    if node is None:
        return None
    result = reader.fields(
        node,
        f"{what}的 result",
        required=frozenset({"name", "type"}),
        optional=frozenset({"validity"}),
    )
    if result is None:
        return None
    name = reader.required_string(result, "name", f"{what}的 result")
    kind = reader.required_string(result, "type", f"{what}的 result")
    if name is None or kind is None:
        return None
    return MatterResult(name, kind, reader.string(result, "validity", f"{what}的 result"))


def _read_provenance(reader: Reader, fields: Fields, what: str) -> Provenance | None:
    node = fields.get("provenance")
    if node is None:
        return None
    label = f"{what}的 provenance"
    prov = reader.fields(
        node,
        label,
        required=frozenset({"status"}),
        optional=frozenset({"basis", "source", "sources", "scope", "confidence"}),
    )
    if prov is None:
        return None
    status = reader.enum(prov, "status", label, ProvenanceStatus)
    if status is None:
        return None
    return Provenance(
        status=status,
        basis=reader.string(prov, "basis", label),
        source=reader.string(prov, "source", label),
        sources=reader.strings(prov, "sources", label),
        scope=reader.string(prov, "scope", label),
        confidence=reader.string(prov, "confidence", label),
    )


def _read_departments_file(path: Path, problems: Problems) -> dict[str, Department]:
    root = compose_file(path, problems)
    if root is None:
        return {}
    reader = Reader(problems)
    top = reader.fields(
        root,
        "部门文件",
        required=_DEPARTMENTS_FILE_REQUIRED,
        optional=_DEPARTMENTS_FILE_OPTIONAL,
    )
    if top is None:
        return {}
    version = reader.integer(top, "schema_version", "部门文件")
    if version is not None and version != SUPPORTED_SCHEMA_VERSION:
        problems.error(top.node("schema_version"), f"不支持的部门文件格式版本 {version}")
    departments: dict[str, Department] = {}
    section = top.get("departments")
    if section is not None:
        for department, node in _read_departments(reader, section):
            if department.name in departments:
                problems.error(node, f"部门“{department.name}”重复登记")
                continue
            departments[department.name] = department
    return departments


def _read_departments(reader: Reader, section: yaml.Node) -> list[tuple[Department, yaml.Node]]:
    found: list[tuple[Department, yaml.Node]] = []
    for node in reader.items(section, "departments"):
        fields = reader.fields(
            node, "部门", required=_DEPARTMENT_REQUIRED, optional=_DEPARTMENT_OPTIONAL
        )
        if fields is None:
            continue
        name = reader.required_string(fields, "name", "部门")
        if name is None:
            continue
        label = f"部门“{name}”"
        department = Department(
            name=name,
            responsible_office=reader.string(fields, "responsible_office", label),
            contact_person=reader.string(fields, "contact_person", label),
            phones=reader.strings(fields, "phones", label),
            reconsideration_body=reader.string(fields, "reconsideration_body", label),
            court=reader.string(fields, "court", label),
            vertical=reader.boolean(fields, "vertical", label),
            note=reader.string(fields, "note", label),
        )
        if not (department.responsible_office and department.contact_person and department.phones):
            reader.problems.warning(node, f"{label}缺少承办处室、联系人或电话（办法第十一条）")
        found.append((department, node))
    return found
