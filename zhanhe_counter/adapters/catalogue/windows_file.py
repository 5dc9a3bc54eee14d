"""Loading the window configuration (窗口配置) from YAML, cross-checked against the catalogue.

Format::

    schema_version: 1
    halls:
      - {id: QZX, name: 湛河区政务服务中心, level: district_centre}
    windows:
      - id: QZX-03
        name: 3号综合窗口
        kind: 无差别            # or 分领域 (then `departments:` names its departments)
        hall: QZX
        default_authority: accept_on_spot   # decide_on_spot / accept_on_spot / receive_only
        authority: {ZH-002: decide_on_spot}  # per-matter overrides
        matters: [ZH-001, ZH-002]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from zhanhe_counter.adapters.catalogue.problems import CatalogueInvalid, CatalogueProblem
from zhanhe_counter.adapters.catalogue.yamlfile import Problems, Reader, compose_file
from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.domain.windows import (
    HallDirectory,
    ServiceHall,
    ServiceHallLevel,
    WindowAuthority,
    WindowConfig,
    WindowKind,
)

_TOP_REQUIRED = frozenset({"schema_version", "halls", "windows"})
_TOP_OPTIONAL = frozenset({"generated", "note"})
_HALL_REQUIRED = frozenset({"id", "name", "level"})
_HALL_OPTIONAL = frozenset({"address", "note"})
_WINDOW_REQUIRED = frozenset({"id", "name", "kind", "hall"})
_WINDOW_OPTIONAL = frozenset({"default_authority", "authority", "matters", "departments", "note"})


@dataclass(frozen=True, slots=True)
class LoadedWindows:
    """A valid window configuration and the warnings found loading it."""

    directory: HallDirectory
    halls: tuple[ServiceHall, ...]
    warnings: tuple[CatalogueProblem, ...]


def load_windows(path: Path, catalogue: Catalogue) -> LoadedWindows:
    """Load the window configuration; every matter id and department must be in ``catalogue``.

    Raises :class:`CatalogueInvalid` listing every error.
    """
    problems = Problems(str(path))
    halls: dict[str, ServiceHall] = {}
    windows: dict[str, WindowConfig] = {}
    root = compose_file(path, problems)
    if root is not None:
        _read(Reader(problems), root, catalogue, halls, windows)
    if problems.errors or root is None:
        raise CatalogueInvalid(str(path), problems.sorted_errors())
    return LoadedWindows(
        HallDirectory(windows.values()), tuple(halls.values()), tuple(problems.sorted_warnings())
    )


def _read(
    reader: Reader,
    root: yaml.Node,
    catalogue: Catalogue,
    halls: dict[str, ServiceHall],
    windows: dict[str, WindowConfig],
) -> None:
    problems = reader.problems
    top = reader.fields(root, "窗口配置文件", required=_TOP_REQUIRED, optional=_TOP_OPTIONAL)
    if top is None:
        return
    version = reader.integer(top, "schema_version", "窗口配置文件")
    if version is not None and version != 1:
        problems.error(top.node("schema_version"), f"不支持的窗口配置格式版本 {version}")
    halls_node = top.get("halls")
    if halls_node is not None:
        for node in reader.items(halls_node, "halls"):
            fields = reader.fields(
                node, "服务场所", required=_HALL_REQUIRED, optional=_HALL_OPTIONAL
            )
            if fields is None:
                continue
            hall_id = reader.required_string(fields, "id", "服务场所")
            name = reader.required_string(fields, "name", "服务场所")
            level = reader.enum(fields, "level", f"服务场所 {hall_id}", ServiceHallLevel)
            if hall_id is None or name is None or level is None:
                continue
            if hall_id in halls:
                problems.error(node, f"服务场所编号 {hall_id} 重复")
                continue
            halls[hall_id] = ServiceHall(hall_id, name, level)
    windows_node = top.get("windows")
    if windows_node is None:
        return
    known_departments = set(catalogue.department_names) | set(catalogue.departments)
    for node in reader.items(windows_node, "windows"):
        window = _read_window(reader, node, catalogue, halls, known_departments)
        if window is None:
            continue
        if window.id in windows:
            problems.error(node, f"窗口编号 {window.id} 重复")
            continue
        windows[window.id] = window


def _read_window(
    reader: Reader,
    node: yaml.Node,
    catalogue: Catalogue,
    halls: dict[str, ServiceHall],
    known_departments: set[str],
) -> WindowConfig | None:
    problems = reader.problems
    errors_before = len(problems.errors)
    fields = reader.fields(node, "窗口", required=_WINDOW_REQUIRED, optional=_WINDOW_OPTIONAL)
    if fields is None:
        return None
    window_id = reader.required_string(fields, "id", "窗口")
    what = f"窗口 {window_id}" if window_id else "窗口"
    name = reader.required_string(fields, "name", what)
    kind = reader.enum(fields, "kind", what, WindowKind)
    hall_id = reader.required_string(fields, "hall", what)
    hall = halls.get(hall_id) if hall_id is not None else None
    if hall_id is not None and hall is None:
        problems.error(fields.node("hall"), f"{what}的服务场所“{hall_id}”未在 halls 中登记")
    default_authority = (
        reader.enum(fields, "default_authority", what, WindowAuthority)
        if fields.get("default_authority") is not None
        else WindowAuthority.RECEIVE_ONLY
    )
    matter_ids = reader.strings(fields, "matters", what)
    for matter_id in matter_ids:
        if matter_id not in catalogue:
            problems.error(fields.node("matters"), f"{what}的事项编号 {matter_id} 不在事项目录中")
    if len(set(matter_ids)) != len(matter_ids):
        problems.warning(fields.node("matters"), f"{what}的事项列表有重复编号")
    departments = reader.strings(fields, "departments", what)
    for department in departments:
        if department not in known_departments:
            problems.error(fields.node("departments"), f"{what}的部门“{department}”不在事项目录中")
    overrides = _read_overrides(reader, fields.get("authority"), what, catalogue)
    if kind is WindowKind.DOMAIN and not departments:
        problems.error(fields.node("kind"), f"{what}为分领域窗口，须在 departments 中写明所属部门")
    if len(problems.errors) > errors_before:
        return None
    if window_id is None or name is None or kind is None or hall is None:
        return None
    if default_authority is None:
        return None
    window = WindowConfig(
        id=window_id,
        name=name,
        kind=kind,
        hall=hall,
        matter_ids=frozenset(matter_ids),
        default_authority=default_authority,
        authority_overrides=overrides,
        departments=departments,
    )
    handled = [m for m in catalogue if window.handles(m)]
    if not handled:
        problems.warning(node, f"{what}不办理任何事项")
    elif kind is WindowKind.UNDIFFERENTIATED and len({m.department for m in handled}) < 2:
        problems.warning(node, f"{what}为无差别窗口，但只办理一个部门的事项（办法第四条）")
    for matter_id in overrides:
        if matter_id in catalogue and not window.handles(catalogue.matter(matter_id)):
            problems.warning(
                fields.node("authority"), f"{what}为事项 {matter_id} 设了授权，但并不办理该事项"
            )
    return window


def _read_overrides(
    reader: Reader, node: yaml.Node | None, what: str, catalogue: Catalogue
) -> dict[str, WindowAuthority]:
    overrides: dict[str, WindowAuthority] = {}
    if node is None:
        return overrides
    if not isinstance(node, yaml.MappingNode):
        reader.problems.error(node, f"{what}的 authority 应为“事项编号: 授权”的映射")
        return overrides
    allowed = " / ".join(a.value for a in WindowAuthority)
    for key_node, value_node in node.value:
        matter_id = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
        if matter_id not in catalogue:
            reader.problems.error(key_node, f"{what}的授权事项编号 {matter_id} 不在事项目录中")
            continue
        value = str(value_node.value) if isinstance(value_node, yaml.ScalarNode) else ""
        try:
            overrides[matter_id] = WindowAuthority(value)
        except ValueError:
            reader.problems.error(
                value_node, f"{what}对事项 {matter_id} 的授权“{value}”无效，应为：{allowed}"
            )
    return overrides
