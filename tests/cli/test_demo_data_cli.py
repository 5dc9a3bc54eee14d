"""``zhanhe-admin demo-data`` records cases through the real services."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zhanhe_counter.cli.app import main
from zhanhe_counter.composition import build_station
from zhanhe_counter.services.ports.storage import CaseQuery


def test_demo_data_records_n_cases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--data-dir", str(tmp_path), "demo-data", "--cases", "12", "--date", "2026-11-20"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["cases"] + report["refused"] == 12
    station = build_station(tmp_path, demo=True, start_queue=False)
    try:
        cases = station.store.find_cases(CaseQuery(limit=100))
    finally:
        station.close()
    assert len(cases) == report["cases"]
    assert all(c.case_number and "20261120" in c.case_number for c in cases)


def test_demo_data_rejects_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path), "demo-data", "--cases", "0"]) == 2
    assert "办件数" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path), "demo-data", "--cases", "1", "--date", "x"]) == 2
    assert "日期格式" in capsys.readouterr().err


def test_a_station_tally_names_matters_and_adds_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv

    args = ["--data-dir", str(tmp_path), "demo-data", "--cases", "15", "--date", "2026-11-20"]
    assert main(args) == 0
    capsys.readouterr()
    out = tmp_path / "day.csv"
    tally = ["--data-dir", str(tmp_path), "tally", "--date", "2026-11-20", "--by", "matter"]
    assert main([*tally, "--format", "csv", "--out", str(out)]) == 0
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert total[0] == "合计"
    names = {row[0] for row in body}
    assert not any(name.startswith("ZH-") for name in names)  # names, not catalogue ids
    received = header.index("收件")
    assert sum(int(row[received]) for row in body) == int(total[received]) == 15
