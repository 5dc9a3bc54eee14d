"""``zhanhe-admin checklist evaluate``: outcome JSON from material numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from zhanhe_counter.cli.app import main

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
WINDOWS = RESOURCES / "windows" / "sample-windows.yaml"
RULES = (
    "食品安全自查、从业人员健康管理、进货查验记录、食品安全事故处置等保证食品安全的规章制度目录清单"
)


def evaluate(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(["checklist", "evaluate", *args, "--received-on", "2026-11-27", "--json"])
    assert code == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def test_complete_receive_on_spot(capsys: pytest.CaptureFixture[str]) -> None:
    data = evaluate(capsys, "--matter", "ZH-001", "--provided", "1,2,3,4")
    assert data == {"outcome": "complete", "flow": "当场收件", "missing": [], "rongque_items": []}


def test_rongque(capsys: pytest.CaptureFixture[str]) -> None:
    data = evaluate(capsys, "--matter", "ZH-001", "--provided", "1,2,3")
    assert data == {
        "outcome": "rongque",
        "flow": "当场收件",
        "missing": [],
        "rongque_items": [RULES],
    }


def test_incomplete_lists_everything(capsys: pytest.CaptureFixture[str]) -> None:
    data = evaluate(
        capsys, "--matter", "ZH-001", "--provided", "1,3", "--conditions", "委托他人办理时"
    )
    assert data["outcome"] == "incomplete"
    assert data["missing"] == [
        "营业执照或其他主体资格证明文件",
        RULES,
        "授权委托书及受托人身份证件",
    ]


def test_exempt_and_agent(capsys: pytest.CaptureFixture[str]) -> None:
    data = evaluate(capsys, "--matter", "ZH-001", "--provided", "1,3,4", "--exempt", "2", "--agent")
    assert data["missing"] == ["授权委托书及受托人身份证件"]
    data = evaluate(
        capsys, "--matter", "ZH-001", "--provided", "1,3,4,5", "--exempt", "2", "--agent"
    )
    assert data["outcome"] == "complete"


def test_complete_on_spot(capsys: pytest.CaptureFixture[str]) -> None:
    data = evaluate(capsys, "--matter", "ZH-016", "--provided", "1,2")
    assert data["flow"] == "当场办结"
    assert data["outcome"] == "complete"


def test_accept_on_spot_and_gaozhi(capsys: pytest.CaptureFixture[str]) -> None:
    data = evaluate(capsys, "--matter", "ZH-013", "--provided", "1,2,3,5,6,7", "--gaozhi", "4")
    assert data == {"outcome": "complete", "flow": "当场受理", "missing": [], "rongque_items": []}
    data = evaluate(capsys, "--matter", "ZH-013", "--provided", "1,2,3,5,6", "--gaozhi", "4")
    assert data["missing"] == ["告知承诺书"]


def test_window_that_does_not_handle_the_matter(capsys: pytest.CaptureFixture[str]) -> None:
    data = evaluate(
        capsys, "--matter", "ZH-001", "--provided", "1", "--window", f"{WINDOWS}:QZX-03"
    )
    assert data["outcome"] == "not_handled"
    assert data["flow"] is None
    assert "5号市场监管综合窗口" in data["message"]


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["checklist", "evaluate", "--matter", "ZH-001", "--provided", "1,2,3"]
    assert main([*args, "--received-on", "2026-11-27", "--supplement-days", "2"]) == 0
    out = capsys.readouterr().out
    assert "容缺收件" in out
    assert "补齐期限：2026-12-01" in out
    assert "将打印：收件凭证、容缺受理承诺书" in out
    assert main(["checklist", "evaluate", "--matter", "ZH-001", "--provided", "1"]) == 0
    out = capsys.readouterr().out
    assert "一次性告知" in out
    assert "（可容缺）" in out
    window = f"{WINDOWS}:QZX-03"
    assert main(["checklist", "evaluate", "--matter", "ZH-001", "--window", window]) == 0
    assert "不办理" in capsys.readouterr().out
    assert main(["checklist", "evaluate", "--matter", "ZH-004", "--provided", "1,2,3"]) == 0
    out = capsys.readouterr().out
    assert "当场受理" in out
    assert "受理通知书" in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--matter", "ZH-999"], "ZH-999"),
        (["--matter", "ZH-001", "--provided", "1,x"], "不是序号"),
        (["--matter", "ZH-001", "--provided", "9"], "超出范围"),
        (["--matter", "ZH-001", "--provided", "1", "--exempt", "1"], "重复"),
        (["--matter", "ZH-001", "--exempt", "1"], "数据共享"),
        (["--matter", "ZH-001", "--conditions", "没有这个情形"], "没有这个情形"),
        (["--matter", "ZH-001", "--received-on", "昨天"], "日期"),
        (["--matter", "ZH-001", "--window", "nocolon"], "文件:窗口编号"),
        (["--matter", "ZH-001", "--window", f"{WINDOWS}:NOPE"], "NOPE"),
        (["--matter", "ZH-001", "--catalogue", "/nonexistent.yaml"], "事项目录无效"),
    ],
)
def test_user_errors_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    assert main(["checklist", "evaluate", *args]) == 2
    captured = capsys.readouterr()
    assert words in captured.err
    assert "Traceback" not in captured.err


def test_invalid_window_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "w.yaml"
    broken.write_text("schema_version: 1\n", encoding="utf-8")
    assert main(["checklist", "evaluate", "--matter", "ZH-001", "--window", f"{broken}:A"]) == 2
    assert "窗口配置无效" in capsys.readouterr().err
