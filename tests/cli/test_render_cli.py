"""``zhanhe-admin render``: list forms, render one, and exit 2 naming a bad field."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from zhanhe_counter.cli.app import main
from zhanhe_counter.domain.documents import DocumentKind

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"


def test_list_shows_every_form_with_its_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--list"]) == 0
    forms = {f["id"]: f for f in json.loads(capsys.readouterr().out)}
    assert len(forms) == len(DocumentKind)
    fields = {f["name"]: f for f in forms["refusal_notice"]["fields"]}
    assert fields["reconsideration_body"]["required"] is True
    assert fields["reasons"]["type"] == "list"
    assert forms["thermal_ticket"]["paper"] == "80mm"


def test_render_pdf(tmp_path: Path) -> None:
    out = tmp_path / "n.pdf"
    code = main(
        [
            "render",
            "one_time_notice",
            "--data",
            str(FIXTURES / "one_time_notice.json"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    text = subprocess.run(
        ["pdftotext", out, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "一 次 性 告 知 书" in text


def test_render_ticket_png_and_escpos(tmp_path: Path) -> None:
    data = str(FIXTURES / "thermal_ticket.json")
    assert main(["render", "thermal_ticket", "--data", data, "--out", str(tmp_path / "t.png")]) == 0
    assert (tmp_path / "t.png").read_bytes().startswith(b"\x89PNG")
    assert main(["render", "thermal_ticket", "--data", data, "--out", str(tmp_path / "t.bin")]) == 0
    assert (tmp_path / "t.bin").read_bytes().startswith(b"\x1b@")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"drop": "applicant_name"}, "字段“申请人”（applicant_name）缺失"),
        ({"set": ("promised_date", "11/25")}, "promised_date"),
        ({"set": ("fee", "看情况")}, "只能是"),
    ],
)
def test_missing_or_invalid_field_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, object], expected: str
) -> None:
    values = json.loads((FIXTURES / "acceptance_notice.json").read_text(encoding="utf-8"))
    if "drop" in change:
        del values[str(change["drop"])]
    else:
        key, value = change["set"]  # type: ignore[misc]
        values[key] = value
    data = tmp_path / "v.json"
    data.write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "o.pdf"
    assert main(["render", "acceptance_notice", "--data", str(data), "--out", str(out)]) == 2
    assert expected in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["render", "no_such_form", "--data", "x.json", "--out", "o.pdf"], "没有文书模板"),
        (["render", "acceptance_notice", "--data", "missing.json", "--out", "o.pdf"], "无法读取"),
        (["render", "acceptance_notice", "--data", "BAD", "--out", "o.png"], "有效的 UTF-8 JSON"),
        (["render"], "请指定文书模板编号"),
    ],
)
def test_user_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    args = [
        str(bad)
        if a == "BAD"
        else str(tmp_path / a)
        if a.endswith((".json", ".pdf", ".png")) and a != "BAD"
        else a
        for a in args
    ]
    assert main(args) == 2
    assert expected in capsys.readouterr().err


def test_a4_form_cannot_be_a_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(FIXTURES / "acceptance_notice.json")
    assert (
        main(["render", "acceptance_notice", "--data", data, "--out", str(tmp_path / "a.png")]) == 2
    )
    assert "只能输出 PDF" in capsys.readouterr().err
