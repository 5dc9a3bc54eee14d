"""``zhanhe-admin catalogue check``: one-line summary when valid, FILE:LINE problems when not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zhanhe_counter.cli.app import main

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
SAMPLE = RESOURCES / "catalogue" / "sample-matters.yaml"
DEPARTMENTS = RESOURCES / "catalogue" / "departments.yaml"
WINDOWS = RESOURCES / "windows" / "sample-windows.yaml"


def test_valid_sample_prints_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["catalogue", "check", str(SAMPLE)])
    out, err = capsys.readouterr()
    assert code == 0
    assert out.count("\n") == 1
    assert "有效，18 个事项，90 项材料，13 个部门" in out
    assert err == ""


def test_valid_with_departments_and_windows(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["catalogue", "check", str(SAMPLE), "--departments", str(DEPARTMENTS)]
    code = main([*args, "--windows", str(WINDOWS)])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "5 个窗口" in out


def test_json_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "check", str(SAMPLE), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {
        "valid": True,
        "matters": 18,
        "materials": 90,
        "departments": 13,
        "windows": None,
        "warnings": [],
    }


def test_invalid_file_lists_every_problem_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace("window_flow: 当场收件", "window_flow: 当场收下", 1)
    text = text.replace(
        "promised_limit: {value: 20, unit: 工作日}", "promised_limit: {value: 30, unit: 工作日}", 1
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    code = main(["catalogue", "check", str(bad)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    rows = err.strip().splitlines()
    assert len(rows) == 2
    flow_line = text.splitlines().index("    window_flow: 当场收下") + 1
    assert rows[0].startswith(f"{bad}:{flow_line}: ")
    assert "当场收下" in rows[0]
    assert "超过法定时限" in rows[1]


def test_invalid_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nmatters: [\n", encoding="utf-8")
    assert main(["catalogue", "check", str(bad), "--json"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is False
    assert data["problems"][0]["file"] == str(bad)


def test_warnings_go_to_stderr_with_their_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace("generated:", "colour: blue\ngenerated:", 1)
    odd = tmp_path / "odd.yaml"
    odd.write_text(text, encoding="utf-8")
    assert main(["catalogue", "check", str(odd)]) == 0
    out, err = capsys.readouterr()
    assert "1 条警告" in out
    line = text.splitlines().index("colour: blue") + 1
    assert err.startswith(f"{odd}:{line}: 警告：")


def test_invalid_windows_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    windows = tmp_path / "w.yaml"
    windows.write_text(
        WINDOWS.read_text(encoding="utf-8").replace("ZH-003,", "ZH-333,", 1), encoding="utf-8"
    )
    assert main(["catalogue", "check", str(SAMPLE), "--windows", str(windows)]) == 2
    err = capsys.readouterr().err
    assert f"{windows}:" in err
    assert "ZH-333" in err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "check", str(tmp_path / "none.yaml")]) == 2
    assert "无法读取" in capsys.readouterr().err
