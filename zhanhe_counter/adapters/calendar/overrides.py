"""The administrator's holiday override table (节假日覆盖表, ``holidays.yaml``).

The table wins over every other day source. It is checked strictly and every problem is reported
at once with its file and line, because the person editing it is an administrator with a text
editor, not a developer with a debugger.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

import yaml

from zhanhe_counter.domain.errors import DomainError

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR = re.compile(r"\d{4}")
_ROW_FIELDS = ("date", "type", "name", "source", "entered_by")
_TOP_KEYS = ("complete_years", "days")


class OverrideType(StrEnum):
    """覆盖类型: a rest day or a make-up working day (调休上班)."""

    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"


@dataclass(frozen=True, slots=True)
class OverrideDay:
    """节假日表中的一行."""

    day: date
    type: OverrideType
    name: str
    source: str
    entered_by: str
    line: int

    @property
    def is_workday(self) -> bool:
        return self.type is OverrideType.MAKEUP_WORKDAY


@dataclass(frozen=True, slots=True)
class OverrideTable:
    """节假日覆盖表: dated rows plus the years whose whole official arrangement is entered."""

    filename: str
    days: Mapping[date, OverrideDay] = field(default_factory=dict)
    complete_years: frozenset[int] = frozenset()

    def get(self, day: date) -> OverrideDay | None:
        return self.days.get(day)


@dataclass(frozen=True, slots=True)
class _Problem:
    line: int
    message_en: str
    message_zh: str


class OverrideFileError(DomainError):
    """节假日表有错误: ``problems`` holds one ``FILE:LINE: message`` line (Chinese) per problem."""

    def __init__(self, filename: str, problems: list[_Problem]) -> None:
        ordered = sorted(problems, key=lambda problem: problem.line)
        self.problems = tuple(f"{filename}:{p.line}: {p.message_zh}" for p in ordered)
        english = "\n".join(f"{filename}:{p.line}: {p.message_en}" for p in ordered)
        super().__init__(
            f"{len(ordered)} problem(s) in holiday table\n{english}",
            f"节假日表有 {len(ordered)} 处错误：\n" + "\n".join(self.problems),
        )


def load_overrides(path: Path) -> OverrideTable:
    """Read and check an override file; raise ``OverrideFileError`` listing every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise DomainError(f"holiday table not found: {path}", f"找不到节假日表：{path}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise DomainError(
            f"cannot read holiday table {path}: {error}", f"无法读取节假日表：{path}"
        ) from error
    return parse_overrides(text, str(path))


def parse_overrides(text: str, filename: str) -> OverrideTable:
    """Parse override YAML ``text``; ``filename`` is only used in messages and ``basis``."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise OverrideFileError(
            filename,
            [
                _Problem(
                    line, f"YAML syntax error: {error.problem}", f"YAML 格式错误：{error.problem}"
                )
            ],
        ) from error
    return _Reader(filename).read(root)


class _Reader:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[_Problem] = []

    def problem(self, node: yaml.Node, message_en: str, message_zh: str) -> None:
        self.problems.append(_Problem(node.start_mark.line + 1, message_en, message_zh))

    def read(self, root: yaml.Node | None) -> OverrideTable:
        days: dict[date, OverrideDay] = {}
        complete_years: dict[int, yaml.Node] = {}
        if root is not None:
            if isinstance(root, yaml.MappingNode):
                for key, value in self.pairs(root, _TOP_KEYS, "顶层"):
                    if key == "complete_years":
                        complete_years = self.read_years(value)
                    else:
                        days = self.read_days(value)
            else:
                self.problem(
                    root,
                    "the file must be a mapping with 'complete_years' and 'days'",
                    "文件顶层应包含 complete_years 和 days 两项",
                )
        if not self.problems:
            # Only on an otherwise clean file: a broken row would make this message misleading.
            self.check_complete_years(complete_years, days)
        if self.problems:
            raise OverrideFileError(self.filename, self.problems)
        return OverrideTable(self.filename, days, frozenset(complete_years))

    def pairs(
        self, node: yaml.MappingNode, allowed: tuple[str, ...], where_zh: str
    ) -> Iterator[tuple[str, yaml.Node]]:
        """Known keys of a mapping, once each; unknown and repeated keys become problems."""
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in allowed:
                self.problem(
                    key_node,
                    f"unknown key {key!r}; expected one of {', '.join(allowed)}",
                    f"{where_zh}不认识的项 “{key}”，应为 {'、'.join(allowed)} 之一",
                )
            elif key in seen:
                self.problem(key_node, f"key {key!r} repeated", f"“{key}” 重复出现")
            else:
                seen.add(key)
                yield key, value_node

    def read_years(self, node: yaml.Node) -> dict[int, yaml.Node]:
        years: dict[int, yaml.Node] = {}
        if not isinstance(node, yaml.SequenceNode):
            self.problem(
                node, "complete_years must be a list of years", "complete_years 应为年份列表"
            )
            return years
        for item in node.value:
            if isinstance(item, yaml.ScalarNode) and _YEAR.fullmatch(item.value):
                years[int(item.value)] = item
            else:
                self.problem(
                    item, "a year must be four digits such as 2027", "年份应为四位数字，如 2027"
                )
        return years

    def read_days(self, node: yaml.Node) -> dict[date, OverrideDay]:
        days: dict[date, OverrideDay] = {}
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, "days must be a list of rows", "days 应为逐日的列表")
            return days
        for row in node.value:
            entry = self.read_row(row)
            if entry is None:
                continue
            earlier = days.get(entry.day)
            if earlier is not None:
                self.problem(
                    row,
                    f"date {entry.day} already given on line {earlier.line}",
                    f"日期 {entry.day} 已在第 {earlier.line} 行出现",
                )
                continue
            days[entry.day] = entry
        return days

    def read_row(self, row: yaml.Node) -> OverrideDay | None:
        if not isinstance(row, yaml.MappingNode):
            self.problem(
                row,
                "each row must be a mapping with date, type, name, source, entered_by",
                "每一行应包含 date、type、name、source、entered_by",
            )
            return None
        before = len(self.problems)
        texts: dict[str, str] = {}
        for key, value in self.pairs(row, _ROW_FIELDS, "行内"):
            if isinstance(value, yaml.ScalarNode) and value.value.strip():
                texts[key] = value.value.strip()
            else:
                self.problem(value, f"{key} must be non-empty text", f"{key} 应为非空文字")
        missing = [name for name in _ROW_FIELDS if name not in texts]
        # A present-but-bad field was already reported; only report fields that are truly absent.
        absent = [name for name in missing if not _has_key(row, name)]
        if absent:
            self.problem(row, f"missing {', '.join(absent)}", f"缺少 {'、'.join(absent)}")
        day = self.parse_date(row, texts.get("date"))
        kind = self.parse_type(row, texts.get("type"))
        source = texts.get("source")
        if source is not None and not source.startswith(("https://", "http://")):
            self.problem(
                _value_node(row, "source"),
                "source must be the URL of the published notice",
                "source 应为发布通知的网址（http:// 或 https:// 开头）",
            )
        if len(self.problems) > before or day is None or kind is None:
            return None
        return OverrideDay(
            day=day,
            type=kind,
            name=texts["name"],
            source=texts["source"],
            entered_by=texts["entered_by"],
            line=row.start_mark.line + 1,
        )

    def parse_date(self, row: yaml.MappingNode, text: str | None) -> date | None:
        if text is None:
            return None
        try:
            if not _ISO_DATE.fullmatch(text):
                raise ValueError(text)
            return date.fromisoformat(text)
        except ValueError:
            self.problem(
                _value_node(row, "date"),
                f"bad date {text!r}; write YYYY-MM-DD",
                f"日期 “{text}” 无效，应写成 YYYY-MM-DD",
            )
            return None

    def parse_type(self, row: yaml.MappingNode, text: str | None) -> OverrideType | None:
        if text is None:
            return None
        try:
            return OverrideType(text)
        except ValueError:
            self.problem(
                _value_node(row, "type"),
                f"bad type {text!r}; expected holiday or makeup_workday",
                f"类型 “{text}” 无效，应为 holiday（放假）或 makeup_workday（调休上班）",
            )
            return None

    def check_complete_years(
        self, years: dict[int, yaml.Node], days: dict[date, OverrideDay]
    ) -> None:
        with_rows = {day.year for day in days}
        for year, node in sorted(years.items()):
            if year not in with_rows:
                self.problem(
                    node,
                    f"complete_years lists {year} but no row is dated {year}",
                    f"complete_years 列出了 {year} 年，但表中没有该年的日期",
                )


def _has_key(row: yaml.MappingNode, name: str) -> bool:
    return any(isinstance(key, yaml.ScalarNode) and key.value == name for key, _value in row.value)


def _value_node(row: yaml.MappingNode, name: str) -> yaml.Node:
    for key, value in row.value:
        if isinstance(key, yaml.ScalarNode) and key.value == name:
            node: yaml.Node = value
            return node
    return row  # pragma: no cover - callers only ask for keys they have read
