"""The document settings file (文书设置文件): TOML, nested tables flattened to dotted keys.

``resources/documents/settings.toml`` ships with the values still to be confirmed left unset;
the demo and the tests use ``demo-settings.toml``. A station may name its own file in the
``document_settings_file`` setting.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from zhanhe_counter.adapters.resources import resources_dir
from zhanhe_counter.domain.document_settings import DocumentSettings
from zhanhe_counter.domain.errors import DomainError


def shipped_settings_path(*, demo: bool) -> Path:
    name = "demo-settings.toml" if demo else "settings.toml"
    return resources_dir() / "documents" / name


def load_document_settings(path: Path) -> DocumentSettings:
    """The settings in ``path``; a clear Chinese error for a file that cannot be read."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise DomainError(
            f"cannot read document settings {path}: {error}",
            f"无法读取文书设置文件 {path}（须为 UTF-8 文本）",
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise DomainError(
            f"malformed document settings {path}: {error}",
            f"文书设置文件 {path.name} 格式错误：{error}",
        ) from None
    flat: dict[str, str] = {}
    _flatten("", data, flat, path)
    return DocumentSettings(flat)


def _flatten(prefix: str, value: Any, out: dict[str, str], path: Path) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out, path)
        return
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DomainError(
            f"document setting {prefix} in {path} is not text",
            f"文书设置文件 {path.name} 中“{prefix}”应为文字",
        )
    out[prefix] = str(value)
