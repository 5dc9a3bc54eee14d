"""The spreadsheet form of the 实施清单: a catalogue as an XLSX workbook, read and written.

Three sheets (docs/catalogue.md, The spreadsheet form: every column):

* ``事项``: one matter a row, one element a named column (the order of the columns is free);
* ``申请材料``: one material a row, tied to its matter by 事项编号, in the order they are listed;
* ``目录信息``: the catalogue's own facts (format version, date, region) as 项目 / 值 rows.

Reading turns the sheets into the catalogue's YAML form, one value a line, and checks that with
the YAML loader itself (:func:`read_catalogue_root`), so a spreadsheet is held to exactly the
same rules; every problem found on a line is reported at the cell it came from, as
``FILE[SHEET]:ROW:COLUMN: message``. What only a sheet can get wrong (a missing or repeated
column, merged cells, a time limit written as "二十天") is reported at its cell too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from zhanhe_counter.adapters.catalogue.catalogue_file import read_catalogue_root
from zhanhe_counter.adapters.catalogue.problems import CatalogueInvalid, CatalogueProblem
from zhanhe_counter.adapters.catalogue.yamlfile import Problems, compose_text
from zhanhe_counter.domain.matters import (
    MATTER_TYPE_LABELS,
    Catalogue,
    Material,
    Matter,
    OriginalHandling,
)
from zhanhe_counter.domain.workdays import TimeLimit, TimeUnit

MATTERS_SHEET = "事项"
MATERIALS_SHEET = "申请材料"
INFO_SHEET = "目录信息"

TEXT, LINES, BOOL, INT, LIMIT, TYPE, HANDLING = (
    "text",
    "lines",
    "bool",
    "int",
    "limit",
    "type",
    "handling",
)


@dataclass(frozen=True, slots=True)
class Column:
    """One named column: its header, the YAML path it fills, its kind, whether it must exist."""

    header: str
    path: str
    kind: str = TEXT
    required: bool = False


MATTER_COLUMNS = (
    Column("事项编号", "id", required=True),
    Column("事项名称", "name", required=True),
    Column("基本编码", "catalog_code"),
    Column("实施编码", "impl_code"),
    Column("事项类型", "matter_type", TYPE, required=True),
    Column("事项类型说明", "matter_type_note"),
    Column("行使层级", "level"),
    Column("实施部门", "department", required=True),
    Column("实施主体", "guide.implementing_body"),
    Column("服务对象", "guide.service_objects", LINES),
    Column("窗口办理流程", "window_flow", required=True),
    Column("办件类型", "handle_kind", required=True),
    Column("法定办结时限", "legal_limit", LIMIT, required=True),
    Column("法定时限说明", "legal_limit.note"),
    Column("法定时限为示例值", "legal_limit.illustrative", BOOL),
    Column("承诺办结时限", "promised_limit", LIMIT, required=True),
    Column("承诺时限说明", "promised_limit.note"),
    Column("承诺时限为示例值", "promised_limit.illustrative", BOOL),
    Column("特别程序", "special_procedures", LINES),
    Column("设定依据", "legal_basis", LINES),
    Column("受理条件", "guide.conditions", LINES),
    Column("办理形式", "guide.channels", LINES),
    Column("办理流程", "guide.steps", LINES),
    Column("到办事现场次数", "guide.max_visits", INT),
    Column("是否收费", "fee.charged", BOOL),
    Column("收费说明", "fee.note"),
    Column("办理结果名称", "result.name"),
    Column("办理结果类型", "result.type"),
    Column("结果有效期", "result.validity"),
    Column("结果送达方式", "guide.delivery", LINES),
    Column("办理地点", "guide.places", LINES),
    Column("办理时间", "guide.office_hours"),
    Column("咨询方式", "guide.consult", LINES),
    Column("监督投诉方式", "guide.complaint", LINES),
    Column("中介服务", "guide.intermediary"),
    Column("数量限制", "guide.quantity_limit"),
    Column("常见问题", "guide.faq", LINES),
    Column("复议说明", "reconsideration_note"),
    Column("备注", "notes"),
    Column("来源状态", "provenance.status"),
    Column("来源依据", "provenance.basis"),
    Column("来源出处", "provenance.source"),
    Column("其他出处", "provenance.sources", LINES),
    Column("来源范围", "provenance.scope"),
    Column("可信度", "provenance.confidence"),
)
MATERIAL_COLUMNS = (
    Column("事项编号", "matter", required=True),
    Column("材料名称", "name", required=True),
    Column("材料形式", "material_type", required=True),
    Column("原件处理方式", "original_handling", HANDLING, required=True),
    Column("原件份数", "original_count", INT, required=True),
    Column("复印件份数", "copy_count", INT, required=True),
    Column("材料介质", "medium", required=True),
    Column("是否必要", "necessity"),
    Column("适用情形", "conditional_on"),
    Column("可容缺", "rongque_allowed", BOOL),
    Column("可告知承诺", "gaozhi_chengnuo", BOOL),
    Column("可共享免交", "shared_exempt", BOOL),
    Column("材料备注", "note"),
)
INFO_ROWS = (
    ("目录格式版本", "schema_version"),
    ("生成日期", "generated"),
    ("省", "region.province"),
    ("市", "region.city"),
    ("区县", "region.district"),
    ("区划代码", "region.division_code"),
)

HANDLING_WORDS = {
    OriginalHandling.INSPECT_AND_RETURN: "核验后退回",
    OriginalHandling.COLLECT: "收取",
    OriginalHandling.NONE: "无",
}
_HANDLING_OF = {word: h.value for h, word in HANDLING_WORDS.items()} | {
    h.value: h.value for h in OriginalHandling
}
_TYPE_OF = {label: code for code, label in MATTER_TYPE_LABELS.items()}
_UNIT_TEXT = {TimeUnit.WORKING_DAY: "个工作日", TimeUnit.NATURAL_DAY: "日", TimeUnit.HOUR: "小时"}
_UNIT_OF = {"个工作日": "工作日", "工作日": "工作日", "日": "日", "天": "日", "自然日": "日"}
_UNIT_OF["小时"] = "小时"
_LIMIT = re.compile(r"^(\d+)\s*(个工作日|工作日|自然日|日|天|小时)$")
_TRUE, _FALSE = (
    frozenset({"是", "true", "TRUE", "True", "1"}),
    frozenset({"否", "false", "FALSE", "False", "0"}),
)


# ---------------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class Cell:
    """Where a value came from: sheet, row and column letter."""

    sheet: str
    row: int
    column: str


class _Emitter:
    """Writes the catalogue's YAML one value a line, remembering each line's cell."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.cells: dict[int, Cell] = {}

    def line(self, text: str, cell: Cell | None) -> None:
        self.lines.append(text)
        if cell is not None:
            self.cells[len(self.lines)] = cell

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)  # JSON strings are YAML strings


class _SheetReader:
    """One sheet's header and rows, with its sheet-level problems."""

    def __init__(self, sheet: Worksheet, columns: tuple[Column, ...], problems: _CellProblems):
        self.name = sheet.title
        self.problems = problems
        self.index: dict[str, int] = {}
        for merged in sheet.merged_cells.ranges:
            first = Cell(self.name, merged.min_row, get_column_letter(merged.min_col))
            problems.error(first, f"不能使用合并单元格（{merged.coord}），请拆分后每格填写")
        header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
        for number, value in enumerate(header, start=1):
            title = str(value).strip() if value is not None else ""
            if not title:
                continue
            where = Cell(self.name, 1, get_column_letter(number))
            if title in self.index:
                problems.error(where, f"列“{title}”重复")
            elif title not in {c.header for c in columns}:
                problems.warning(where, f"未知的列“{title}”，已忽略")
            else:
                self.index[title] = number
        for column in columns:
            if column.required and column.header not in self.index:
                problems.error(Cell(self.name, 1, "-"), f"缺少列“{column.header}”")
        self.rows = [
            (number, row)
            for number, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2)
            if any(v is not None and str(v).strip() for v in row)
        ]

    def value(self, row: tuple[Any, ...], column: Column) -> object:
        number = self.index.get(column.header)
        if number is None or number > len(row):
            return None
        value = row[number - 1]
        if isinstance(value, str):
            value = value.strip() or None
        return value

    def cell(self, row_number: int, column: Column) -> Cell:
        number = self.index.get(column.header)
        return Cell(self.name, row_number, get_column_letter(number) if number else "-")


class _CellProblems:
    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[CatalogueProblem] = []
        self.warnings: list[CatalogueProblem] = []

    def problem(self, cell: Cell | None, message: str) -> CatalogueProblem:
        if cell is None:
            return CatalogueProblem(self.file, 0, message)
        return CatalogueProblem(f"{self.file}[{cell.sheet}]", cell.row, message, cell.column)

    def error(self, cell: Cell | None, message: str) -> None:
        self.errors.append(self.problem(cell, message))

    def warning(self, cell: Cell | None, message: str) -> None:
        self.warnings.append(self.problem(cell, message))


def read_xlsx(path: Path) -> tuple[str, Catalogue, tuple[CatalogueProblem, ...]]:
    """The catalogue in ``path`` as YAML text, the catalogue itself and its warnings.

    Raises :class:`CatalogueInvalid` listing every problem, each at its cell.
    """
    problems = _CellProblems(str(path))
    try:
        book = openpyxl.load_workbook(path, read_only=False, data_only=True)
    except Exception as error:  # zipfile, XML and openpyxl errors alike: not a workbook
        raise CatalogueInvalid(
            str(path), [CatalogueProblem(str(path), 0, f"无法作为 XLSX 工作簿读取：{error}")]
        ) from None
    emitter = _Emitter()
    if MATTERS_SHEET not in book.sheetnames:
        problems.error(None, f"缺少工作表“{MATTERS_SHEET}”")
    else:
        _emit(book, emitter, problems)
    yaml_problems = Problems(str(path))
    catalogue = None
    if emitter.lines:  # checked even after a sheet problem, so every problem is listed at once
        root = compose_text(emitter.text, yaml_problems)
        if root is not None:
            catalogue = read_catalogue_root(root, yaml_problems, {})
    for found, into in ((yaml_problems.errors, problems.error), (yaml_problems.warnings, None)):
        for problem in found:
            cell = emitter.cells.get(problem.line)
            (into or problems.warning)(cell, problem.message)
    if problems.errors or catalogue is None:
        ordered = sorted(problems.errors, key=lambda p: (p.file, p.line, p.column or ""))
        raise CatalogueInvalid(str(path), ordered)
    return emitter.text, catalogue, tuple(problems.warnings)


def _emit(book: openpyxl.Workbook, out: _Emitter, problems: _CellProblems) -> None:
    info: dict[str, tuple[object, Cell]] = {}
    if INFO_SHEET in book.sheetnames:
        sheet = book[INFO_SHEET]
        for number, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
            if row and row[0] is not None and len(row) > 1 and row[1] is not None:
                info[str(row[0]).strip()] = (row[1], Cell(sheet.title, number, "B"))
    version = info.get("目录格式版本", (1, None))
    out.line(f"schema_version: {_scalar(_as_int(version[0]))}", version[1])
    for label, path in INFO_ROWS[1:2]:
        if label in info:
            out.line(f"{path}: {_scalar(str(info[label][0]))}", info[label][1])
    region = [(path.split(".")[1], info[label]) for label, path in INFO_ROWS[2:] if label in info]
    if region:
        out.line("region:", None)
        for key, (value, cell) in region:
            out.line(f"  {key}: {_scalar(str(value))}", cell)
    matters = _SheetReader(book[MATTERS_SHEET], MATTER_COLUMNS, problems)
    materials = _materials_by_matter(book, problems)
    out.line("matters:", None)
    for number, row in matters.rows:
        _emit_matter(out, matters, number=number, row=row, materials=materials, problems=problems)
    known = {str(matters.value(row, MATTER_COLUMNS[0])) for _n, row in matters.rows}
    for matter_id, rows in materials.items():
        if matter_id not in known:
            problems.error(rows[0][0], f"材料所属的事项编号 {matter_id} 不在“{MATTERS_SHEET}”表中")


_Material = tuple[Cell, dict[str, tuple[object, Cell]]]


def _materials_by_matter(
    book: openpyxl.Workbook, problems: _CellProblems
) -> dict[str, list[_Material]]:
    found: dict[str, list[_Material]] = {}
    if MATERIALS_SHEET not in book.sheetnames:
        return found
    sheet = _SheetReader(book[MATERIALS_SHEET], MATERIAL_COLUMNS, problems)
    for number, row in sheet.rows:
        owner = MATERIAL_COLUMNS[0]
        matter_id = sheet.value(row, owner)
        values = {
            c.path: (sheet.value(row, c), sheet.cell(number, c)) for c in MATERIAL_COLUMNS[1:]
        }
        if matter_id is None:
            problems.error(sheet.cell(number, owner), "材料未填写所属的事项编号")
            continue
        found.setdefault(_text(matter_id), []).append((sheet.cell(number, owner), values))
    return found


def _emit_matter(
    out: _Emitter,
    sheet: _SheetReader,
    *,
    number: int,
    row: tuple[Any, ...],
    materials: dict[str, list[_Material]],
    problems: _CellProblems,
) -> None:
    groups: dict[str, list[tuple[str, object, Cell, str]]] = {}
    plain: list[tuple[str, object, Cell, str]] = []
    for column in MATTER_COLUMNS:
        value = sheet.value(row, column)
        cell = sheet.cell(number, column)
        if value is None and not (column.required and column.kind == LIMIT):
            continue
        head, _, rest = column.path.partition(".")
        if rest:
            groups.setdefault(head, []).append((rest, value, cell, column.kind))
        else:
            plain.append((head, value, cell, column.kind))
    if not plain and not groups:
        return
    out.line("  -", sheet.cell(number, MATTER_COLUMNS[0]))  # the keys follow, one a line
    for key, value, cell, kind in plain:
        if kind == LIMIT:
            _emit_limit(out, key, value, cell, extras=groups.pop(key, []), problems=problems)
        elif kind == LINES:
            _emit_lines(out, "    ", key, value, cell)
        else:
            converted = _convert(value, kind, cell, key, problems)
            out.line(f"    {key}: {_scalar(converted)}", cell)
    for group, members in groups.items():
        out.line(f"    {group}:", members[0][2])
        for key, value, cell, kind in members:
            if kind == LINES:
                _emit_lines(out, "      ", key, value, cell)
            else:
                out.line(
                    f"      {key}: {_scalar(_convert(value, kind, cell, key, problems))}", cell
                )
    matter_id = _text(sheet.value(row, MATTER_COLUMNS[0]))
    out.line("    materials:", sheet.cell(number, MATTER_COLUMNS[0]))
    kinds = {c.path: c.kind for c in MATERIAL_COLUMNS}
    for owner_cell, values in materials.get(matter_id, []):
        out.line("      -", owner_cell)
        filled = [(key, value, cell) for key, (value, cell) in values.items() if value is not None]
        for key, value, cell in filled:
            converted = _convert(value, kinds[key], cell, key, problems)
            out.line(f"        {key}: {_scalar(converted)}", cell)
        if not filled:
            out.line("        {}", owner_cell)


def _emit_limit(
    out: _Emitter,
    key: str,
    value: object,
    cell: Cell,
    *,
    extras: list[tuple[str, object, Cell, str]],
    problems: _CellProblems,
) -> None:
    if value is None:
        out.line(f"    {key}: null", cell)
        return
    text = _text(value).replace(" ", "")
    if text in ("当场办结", "即办"):
        text = "0个工作日"
    match = _LIMIT.match(text)
    if match is None:
        problems.error(cell, f"时限“{_text(value)}”应写成“5个工作日”“15日”或“24小时”（数字加单位）")
        out.line(f"    {key}: null", cell)
        return
    out.line(f"    {key}:", cell)
    out.line(f"      value: {int(match.group(1))}", cell)
    out.line(f"      unit: {_scalar(_UNIT_OF[match.group(2)])}", cell)
    for extra, extra_value, extra_cell, kind in extras:
        converted = _convert(extra_value, kind, extra_cell, extra, problems)
        out.line(f"      {extra}: {_scalar(converted)}", extra_cell)


def _emit_lines(out: _Emitter, indent: str, key: str, value: object, cell: Cell) -> None:
    items = [line.strip() for line in _text(value).splitlines() if line.strip()]
    out.line(f"{indent}{key}:", cell)
    for item in items:
        out.line(f"{indent}  - {_scalar(item)}", cell)


def _convert(value: object, kind: str, cell: Cell, key: str, problems: _CellProblems) -> object:
    """A cell's value in the YAML's own terms; a wrong one is reported and passed on as text,
    for the YAML checks to refuse in their words."""
    if kind == BOOL:
        if isinstance(value, bool):
            return value
        text = _text(value)
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        problems.error(cell, f"应填“是”或“否”，实际为“{text}”")
        return text
    if kind == INT:
        number = _as_int(value)
        if isinstance(number, int):
            return number
        problems.error(cell, f"应为整数，实际为“{_text(value)}”")
        return number
    if kind == TYPE:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{int(value):02d}"  # Excel turned the code "01" into the number 1
        text = _text(value)
        return _TYPE_OF.get(text, text)
    if kind == HANDLING:
        text = _text(value)
        return _HANDLING_OF.get(text, text)
    return _text(value)


def _as_int(value: object) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    return int(text) if text.isdigit() else text


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


# ---------------------------------------------------------------------------------- writing


def write_xlsx(catalogue: Catalogue, path: Path) -> None:
    """The catalogue as the template's three sheets (every guide element filled in per row)."""
    book = openpyxl.Workbook()
    matters = book.active
    assert matters is not None
    matters.title = MATTERS_SHEET
    matters.append([c.header for c in MATTER_COLUMNS])
    for matter in catalogue:
        matters.append([_cell_value(_matter_value(matter, c.path), c.kind) for c in MATTER_COLUMNS])
    materials = book.create_sheet(MATERIALS_SHEET)
    materials.append([c.header for c in MATERIAL_COLUMNS])
    for matter in catalogue:
        for material in matter.materials:
            materials.append(
                [matter.id]
                + [
                    _cell_value(_material_value(material, c.path), c.kind)
                    for c in MATERIAL_COLUMNS[1:]
                ]
            )
    info = book.create_sheet(INFO_SHEET)
    info.append(["项目", "值"])
    region = dict(catalogue.region)
    values: dict[str, object] = {
        "schema_version": catalogue.schema_version,
        "generated": catalogue.generated,
    }
    values.update({f"region.{k}": v for k, v in region.items()})
    for label, key in INFO_ROWS:
        if values.get(key) is not None:
            info.append([label, values[key]])
    for sheet in (matters, materials):
        sheet.freeze_panes = "B2"
        for number in range(1, sheet.max_column + 1):
            sheet.column_dimensions[get_column_letter(number)].width = 18
    book.save(path)


def _cell_value(value: object, kind: str) -> object:
    if value is None or value == ():
        return None
    if kind == BOOL:
        return "是" if value else "否"
    if kind == LINES:
        assert isinstance(value, tuple)
        return "\n".join(value)
    if kind == LIMIT:
        assert isinstance(value, TimeLimit)
        return f"{value.value}{_UNIT_TEXT[value.unit]}"
    if kind == HANDLING:
        assert isinstance(value, OriginalHandling)
        return HANDLING_WORDS[value]
    return str(value)


def _matter_value(matter: Matter, path: str) -> object:
    head, _, rest = path.partition(".")
    if head in ("legal_limit", "promised_limit") and rest == "illustrative":
        return True if head in matter.illustrative_fields else None
    value: object = matter
    for part in path.split("."):
        value = getattr(value, part, None) if value is not None else None
    return value.value if hasattr(value, "value") and not isinstance(value, TimeLimit) else value


def _material_value(material: Material, path: str) -> object:
    value = getattr(material, path)
    if isinstance(value, OriginalHandling):
        return value
    if isinstance(value, bool):
        return value or None  # 否 is the default: an empty cell
    return value.value if hasattr(value, "value") else value
