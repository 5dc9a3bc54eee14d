"""``zhanhe-admin calendar``: in-process through ``cli.app.main``, plus one real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from zhanhe_counter.cli.app import main
from zhanhe_counter.cli.common import EXIT_OK, EXIT_USER_ERROR

URL = "https://www.gov.cn/zhengce/content/202511/content_7047090.htm"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main(["calendar", *argv, "--json"]) == EXIT_OK
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ("2026-09-28", 5, "2026-10-10"),
        ("2026-09-30", 20, "2026-11-03"),
        ("2026-02-12", 5, "2026-02-26"),
    ],
)
def test_add_workdays_json(
    capsys: pytest.CaptureFixture[str], start: str, days: int, due: str
) -> None:
    result = run_json(capsys, "add-workdays", start, str(days))
    assert result == {"start": start, "days": days, "due": due, "provisional": False}


def test_add_workdays_into_2027_is_provisional(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(capsys, "add-workdays", "2026-12-18", "10")
    assert result == {"start": "2026-12-18", "days": 10, "due": "2027-01-04", "provisional": True}
    assert main(["calendar", "add-workdays", "2026-12-18", "10"]) == EXIT_OK
    text = capsys.readouterr().out
    assert "2027-01-04（周一）" in text
    assert "暂定" in text


def test_add_workdays_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "add-workdays", "2026-09-28", "5"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out == "2026-09-28（周一） 起 5 个工作日，截止 2026-10-10（周六）\n"


def test_count_workdays(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(capsys, "count-workdays", "2026-09-28", "2026-10-10")
    assert result == {
        "start": "2026-09-28",
        "end": "2026-10-10",
        "workdays": 5,
        "provisional": False,
    }
    assert main(["calendar", "count-workdays", "2026-12-30", "2027-01-05"]) == EXIT_OK
    assert "3 个工作日" in capsys.readouterr().out  # 12-31, 1-4, 1-5


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-10-10", ("makeup_workday", True, "国庆节", False)),
        ("2026-10-05", ("holiday", False, "国庆节", False)),
        ("2026-10-17", ("weekend", False, None, False)),
        ("2026-10-16", ("workday", True, None, False)),
        ("2027-02-05", ("holiday", False, "春节", True)),
    ],
)
def test_day(
    capsys: pytest.CaptureFixture[str], day: str, expected: tuple[str, bool, str | None, bool]
) -> None:
    result = run_json(capsys, "day", day)
    assert isinstance(result, dict)
    assert (result["kind"], result["workday"], result["name"], result["provisional"]) == expected
    assert result["date"] == day


def test_day_text_names_the_basis(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "day", "2026-10-10"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("2026-10-10（周六）：调休上班（国庆节）；依据：")
    assert "holidays.yaml:" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["add-workdays", "2026-13-01", "5"], "日期无效：“2026-13-01”"),
        (["add-workdays", "2026/09/28", "5"], "日期无效"),
        (["add-workdays", "2026-09-28", "-3"], "不小于 0 的整数：“-3”"),
        (["add-workdays", "2026-09-28", "five"], "不小于 0 的整数"),
        (["add-workdays", "2026-09-28", "10001"], "工作日数过大"),
        (["add-workdays", "9999-12-30", "5"], "日期超出可计算范围"),
        (["count-workdays", "2026-09-28", "tomorrow"], "日期无效"),
        (["day", "2026-02-30"], "日期无效"),
    ],
)
def test_bad_input_is_a_chinese_error_with_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["calendar", *argv]) == EXIT_USER_ERROR
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("错误：")
    assert message in captured.err
    assert "Traceback" not in captured.err


def test_overrides_option_uses_another_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "holidays.yaml"
    table.write_text(
        "days:\n"
        f"  - {{date: 2026-10-09, type: holiday, name: 本地停办, source: '{URL}',"
        " entered_by: 测试}\n",
        encoding="utf-8",
    )
    result = run_json(capsys, "add-workdays", "2026-09-28", "5", "--overrides", str(table))
    assert result == {"start": "2026-09-28", "days": 5, "due": "2026-10-12", "provisional": False}


def test_a_broken_override_table_lists_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "holidays.yaml"
    table.write_text(
        f"days:\n  - {{date: 2026-10-32, type: holiday, name: x, source: '{URL}',"
        " entered_by: y}\n",
        encoding="utf-8",
    )
    assert main(["calendar", "day", "2026-10-09", "--overrides", str(table)]) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert f"{table}:2: 日期 “2026-10-32” 无效" in err
    assert main(["calendar", "day", "2026-10-09", "--overrides", str(tmp_path / "none.yaml")]) == 2
    assert "找不到节假日表" in capsys.readouterr().err


def test_subprocess_run() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "zhanhe_counter.cli.app",
            "calendar",
            "add-workdays",
            "2026-09-28",
            "5",
            "--json",
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {
        "start": "2026-09-28",
        "days": 5,
        "due": "2026-10-10",
        "provisional": False,
    }
    failed = subprocess.run(
        [sys.executable, "-m", "zhanhe_counter.cli.app", "calendar", "add-workdays", "x", "5"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert failed.returncode == 2
    assert "日期无效" in failed.stderr
