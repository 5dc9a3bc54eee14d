"""``zhanhe-admin cases``: the cases this station holds, filtered by state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zhanhe_counter.cli.app import main


def test_cases_lists_what_demo_data_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "station")
    assert main(["--data-dir", data, "demo-data", "--cases", "6", "--date", "2026-11-26"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["documents_queued"] >= 6  # as the counter would: every case's documents
    assert main(["--data-dir", data, "cases", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 6
    for row in rows:
        assert set(row) >= {"number", "matter", "department", "hall", "state", "station"}
        assert row["hall"] == "湛河区政务服务中心"
        assert row["station"] == "ZH-DEMO-01"
    state = rows[0]["state"]
    assert main(["--data-dir", data, "cases", "--state", state, "--json"]) == 0
    filtered = json.loads(capsys.readouterr().out)
    assert filtered
    assert {r["state"] for r in filtered} == {state}


def test_an_unknown_state_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path), "cases", "--state", "done"]) == 2
    assert "未知状态“done”" in capsys.readouterr().err
