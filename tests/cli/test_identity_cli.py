"""``zhanhe-admin id check``: JSON contract, exit codes, masked human output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from zhanhe_counter.cli.app import main

VALID = "410411199001011237"  # check digit from GB 11643 (see tests/domain/test_identity.py)
FOREIGN_2017_BAD_CHECK = "USA110190010138"
USCC = "12410400MB12345679"  # check character from GB 32100 (weights 3^i mod 31)


def run_json(capsys: pytest.CaptureFixture[str], value: str) -> tuple[int, dict[str, object]]:
    code = main(["id", "check", value, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_valid_resident_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, VALID)
    assert code == 0
    assert data == {
        "valid": True,
        "kind": "resident",
        "problems": [],
        "birth_date": "1990-01-01",
        "sex": "男",
        "region_code": "410411",
    }


def test_invalid_number_exits_1_with_problems(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, VALID[:-1] + "8")
    assert code == 1
    assert data["valid"] is False
    assert data["kind"] == "resident"
    assert data["problems"] == ["校验码不符，号码可能输错，请逐位核对"]


def test_unrecognised_value_has_null_kind(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "12345")
    assert code == 1
    assert data == {
        "valid": False,
        "kind": None,
        "problems": ["号码位数不对：证件号码一般为18位，现为5位"],
    }


def test_uscc_json_has_region_but_no_person_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, USCC)
    assert code == 0
    assert data == {"valid": True, "kind": "uscc", "problems": [], "region_code": "410400"}


def test_foreign_2017_json_carries_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, FOREIGN_2017_BAD_CHECK)
    assert code == 0
    assert data["kind"] == "foreign_permanent"
    assert data["birth_date"] == "1990-01-01"
    assert data["sex"] is None
    assert "region_code" not in data
    assert data["warnings"] == ["最后一位校验位与常见算法不符，请核对证件"]


def test_born_in_the_future_uses_the_real_date(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "41041120990101123" + _check("41041120990101123"))
    assert code == 1
    assert data["problems"] == ["出生日期晚于今天"]


def test_human_summary_masks_the_number(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["id", "check", VALID])
    out = capsys.readouterr().out
    assert code == 0
    assert VALID not in out
    assert "19900101" not in out
    assert "1990-01-01" not in out
    assert "410411********1237" in out
    assert "居民身份证" in out
    assert "结论：有效" in out
    assert "河南省" in out


def test_human_summary_lists_problems_and_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["id", "check", "00000019900230123Y"]) == 1
    out = capsys.readouterr().out
    assert "结论：无效" in out
    assert out.count("问题：") == 3
    assert main(["id", "check", FOREIGN_2017_BAD_CHECK]) == 0
    assert "提示：" in capsys.readouterr().out
    assert main(["id", "check", ""]) == 1
    assert "号码：" not in capsys.readouterr().out


def test_missing_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["id"])
    assert caught.value.code == 2
    capsys.readouterr()


def test_installed_entry_point() -> None:
    script = Path(sys.executable).with_name("zhanhe-admin")
    done = subprocess.run(
        [str(script), "id", "check", "４１０４１１ １９９００１０１ １２３７", "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["kind"] == "resident"
    assert "Traceback" not in done.stderr


def _check(body: str) -> str:
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)
