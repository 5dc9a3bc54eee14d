"""``zhanhe-admin tally``: the issue's command-line contract, on a real station database."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from tests.adapters.sync import helpers as sync_helpers
from tests.adapters.tally import scenario
from tests.adapters.tally.helpers import scenario_db
from zhanhe_counter.cli.app import main
from zhanhe_counter.cli.common import EXIT_OK, EXIT_USER_ERROR
from zhanhe_counter.services.ports.tally import Figure

memory_keyring = sync_helpers.memory_keyring


@pytest.fixture
def data_dir(tmp_path: Path, memory_keyring: sync_helpers.MemoryKeyring) -> Path:
    """A counter's data folder; its database key is made in the (test) keyring on first open."""
    folder = tmp_path / "data"
    folder.mkdir()
    scenario_db(folder).dispose()  # station.sqlite3 is the station database's file name
    return folder


def _run(data_dir: Path, *args: str) -> int:
    return main(["--data-dir", str(data_dir), "tally", *args])


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_csv_by_clerk_adds_up_to_the_total_row(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "day.csv"
    code = _run(
        data_dir, "--date", "2026-03-02", "--by", "clerk", "--format", "csv", "--out", str(out)
    )
    assert code == EXIT_OK
    summary = json.loads(capsys.readouterr().out)
    assert summary["scope"] == "local"
    assert summary["received"] == 9
    rows = _rows(out)
    assert rows[0][0] == "工作人员"
    assert rows[-1][0] == "合计"
    assert len(rows) == 1 + 2 + 1
    for column in range(1, len(rows[0])):
        assert sum(int(r[column]) for r in rows[1:-1]) == int(rows[-1][column])
    total = dict(zip(rows[0][1:], (int(v) for v in rows[-1][1:]), strict=True))
    assert total == {f.label: scenario.expected_total().get(f, 0) for f in Figure}


def test_a_period_by_matter_as_xlsx(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "period.xlsx"
    code = _run(
        data_dir,
        "--date",
        "2026-03-01",
        "--to",
        "2026-03-02",
        "--by",
        "matter",
        "--format",
        "xlsx",
        "--out",
        str(out),
    )
    assert code == EXIT_OK
    sheet = openpyxl.load_workbook(out)["统计"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "事项"
    assert rows[-1][0] == "合计"
    received = rows[0].index("收件")
    assert rows[-1][received] == 10  # nine on the day, c17 the day before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2026-3-x"], "YYYY-MM-DD"),
        (["--date", "2026-03-02", "--to", "2026-03-01"], "早于"),
        (["--date", "2026-03-02", "--scope", "central"], "中心库地址"),
    ],
)
def test_bad_input_exits_2_with_a_chinese_message(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    code = _run(data_dir, *args, "--format", "csv", "--out", str(tmp_path / "x.csv"))
    assert code == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()


def test_missing_station_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _run(
        tmp_path / "nowhere",
        "--date",
        "2026-03-02",
        "--format",
        "csv",
        "--out",
        str(tmp_path / "x.csv"),
    )
    assert code == EXIT_USER_ERROR
    assert "本机数据库不存在" in capsys.readouterr().err


def test_demo_data_cases_are_all_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cases recorded through the real intake service come out in the tally."""
    data = tmp_path / "demo"
    assert (
        main(["--data-dir", str(data), "demo-data", "--cases", "12", "--date", "2026-03-02"]) == 0
    )
    made = json.loads(capsys.readouterr().out)["cases"]
    out = tmp_path / "demo.csv"
    assert _run(data, "--date", "2026-03-02", "--format", "csv", "--out", str(out)) == EXIT_OK
    rows = _rows(out)
    assert int(rows[-1][rows[0].index("收件")]) == made
