"""An administrator's TOML file: every problem names the file, and a syntax error its line, in
Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhanhe_counter.adapters.config_file import read_toml
from zhanhe_counter.domain.errors import DomainError


class ConfigProblem(DomainError):
    """The error class a caller hands in."""


def test_a_good_file_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "printers.toml"
    path.write_text('[printers."窗口小票"]\nkind = "escpos"\nport = 9100\n', encoding="utf-8")
    assert read_toml(path, "打印机配置文件", ConfigProblem) == {
        "printers": {"窗口小票": {"kind": "escpos", "port": 9100}}
    }


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigProblem) as missing:
        read_toml(tmp_path / "reader.toml", "读卡器配置文件", ConfigProblem)
    assert missing.value.user_message == f"找不到读卡器配置文件：{tmp_path / 'reader.toml'}"


def test_a_folder_where_the_file_should_be(tmp_path: Path) -> None:
    (tmp_path / "reader.toml").mkdir()
    with pytest.raises(ConfigProblem) as unreadable:
        read_toml(tmp_path / "reader.toml", "读卡器配置文件", ConfigProblem)
    assert unreadable.value.user_message.startswith("无法读取读卡器配置文件")


def test_a_file_saved_in_gbk_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "printers.toml"
    path.write_bytes('name = "湛河区"\n'.encode("gbk"))
    with pytest.raises(ConfigProblem) as wrong:
        read_toml(path, "打印机配置文件", ConfigProblem)
    assert "请用 UTF-8 保存" in wrong.value.user_message


def test_a_syntax_error_names_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "printers.toml"
    path.write_text('[printers.A4]\nkind = "cups"\nqueue = HP\n', encoding="utf-8")
    with pytest.raises(ConfigProblem) as broken:
        read_toml(path, "打印机配置文件", ConfigProblem)
    assert "格式错误（第 3 行第" in broken.value.user_message
    assert "请检查引号和等号" in broken.value.user_message
