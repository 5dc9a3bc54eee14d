"""``progress code``, ``outbound run --once`` and their settings files, against a real centre."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests import pg
from tests.centre_cases import add_matter, add_staff, login_in_role, open_case
from tests.outbound.test_outbound import decided_and_handed, rated
from zhanhe_counter.adapters.outbound_journal import JsonLinesJournal
from zhanhe_counter.cli import app
from zhanhe_counter.cli.common import UserError
from zhanhe_counter.cli.outbound import load_sms_config
from zhanhe_counter.cli.progress import load_office
from zhanhe_counter.domain.case_number import format_case_number

pg_cluster = pg.pg_cluster
central_url = pg.central_url


def _run(capsys: pytest.CaptureFixture[str], tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    code = app.main(["--data-dir", str(tmp_path / "data"), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_progress_code_prints_the_number_and_its_code(
    central_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = open_case(central_url, day=date(2026, 12, 1))
    login = login_in_role(central_url, "zhanhe_progress")
    code, out, _ = _run(capsys, tmp_path, "progress", "code", "--url", login, case.number)
    assert code == 0
    assert format_case_number(case.number) in out
    assert "查询码" in out
    code, _, err = _run(capsys, tmp_path, "progress", "code", "--url", login, "12345")
    assert code == 2
    assert "编号应为22位" in err


def test_outbound_run_once_with_the_simulators(
    central_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_matter(central_url)
    add_staff(central_url)
    case = open_case(central_url, day=date(2026, 12, 1))
    decided_and_handed(case)
    rated(case, level=4)
    login = login_in_role(central_url, "zhanhe_outbound")
    sim = tmp_path / "sim"
    argv = ["outbound", "run", "--url", login, "--sms-simulator", str(sim)]
    argv += ["--province-simulator", str(sim), "--once", "--json"]
    code, out, _ = _run(capsys, tmp_path, *argv)
    assert code == 0
    assert json.loads(out) == {"new": 3, "sent": 3, "found": 0, "retried": 0, "failed": 0}
    assert len(JsonLinesJournal(sim / "sms.jsonl").records()) == 2
    assert len(JsonLinesJournal(sim / "province.jsonl").records()) == 1
    code, out, _ = _run(capsys, tmp_path, *argv[:-1])
    assert code == 0
    assert "新增 0 条，发出 0 条" in out
    code, out, _ = _run(capsys, tmp_path, "outbound", "status", "--url", login, "--json")
    assert code == 0
    counts = {(c["channel"], c["kind"], c["state"]): c["count"] for c in json.loads(out)["counts"]}
    assert counts == {
        ("province", "rating", "sent"): 1,
        ("sms", "accepted", "sent"): 1,
        ("sms", "result_ready", "sent"): 1,
    }
    code, out, _ = _run(capsys, tmp_path, "outbound", "status", "--url", login)
    assert "已发" in out


def test_outbound_run_needs_somewhere_to_send(
    central_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, tmp_path, "outbound", "run", "--url", central_url, "--once")
    assert code == 2
    assert "请至少指定一个去向" in err


def test_settings_files_are_checked(tmp_path: Path) -> None:
    office = tmp_path / "office.toml"
    office.write_text('pickup_place = "曹镇乡便民服务中心出件窗口"\n', encoding="utf-8")
    assert load_office(office).pickup_place == "曹镇乡便民服务中心出件窗口"
    assert load_office(None).hall_name == "湛河区政务服务中心"
    office.write_text('pickup = "x"\n', encoding="utf-8")
    with pytest.raises(UserError, match="未知项"):
        load_office(office)
    office.write_text('pickup_place = ""\n', encoding="utf-8")
    with pytest.raises(UserError, match="非空文字"):
        load_office(office)
    with pytest.raises(UserError, match="无法读取"):
        load_office(tmp_path / "missing.toml")

    secret = tmp_path / "secret"
    secret.write_text("s3cret\n", encoding="utf-8")
    sms = tmp_path / "sms.toml"
    sms.write_text(
        'access_key_id = "LTAI"\n'
        f'access_key_secret_file = "{secret}"\n'
        'sign_name = "湛河区政务服务"\n'
        '[templates]\naccepted = "SMS_1"\n',
        encoding="utf-8",
    )
    config = load_sms_config(sms)
    assert config.access_key_secret == "s3cret"
    assert config.templates == {"accepted": "SMS_1"}
    sms.write_text('access_key_id = "LTAI"\n', encoding="utf-8")
    with pytest.raises(UserError, match="有误"):
        load_sms_config(sms)
