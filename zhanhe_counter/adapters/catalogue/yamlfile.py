"""Reading a YAML file into nodes that know their line, and typed field access that collects
every problem instead of stopping at the first.

``yaml.compose`` (with the libyaml composer where available) keeps a line on every node, so each
problem points at the line an administrator must fix. Walking is driven by the expected schema,
never generic recursion, and each collection node is visited once, so YAML aliases cannot blow
the work up ("billion laughs").
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import yaml

from zhanhe_counter.adapters.catalogue.problems import CatalogueProblem

#: Larger files are refused before parsing: a district's 实施清单 of 1,600 matters is 3.7 MB, and
#: the largest catalogue a counter is sized for, 5,000 matters, about 11.5 MB; 32 MB is well above
#: that and still composes in well under a minute (after the first start the compiled form is
#: read instead, ``adapters/catalogue/compiled.py``).
MAX_FILE_BYTES = 32 * 1024 * 1024
#: YAML events (scalars, mapping and list starts …) read before the tree is built: the 3.7 MB
#: district file has 291,000, 5,000 matters about 900,000. A file of tens of millions of tiny items
#: would take minutes and gigabytes to compose; counting the parser's events costs a fraction of
#: that and stops it first.
MAX_YAML_EVENTS = 4_000_000
#: Longest text of one field: a matter's notes run to a few hundred characters.
MAX_TEXT_CHARS = 4000

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_TRUE = frozenset({"true", "yes", "on"})

E = TypeVar("E", bound=StrEnum)


class Problems:
    """Errors and warnings found in one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[CatalogueProblem] = []
        self.warnings: list[CatalogueProblem] = []

    def sorted_errors(self) -> list[CatalogueProblem]:
        """Errors in file order (a stable sort keeps a line's problems in the order found)."""
        return sorted(self.errors, key=lambda p: p.line)

    def sorted_warnings(self) -> list[CatalogueProblem]:
        return sorted(self.warnings, key=lambda p: p.line)

    def error(self, node: yaml.Node | None, message: str) -> None:
        self.errors.append(CatalogueProblem(self.file, line_of(node), message))

    def warning(self, node: yaml.Node | None, message: str) -> None:
        self.warnings.append(CatalogueProblem(self.file, line_of(node), message))


def line_of(node: yaml.Node | None) -> int:
    return 0 if node is None else node.start_mark.line + 1


def compose_file(path: Path, problems: Problems) -> yaml.Node | None:
    """The root node of the YAML file, or None with the reason recorded in ``problems``."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            limit_mb = MAX_FILE_BYTES // (1024 * 1024)
            problems.error(None, f"文件过大（{size / (1024 * 1024):.1f} MB），上限 {limit_mb} MB")
            return None
        data = path.read_bytes()
    except OSError as error:
        problems.error(None, f"无法读取文件：{error.strerror or error}")
        return None
    if b"\x00" in data:
        problems.error(None, "不是文本文件（含有二进制内容）")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problems.errors.append(CatalogueProblem(problems.file, line, "不是 UTF-8 编码的文本"))
        return None
    return compose_text(text, problems)


def _too_many_events(text: str) -> int | None:
    """The line where the parser passed :data:`MAX_YAML_EVENTS`, else None (a syntax error is
    left for :func:`yaml.compose` to report with its own message)."""
    try:
        for count, event in enumerate(yaml.parse(text, Loader=_Loader), start=1):
            if count > MAX_YAML_EVENTS:
                mark = event.start_mark
                return mark.line + 1 if mark is not None else 0
    except yaml.YAMLError:
        return None
    return None


def compose_text(text: str, problems: Problems) -> yaml.Node | None:
    line = _too_many_events(text)
    if line is not None:
        problems.errors.append(
            CatalogueProblem(
                problems.file,
                line,
                f"内容过多（超过 {MAX_YAML_EVENTS:,} 个条目），不像事项目录，已停止读取",
            )
        )
        return None
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 0
        reason = error.problem or error.context or "格式错误"
        problems.errors.append(CatalogueProblem(problems.file, line, f"YAML 格式错误：{reason}"))
        return None
    except yaml.YAMLError as error:
        problems.errors.append(CatalogueProblem(problems.file, 0, f"YAML 格式错误：{error}"))
        return None
    if root is None:
        problems.error(None, "文件为空")
    return root


class Fields:
    """The fields of one YAML mapping, checked against the keys expected there."""

    def __init__(self, nodes: dict[str, yaml.Node], owner: yaml.Node) -> None:
        self.nodes = nodes
        self.owner = owner

    def get(self, key: str) -> yaml.Node | None:
        """The value node, or None when the key is absent or its value is null."""
        node = self.nodes.get(key)
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL):
            return None
        return node

    def node(self, key: str) -> yaml.Node:
        """The value node if present, else the mapping itself (for pointing at a line)."""
        return self.nodes.get(key, self.owner)


class Reader:
    """Typed access to nodes; every wrong value is recorded in ``problems`` and read as None."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self._seen: set[int] = set()

    def _first_visit(self, node: yaml.Node) -> bool:
        if id(node) in self._seen:
            self.problems.error(node, "不支持 YAML 别名（*引用）重复使用同一内容")
            return False
        self._seen.add(id(node))
        return True

    def fields(
        self,
        node: yaml.Node,
        what: str,
        *,
        required: frozenset[str],
        optional: frozenset[str],
    ) -> Fields | None:
        """A mapping's fields: missing required keys are errors, unknown keys warnings."""
        if not isinstance(node, yaml.MappingNode):
            self.problems.error(node, f"{what}应为键值映射")
            return None
        if not self._first_visit(node):
            return None
        nodes: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.error(key_node, f"{what}的键应为文字")
                continue
            key = key_node.value
            if key in nodes:
                self.problems.error(key_node, f"{what}中键“{key}”重复")
                continue
            if key not in required and key not in optional:
                self.problems.warning(key_node, f"{what}中有未知的键“{key}”，已忽略")
                continue
            nodes[key] = value_node
        for key in sorted(required - nodes.keys()):
            self.problems.error(node, f"{what}缺少必填项“{key}”")
        return Fields(nodes, node)

    def items(self, node: yaml.Node, what: str) -> Iterator[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.problems.error(node, f"{what}应为列表")
            return
        if not self._first_visit(node):
            return
        yield from node.value

    def string(self, fields: Fields, key: str, what: str) -> str | None:
        """A text value (any scalar, as written: "01" stays "01"); None when absent or null."""
        node = fields.get(key)
        if node is None:
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.problems.error(node, f"{what}“{key}”应为文字")
            return None
        value = str(node.value).strip()
        if len(value) > MAX_TEXT_CHARS:
            self.problems.error(
                node, f"{what}“{key}”过长（{len(value)} 个字符，上限 {MAX_TEXT_CHARS}）"
            )
            return None
        return value or None

    def required_string(self, fields: Fields, key: str, what: str) -> str | None:
        value = self.string(fields, key, what)
        if value is None and key in fields.nodes:
            self.problems.error(fields.node(key), f"{what}“{key}”不能为空")
        return value

    def integer(self, fields: Fields, key: str, what: str) -> int | None:
        node = fields.get(key)
        if node is None:
            if key in fields.nodes:
                self.problems.error(fields.node(key), f"{what}“{key}”不能为空")
            return None
        if isinstance(node, yaml.ScalarNode) and node.tag == _INT:
            try:
                return int(node.value.replace("_", ""), 0)
            except ValueError:
                pass
        self.problems.error(node, f"{what}“{key}”应为整数，实际为“{_shown(node)}”")
        return None

    def boolean(self, fields: Fields, key: str, what: str, *, default: bool = False) -> bool:
        node = fields.get(key)
        if node is None:
            return default
        if isinstance(node, yaml.ScalarNode) and node.tag == _BOOL:
            return node.value.lower() in _TRUE
        self.problems.error(node, f"{what}“{key}”应为 true 或 false，实际为“{_shown(node)}”")
        return default

    def enum(self, fields: Fields, key: str, what: str, kind: type[E]) -> E | None:
        if fields.get(key) is None:
            if key in fields.nodes:
                self.problems.error(fields.node(key), f"{what}“{key}”不能为空")
            return None
        value = self.string(fields, key, what)
        if value is None:
            return None
        try:
            return kind(value)
        except ValueError:
            allowed = " / ".join(member.value for member in kind)
            self.problems.error(
                fields.node(key), f"{what}“{key}”的值“{value}”无效，应为：{allowed}"
            )
            return None

    def strings(self, fields: Fields, key: str, what: str) -> tuple[str, ...]:
        """A list of texts; a single text is accepted as a list of one."""
        node = fields.get(key)
        if node is None:
            return ()
        if isinstance(node, yaml.ScalarNode):
            return (str(node.value),)
        values: list[str] = []
        for item in self.items(node, f"{what}“{key}”"):
            if isinstance(item, yaml.ScalarNode) and item.tag != _NULL:
                values.append(str(item.value))
            else:
                self.problems.error(item, f"{what}“{key}”的每一项应为文字")
        return tuple(values)


def _shown(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)[:40]
    return "列表" if isinstance(node, yaml.SequenceNode) else "映射"
