"""Reading an administrator's TOML file (配置文件): ``printers.toml``, ``reader.toml``.

The person reading these errors is installing a counter PC, so every problem says in Chinese
which file and, for a syntax error, which line.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from zhanhe_counter.domain.errors import DomainError

_TOML_LINE = re.compile(r"at line (\d+)(?:, column (\d+))?")


def read_toml(path: Path, what_zh: str, error: type[DomainError]) -> dict[str, Any]:
    """The parsed file; ``what_zh`` names it (e.g. 读卡器配置文件), ``error`` is raised."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{what_zh} not found: {path}", f"找不到{what_zh}：{path}") from None
    except OSError as problem:
        raise error(
            f"cannot read {path}: {problem}",
            f"无法读取{what_zh}：{path}（{problem.strerror or problem}）",
        ) from problem
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as problem:
        raise error(
            f"{path} is not UTF-8", f"{what_zh} {path} 不是 UTF-8 编码，请用 UTF-8 保存。"
        ) from problem
    except tomllib.TOMLDecodeError as problem:
        raise error(
            f"{path}: {problem}",
            f"{what_zh} {path} 格式错误{_where(problem)}，请检查引号和等号。",
        ) from problem


def _where(error: tomllib.TOMLDecodeError) -> str:
    """tomllib (3.11) puts the position only in its English message: '... (at line 3, column 9)'."""
    found = _TOML_LINE.search(str(error))
    if found is None:
        return ""
    line, column = found.groups()
    return f"（第 {line} 行" + (f"第 {column} 列）" if column else "）")
