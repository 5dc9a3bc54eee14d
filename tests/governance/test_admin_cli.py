"""``zhanhe-admin central publish | versions | holiday | staff | log`` against a real centre."""

from __future__ import annotations

import io
import json
from pathlib import Path

import psycopg
import pytest

from tests.governance.support import WINDOWS, catalogue_text
from zhanhe_counter.cli.app import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_publish_checks_shows_the_difference_then_publishes(
    central_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = tmp_path / "catalogue.yaml"
    new.write_text(catalogue_text(add=True, rename=True, retire=True), encoding="utf-8")
    base = ["central", "publish", "catalogue", str(new), "--url", central_url]
    args = [*base, "--version", "2027-01", "--effective", "2026-11-01", "--by", "王科长"]

    code, out, _ = _run(capsys, *args, "--dry-run", "--json")
    assert code == 0
    dry = json.loads(out)
    assert dry["difference"] == {"added": ["ZH-099"], "changed": ["ZH-005"], "retired": ["ZH-001"]}
    assert dry["published"] is False
    assert dry["current_version"] is None

    code, out, _ = _run(capsys, *args)
    assert code == 0
    assert "新增事项 1 项：ZH-099" in out
    assert "已发布版本 2027-01" in out
    with psycopg.connect(central_url) as conn:  # the centre places cases by its matter table
        placed = conn.execute(
            "SELECT department_id FROM matter WHERE matter_id = 'ZH-099' AND version = '2027-01'"
        ).fetchone()
        current = conn.execute("SELECT version FROM catalogue_version WHERE is_current").fetchall()
    assert placed == ("湛河区市场监督管理局",)
    assert current == [("2027-01",)]
    code, out, _ = _run(capsys, "central", "versions", "catalogue", "--url", central_url, "--json")
    assert [(v["version"], v["published_by"]) for v in json.loads(out)] == [("2027-01", "王科长")]
    # A published version is never edited.
    code, _, err = _run(capsys, *args)
    assert code == 2
    assert "已经发布过" in err
    code, out, _ = _run(capsys, "central", "log", "--url", central_url, "--json")
    assert [(e["actor"], e["action"], e["subject"]) for e in json.loads(out)] == [
        ("王科长", "publish", "catalogue:2027-01")
    ]


def test_a_catalogue_a_counter_could_not_load_is_refused(
    central_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        catalogue_text()
        .replace("name: 高龄津贴申请\n", "name: 高龄津贴申请\n    bogus_key: 1\n", 1)
        .replace("schema_version: 1", "schema_version: x", 1),
        encoding="utf-8",
    )
    argv = ["central", "publish", "catalogue", str(broken), "--url", central_url]
    code, _, err = _run(capsys, *argv, "--version", "b1", "--effective", "2026-11-01")
    assert code == 2
    assert f"{broken}:39: " in err  # the administrator's file and line, not a copy's
    # Retiring a matter a window lists: the windows in effect would no longer load.
    text = catalogue_text()
    start = text.index("  - id: ZH-018\n")
    without = tmp_path / "without-018.yaml"
    without.write_text(text[:start], encoding="utf-8")
    argv = ["central", "publish", "catalogue", str(without), "--url", central_url]
    code, _, err = _run(capsys, *argv, "--version", "b2", "--effective", "2026-11-01")
    assert code == 2
    assert "ZH-018" in err
    with psycopg.connect(central_url) as conn:
        assert conn.execute("SELECT count(*) FROM reference_document").fetchone() == (0,)
    assert WINDOWS.is_file()


def test_staff_and_holidays_from_the_command_line(
    central_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-1\n"))
    by = ["--url", central_url, "--by", "admin01"]
    code, _, _ = _run(
        capsys,
        "central",
        "staff",
        "create",
        "sunli",
        "--name",
        "孙莉",
        "--roles",
        "window,delivery",
        "--password-stdin",
        *by,
    )
    assert code == 0
    code, _, _ = _run(capsys, "central", "staff", "disable", "sunli", *by)
    assert code == 0
    code, _, err = _run(capsys, "central", "staff", "disable", "nobody", *by)
    assert code == 2
    assert "没有工作人员账号 nobody" in err
    code, _, _ = _run(
        capsys, "central", "holiday", "2027-01-05", "--name", "调整", "--url", central_url
    )
    assert code == 0
    with psycopg.connect(central_url) as conn:
        person = conn.execute(
            "SELECT name, roles, active, password_hash LIKE '$argon2id$%' FROM staff"
        ).fetchone()
        day = conn.execute("SELECT day::text, kind, name FROM holiday_override").fetchone()
    assert person == ("孙莉", ["window", "delivery"], False, True)
    assert day == ("2027-01-05", "holiday", "调整")
