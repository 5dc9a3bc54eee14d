"""Each export opened by its own reader (csv, openpyxl, pdftotext) and compared with the tally."""

from __future__ import annotations

import csv
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from tests.adapters.tally import scenario
from tests.adapters.tally.helpers import DIRECTORY, FixedClock, scenario_db
from zhanhe_counter.adapters.export import ExportFormat, export_table, write_export
from zhanhe_counter.adapters.export.table import ExportFailed
from zhanhe_counter.adapters.tally import sqlite_source
from zhanhe_counter.services.ports.tally import Figure, Grouping, Period
from zhanhe_counter.services.tally import TallyReport, TallyService


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TallyReport]:
    engine = scenario_db(tmp_path_factory.mktemp("station"))
    service = TallyService(sqlite_source(engine), FixedClock(), DIRECTORY)
    yield service.tally(Period.day(scenario.DAY), Grouping.CLERK)
    engine.dispose()


def _expected_rows(report: TallyReport) -> list[list[str]]:
    rows = [[r.label, *(str(r[f]) for f in Figure)] for r in report.rows]
    return [*rows, ["合计", *(str(report.total[f]) for f in Figure)]]


def test_csv_has_bom_header_groups_and_a_total_that_adds_up(
    report: TallyReport, tmp_path: Path
) -> None:
    out = write_export(report, ExportFormat.CSV, tmp_path / "day.csv")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["工作人员", *(f.label for f in Figure)]
    assert rows[1:] == _expected_rows(report)
    body, total = rows[1:-1], rows[-1]
    for column in range(1, len(rows[0])):
        assert sum(int(r[column]) for r in body) == int(total[column])
    assert {r[0] for r in body} == {"张敏（zhangmin）", "李娜（lina）"}


def test_xlsx_headings_frozen_totals_and_widths(report: TallyReport, tmp_path: Path) -> None:
    out = write_export(report, ExportFormat.XLSX, tmp_path / "day.xlsx")
    book = openpyxl.load_workbook(out)
    sheet = book["统计"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert list(values[0]) == ["工作人员", *(f.label for f in Figure)]
    assert [[str(v) for v in row] for row in values[1:]] == _expected_rows(report)
    assert all(isinstance(v, int) for v in values[-1][1:])
    assert sheet.freeze_panes == "B2"
    assert sheet["A1"].font.bold
    assert sheet.cell(sheet.max_row, 1).font.bold
    # The widest heading, 后台20分钟内答复 (7 CJK + 2 digits = 16 columns), fits its column.
    column = 1 + list(Figure).index(Figure.BACKOFFICE_MET) + 1
    letter = openpyxl.utils.get_column_letter(column)
    assert sheet.column_dimensions[letter].width >= 16
    notes = [r[0] for r in book["说明"].iter_rows(values_only=True)]
    assert notes[0] == report.title
    assert notes[1] == report.completeness


def test_pdf_text_holds_headings_and_figures(report: TallyReport, tmp_path: Path) -> None:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils (pdftotext) is required: scripts/apt/tally.txt"
    out = write_export(report, ExportFormat.PDF, tmp_path / "day.pdf")
    text = subprocess.run(
        [pdftotext, "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert report.title in text
    assert "本机数据（仅限本机）" in text
    fonts = subprocess.run(
        ["pdffonts", str(out)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts
    assert all(" yes " in line for line in fonts)
    lines = text.splitlines()
    table = export_table(report)
    # Each row appears once per table; its figures, in order, are the row's numbers.
    for row in (*table.rows, table.total):
        found = [line.split() for line in lines if line.strip().startswith(str(row[0]))]
        assert len(found) == 2, row[0]
        printed = [int(v) for part in found for v in part[1:]]
        assert printed == [int(v) for v in row[1:]], row[0]


def test_an_unwritable_target_gives_a_chinese_error(report: TallyReport, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportFailed) as failed:
        write_export(report, ExportFormat.CSV, blocker / "day.csv")
    assert "无法写入" in failed.value.user_message
    assert not (tmp_path / "file" / "day.csv.part").exists()
