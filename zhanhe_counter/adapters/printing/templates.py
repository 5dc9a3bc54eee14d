"""Document templates (文书模板): the TOML files in ``forms/``, loaded, validated and filled.

The wording is data the Bureau edits; the code owns a small vocabulary of blocks. A template
declares its fields, and the values for one document are checked against them before anything
is drawn, so a missing or invalid field is reported by name instead of printing a wrong paper.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from zhanhe_counter.domain.errors import DomainError

FIELD_TYPES = frozenset({"text", "date", "datetime", "int", "list", "table"})
PAPERS = frozenset({"A4", "80mm"})
MASKS = frozenset({"id_number", "phone"})

# Block kind -> (required keys, optional keys). Anything else in a block is an error.
BLOCK_KEYS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "title": (frozenset({"text"}), frozenset({"subtitle"})),
    "paragraph": (frozenset({"text"}), frozenset({"indent", "align", "size", "bold"})),
    "kv_table": (frozenset({"rows"}), frozenset({"columns", "label_width_mm"})),
    "table": (frozenset({"source"}), frozenset({"col_widths_mm", "numbered", "caption"})),
    "list": (frozenset({"source"}), frozenset({"caption", "numbered"})),
    "checkboxes": (frozenset({"label", "source", "options"}), frozenset()),
    "signature": (frozenset({"left"}), frozenset({"right"})),
    "seal": (frozenset({"issuer", "date"}), frozenset({"note"})),
    "relief": (frozenset({"text"}), frozenset()),
    "codes": (frozenset({"qr", "code128"}), frozenset({"caption"})),
    "footer": (frozenset({"text"}), frozenset()),
    "rule": (frozenset(), frozenset()),
    "spacer": (frozenset(), frozenset({"height_mm"})),
    "page_break": (frozenset(), frozenset()),
}
# The 80 mm ticket is drawn line by line; these are the blocks it knows.
TICKET_BLOCKS = frozenset({"title", "paragraph", "kv_table", "codes", "footer", "rule", "spacer"})
# A refusal is void without the relief clause naming the bodies and periods (行政复议法 Art 20).
RELIEF_FIELDS = frozenset(
    {"reconsideration_body", "reconsideration_days", "court", "litigation_months"}
)
COMMON_KEYS = frozenset({"kind", "when"})

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


class TemplateError(DomainError):
    """A template file that cannot be used (模板错误): names the file and the block or line."""

    def __init__(self, path: Path, where: str, problem_en: str, problem_zh: str) -> None:
        super().__init__(
            f"{path.name}: {where}: {problem_en}", f"模板 {path.name} {where}：{problem_zh}"
        )
        self.path = path


class FieldError(DomainError):
    """A field value that is missing or invalid (字段错误): names the field."""

    def __init__(self, key: str, label: str, problem_en: str, problem_zh: str) -> None:
        super().__init__(f"field {key}: {problem_en}", f"字段“{label}”（{key}）{problem_zh}")
        self.key = key


@dataclass(frozen=True)
class Column:
    """A column of a table field."""

    key: str
    label: str
    max_length: int


@dataclass(frozen=True)
class FieldSpec:
    """A field a template declares (字段)."""

    key: str
    label: str
    type: str
    required: bool
    max_length: int
    choices: tuple[str, ...] = ()
    mask: str = ""
    multiline: bool = False
    columns: tuple[Column, ...] = ()
    max_items: int = 50

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly description for ``render --list``."""
        out: dict[str, Any] = {
            "name": self.key,
            "label": self.label,
            "type": self.type,
            "required": self.required,
        }
        if self.type in ("text", "list", "table"):
            out["max_length"] = self.max_length
        if self.choices:
            out["choices"] = list(self.choices)
        if self.mask:
            out["mask"] = self.mask
        if self.columns:
            out["columns"] = [{"name": c.key, "label": c.label} for c in self.columns]
        return out


@dataclass(frozen=True)
class Block:
    """One block of a template: its kind and its settings, as written in the file."""

    kind: str
    index: int
    spec: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.spec.get(key, default)


@dataclass(frozen=True)
class Template:
    """文书模板"""

    id: str
    title: str
    version: int
    paper: str
    fields: Mapping[str, FieldSpec]
    blocks: tuple[Block, ...]
    path: Path
    copies_note: str = ""

    def check(self, values: Mapping[str, Any]) -> FilledValues:
        """Check ``values`` against the declared fields; the display strings, or ``FieldError``."""
        unknown = sorted(set(values) - set(self.fields))
        if unknown:
            key = unknown[0]
            raise FieldError(key, key, "not declared by the template", "不是本文书的字段")
        shown: dict[str, Any] = {}
        for spec in self.fields.values():
            raw = values.get(spec.key)
            if raw is None or raw in ("", []):
                if spec.required:
                    raise FieldError(spec.key, spec.label, "missing", "缺失，必须填写")
                shown[spec.key] = [] if spec.type in ("list", "table") else ""
                continue
            shown[spec.key] = _check_value(spec, raw)
        return FilledValues(self, shown)


@dataclass(frozen=True)
class FilledValues:
    """A template's field values after checking, as the text that will be printed."""

    template: Template
    shown: Mapping[str, Any] = field(default_factory=dict)

    def present(self, key: str) -> bool:
        return bool(self.shown.get(key))

    def format(self, text: str) -> str:
        """Fill ``{field}`` placeholders. Values are never re-parsed, so user text cannot inject
        placeholders or markup."""
        out: list[str] = []
        for literal, name, _spec, _conv in string.Formatter().parse(text):
            out.append(literal)
            if name is not None:
                value = self.shown[name]
                out.append("、".join(value) if isinstance(value, list) else str(value))
        return "".join(out)

    def table(self, key: str) -> list[list[str]]:
        rows: list[list[str]] = self.shown[key]
        return rows

    def items(self, key: str) -> list[str]:
        items: list[str] = self.shown[key]
        return items


def _error(spec: FieldSpec, en: str, zh: str) -> FieldError:
    return FieldError(spec.key, spec.label, en, zh)


def _check_text(spec: FieldSpec, value: Any, max_length: int, multiline: bool) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _error(spec, "must be text", "应为文字")
    text = str(value).strip()
    if _CONTROL.search(text) or (not multiline and "\n" in text):
        raise _error(spec, "contains control characters", "含有不可打印的控制字符或换行")
    if len(text) > max_length:
        raise _error(
            spec, f"longer than {max_length}", f"超过 {max_length} 字（现为 {len(text)} 字）"
        )
    return text


def _masked(spec: FieldSpec, text: str) -> str:
    from zhanhe_counter.domain import masking

    try:
        if spec.mask == "id_number":
            return masking.mask_id_number(text)
        return masking.mask_phone(text)
    except (ValueError, DomainError):
        raise _error(spec, "cannot be masked", "格式不对，无法打码显示") from None


def _check_value(spec: FieldSpec, raw: Any) -> Any:
    if spec.type == "text":
        text = _check_text(spec, raw, spec.max_length, spec.multiline)
        if spec.choices and text not in spec.choices:
            raise _error(spec, "not one of the choices", f"只能是：{'、'.join(spec.choices)}")
        return _masked(spec, text) if spec.mask else text
    if spec.type == "int":
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise _error(spec, "must be an integer", "应为整数")
        try:
            number = int(raw)
        except ValueError:
            raise _error(spec, "must be an integer", "应为整数") from None
        if number < 0:
            raise _error(spec, "must not be negative", "不能为负数")
        return str(number)
    if spec.type == "date":
        try:
            day = date.fromisoformat(str(raw))
        except ValueError:
            raise _error(spec, "must be YYYY-MM-DD", "应为日期，格式 YYYY-MM-DD") from None
        return f"{day.year}年{day.month}月{day.day}日"
    if spec.type == "datetime":
        try:
            moment = datetime.fromisoformat(str(raw))
        except ValueError:
            raise _error(
                spec, "must be YYYY-MM-DDTHH:MM", "应为日期时间，格式 YYYY-MM-DDTHH:MM"
            ) from None
        return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"
    if spec.type == "list":
        if not isinstance(raw, list):
            raise _error(spec, "must be a list", "应为列表")
        if len(raw) > spec.max_items:
            raise _error(spec, "too many items", f"超过 {spec.max_items} 项")
        items = [_check_text(spec, item, spec.max_length, False) for item in raw]
        if spec.choices:
            for item in items:
                if item not in spec.choices:
                    raise _error(
                        spec, "not one of the choices", f"只能是：{'、'.join(spec.choices)}"
                    )
        return [item for item in items if item]
    # table
    if not isinstance(raw, list) or not all(isinstance(row, dict) for row in raw):
        raise _error(spec, "must be a list of rows", "应为表格（每行一个对象）")
    if len(raw) > spec.max_items:
        raise _error(spec, "too many rows", f"超过 {spec.max_items} 行")
    rows: list[list[str]] = []
    allowed = {c.key for c in spec.columns}
    for number, row in enumerate(raw, start=1):
        extra = sorted(set(row) - allowed)
        if extra:
            raise _error(
                spec,
                f"row {number}: unknown column {extra[0]}",
                f"第 {number} 行有未声明的列 {extra[0]}",
            )
        cells: list[str] = []
        for column in spec.columns:
            cell = row.get(column.key, "")
            sub = FieldSpec(
                f"{spec.key}[{number}].{column.key}",
                f"{spec.label}第{number}行“{column.label}”",
                "text",
                False,
                column.max_length,
            )
            cells.append(_check_text(sub, "" if cell is None else cell, column.max_length, True))
        rows.append(cells)
    return rows


def _placeholders(text: str) -> list[str]:
    names: list[str] = []
    for _literal, name, spec, conv in string.Formatter().parse(text):
        if name is not None:
            if spec or conv or not _KEY.match(name):
                raise ValueError(name)
            names.append(name)
    return names


class _Loader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, en: str, zh: str) -> TemplateError:
        return TemplateError(self.path, where, en, zh)

    def load(self) -> Template:
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            # The message carries "(at line N, column M)".
            raise self.fail("", f"malformed TOML {error}", f"TOML 格式错误 {error}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise self.fail("", f"cannot read: {error}", "无法读取（须为 UTF-8 文本）") from None
        for key in ("id", "title", "version", "fields", "blocks"):
            if key not in data:
                raise self.fail("", f"missing top-level key {key}", f"缺少顶层项 {key}")
        if data["id"] != self.path.stem:
            raise self.fail(
                "id", "id must equal the file name", f"id 应与文件名 {self.path.stem} 相同"
            )
        version = data["version"]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise self.fail("version", "version must be a positive integer", "version 应为正整数")
        paper = data.get("paper", "A4")
        if paper not in PAPERS:
            raise self.fail("paper", f"unknown paper {paper}", f"未知纸张 {paper}")
        if not isinstance(data["fields"], dict) or not isinstance(data["blocks"], list):
            raise self.fail("", "fields must be a table, blocks an array", "fields/blocks 结构不对")
        fields = {key: self.field(key, spec) for key, spec in data["fields"].items()}
        blocks = tuple(
            self.block(i, spec, fields, paper) for i, spec in enumerate(data["blocks"], start=1)
        )
        if not blocks:
            raise self.fail("blocks", "no blocks", "没有任何内容块")
        return Template(
            id=data["id"],
            title=str(data["title"]),
            version=version,
            paper=paper,
            fields=fields,
            blocks=blocks,
            path=self.path,
            copies_note=str(data.get("copies_note", "")),
        )

    def field(self, key: str, spec: Any) -> FieldSpec:
        where = f"字段 {key}"
        if not _KEY.match(key) or not isinstance(spec, dict):
            raise self.fail(where, "bad field declaration", "字段名或声明格式不对")
        kind = spec.get("type", "text")
        if kind not in FIELD_TYPES:
            raise self.fail(where, f"unknown type {kind}", f"未知类型 {kind}")
        mask = spec.get("mask", "")
        if mask and (mask not in MASKS or kind != "text"):
            raise self.fail(where, f"bad mask {mask}", f"mask 只能用于文字字段：{'/'.join(MASKS)}")
        columns: list[Column] = []
        if kind == "table":
            raw_columns = spec.get("columns")
            if not isinstance(raw_columns, list) or not raw_columns:
                raise self.fail(where, "table needs columns", "表格字段须声明 columns")
            for column in raw_columns:
                if not isinstance(column, dict) or not _KEY.match(str(column.get("key", ""))):
                    raise self.fail(where, "bad column", "列声明须有 key 与 label")
                columns.append(
                    Column(
                        column["key"],
                        str(column.get("label", column["key"])),
                        int(column.get("max_length", 200)),
                    )
                )
        return FieldSpec(
            key=key,
            label=str(spec.get("label", key)),
            type=kind,
            required=bool(spec.get("required", False)),
            max_length=int(spec.get("max_length", 200)),
            choices=tuple(spec.get("choices", ())),
            mask=mask,
            multiline=bool(spec.get("multiline", False)),
            columns=tuple(columns),
            max_items=int(spec.get("max_items", 50)),
        )

    def block(self, index: int, spec: Any, fields: dict[str, FieldSpec], paper: str) -> Block:
        where = f"第 {index} 个内容块"
        if not isinstance(spec, dict) or "kind" not in spec:
            raise self.fail(where, "block without kind", "缺少 kind")
        kind = spec["kind"]
        where = f"第 {index} 个内容块（{kind}）"
        if kind not in BLOCK_KEYS:
            raise self.fail(
                where,
                f"unknown block kind {kind}",
                f"未知内容块类型，可用：{'、'.join(BLOCK_KEYS)}",
            )
        if paper == "80mm" and kind not in TICKET_BLOCKS:
            raise self.fail(where, "block not available on tickets", "小票不支持此内容块")
        required, optional = BLOCK_KEYS[kind]
        missing = sorted(required - set(spec))
        if missing:
            raise self.fail(where, f"missing key {missing[0]}", f"缺少 {missing[0]}")
        extra = sorted(set(spec) - required - optional - COMMON_KEYS)
        if extra:
            raise self.fail(where, f"unknown key {extra[0]}", f"未知设置 {extra[0]}")
        used: list[str] = []
        for text in _texts(spec):
            try:
                used.extend(_placeholders(text))
            except ValueError as error:
                raise self.fail(
                    where, f"bad placeholder {{{error}}}", f"占位符 {{{error}}} 写法不对"
                ) from None
        for source_key in ("source", "when"):
            if source_key in spec:
                used.append(str(spec[source_key]))
        for name in used:
            if name not in fields:
                raise self.fail(where, f"undeclared field {name}", f"使用了未声明的字段 {name}")
        for name in used:
            if fields[name].type == "table" and not (kind == "table" and spec["source"] == name):
                raise self.fail(
                    where, f"table field {name} used as text", f"表格字段 {name} 只能用于 table 块"
                )
        if kind == "table" and fields[spec["source"]].type != "table":
            raise self.fail(where, "source must be a table field", "source 须为表格字段")
        if kind in ("list", "checkboxes") and fields[spec["source"]].type not in ("list", "text"):
            raise self.fail(
                where, "source must be a list or text field", "source 须为列表或文字字段"
            )
        if kind == "relief" and not set(used) >= RELIEF_FIELDS:
            lacking = "、".join(sorted(RELIEF_FIELDS - set(used)))
            raise self.fail(
                where,
                f"relief clause lacks {lacking}",
                f"救济告知须写明复议机关、法院和期限：缺 {lacking}",
            )
        if kind == "table" and "col_widths_mm" in spec:
            widths = spec["col_widths_mm"]
            expected = len(fields[spec["source"]].columns) + (
                1 if spec.get("numbered", True) else 0
            )
            if not isinstance(widths, list) or len(widths) != expected:
                raise self.fail(where, "col_widths_mm count", f"col_widths_mm 应有 {expected} 项")
        return Block(kind, index, spec)


def _texts(spec: Mapping[str, Any]) -> list[str]:
    """Every string in a block that may hold placeholders."""
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for key, value in spec.items():
        if key not in ("kind", "when", "source"):
            walk(value)
    return out


def load_template(path: Path) -> Template:
    """Load and validate one template file, or raise ``TemplateError`` naming the file."""
    return _Loader(path).load()


def forms_dir() -> Path:
    """The shipped ``forms/`` folder: next to the package in a checkout, inside a frozen bundle."""
    from zhanhe_counter.adapters.resources import shipped_dir

    return shipped_dir("forms")


def load_all(directory: Path | None = None) -> dict[str, Template]:
    """Every ``*.toml`` template in ``directory`` (default ``forms/``), by id."""
    folder = directory or forms_dir()
    return {path.stem: load_template(path) for path in sorted(folder.glob("*.toml"))}
