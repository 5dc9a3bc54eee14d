"""``zhanhe-admin forms check``: every unset or placeholder document setting, by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zhanhe_counter.cli.app import main


def test_shipped_settings_list_what_is_still_to_confirm(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["forms", "check", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert not report["complete"]
    problems = {p["key"]: p for p in report["problems"]}
    # The court of the concentrated jurisdiction is not known yet: unset, not guessed.
    assert problems["district.court"]["state"] == "unset"
    assert problems["district.court"]["label"] == "全区行政诉讼管辖法院"
    assert problems["hall.QZX.consult_phone"]["state"] == "unset"
    seal = problems["department.湛河区民政局.seal"]
    assert seal["state"] == "placeholder"
    assert "待核实" in seal["value"]
    # "湛河区所辖乡人民政府" names no body: its printed name must be set.
    assert problems["department.湛河区所辖乡人民政府.name"]["state"] == "unset"


def test_complete_settings_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["forms", "check", "--demo"]) == 0
    assert "文书设置齐全" in capsys.readouterr().out


def test_a_placeholder_phone_in_an_edited_file_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = Path(__file__).resolve().parents[2] / "resources/documents/demo-settings.toml"
    edited = tmp_path / "settings.toml"
    edited.write_text(
        demo.read_text(encoding="utf-8").replace(
            'consult_phone = "0375-1234501"', 'consult_phone = "0375-0000000"'
        ),
        encoding="utf-8",
    )
    assert main(["forms", "check", "--settings", str(edited)]) == 1
    out = capsys.readouterr().out
    assert "hall.QZX.consult_phone" in out
    assert "仍为占位值“0375-0000000”" in out


def test_a_malformed_settings_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "settings.toml"
    bad.write_text("[district\ncourt = 1", encoding="utf-8")
    assert main(["forms", "check", "--settings", str(bad)]) == 2
    assert "文书设置文件 settings.toml 格式错误" in capsys.readouterr().err
