"""The spreadsheet form of the 实施清单: YAML → XLSX → YAML gives the same catalogue, and every
problem of a sheet is reported at its row and column."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from zhanhe_counter.adapters.catalogue import CatalogueInvalid, load_catalogue
from zhanhe_counter.adapters.catalogue.catalogue_file import read_catalogue
from zhanhe_counter.adapters.catalogue.xlsx_file import (
    MATERIAL_COLUMNS,
    MATERIALS_SHEET,
    MATTER_COLUMNS,
    MATTERS_SHEET,
    read_xlsx,
    write_xlsx,
)
from zhanhe_counter.cli.app import main

RESOURCES = Path(__file__).resolve().parents[3] / "resources" / "catalogue"
SAMPLE = RESOURCES / "sample-matters.yaml"
TEMPLATE = RESOURCES / "catalogue-template.xlsx"
TEMPLATE_DOC = RESOURCES.parents[1] / "docs/catalogue.md"


@pytest.fixture
def sheet_file(tmp_path: Path) -> Path:
    path = tmp_path / "清单.xlsx"
    write_xlsx(read_catalogue(SAMPLE).catalogue, path)
    return path


def letter(header: str, columns: tuple[object, ...] = MATTER_COLUMNS) -> str:
    names = [c.header for c in columns]  # type: ignore[attr-defined]
    return get_column_letter(names.index(header) + 1)


def edit(path: Path, change: object) -> None:
    book = openpyxl.load_workbook(path)
    assert callable(change)
    change(book)
    book.save(path)


def problems(path: Path) -> list[str]:
    with pytest.raises(CatalogueInvalid) as raised:
        read_xlsx(path)
    return [str(p) for p in raised.value.problems]


def test_round_trip_yaml_xlsx_yaml_is_the_same_catalogue(sheet_file: Path, tmp_path: Path) -> None:
    original = read_catalogue(SAMPLE).catalogue
    text, imported, warnings = read_xlsx(sheet_file)
    assert warnings == ()
    assert imported == original
    written = tmp_path / "imported.yaml"
    written.write_text(text, encoding="utf-8")
    assert load_catalogue(written).catalogue == original


def test_the_committed_template_is_the_sample_catalogue() -> None:
    """Regenerate with ``zhanhe-admin catalogue export-xlsx`` when the sample changes."""
    _text, imported, _warnings = read_xlsx(TEMPLATE)
    assert imported == read_catalogue(SAMPLE).catalogue


def test_the_template_doc_names_every_column() -> None:
    doc = TEMPLATE_DOC.read_text(encoding="utf-8")
    for column in (*MATTER_COLUMNS, *MATERIAL_COLUMNS):
        assert f"| {column.header} |" in doc, column.header


def test_a_missing_column_is_named(sheet_file: Path) -> None:
    column = MATTER_COLUMNS.index(next(c for c in MATTER_COLUMNS if c.header == "事项名称")) + 1
    edit(sheet_file, lambda book: book[MATTERS_SHEET].delete_cols(column))
    assert f"{sheet_file}[事项]:1:-: 缺少列“事项名称”" in problems(sheet_file)


def test_a_bad_time_limit_is_reported_at_its_cell(sheet_file: Path) -> None:
    column = letter("法定办结时限")
    edit(sheet_file, lambda book: book[MATTERS_SHEET].__setitem__(f"{column}3", "二十天"))
    found = problems(sheet_file)
    assert any(p.startswith(f"{sheet_file}[事项]:3:{column}: 时限“二十天”应写成") for p in found)


def test_a_rule_of_the_catalogue_is_reported_at_its_cell(sheet_file: Path) -> None:
    """承诺 beyond 法定 (a YAML rule) points at the row and the 承诺办结时限 column."""
    column = letter("承诺办结时限")
    edit(sheet_file, lambda book: book[MATTERS_SHEET].__setitem__(f"{column}2", "30个工作日"))
    found = problems(sheet_file)
    assert any(
        p.startswith(f"{sheet_file}[事项]:2:{column}: ") and "超过法定时限" in p for p in found
    ), found


def test_a_duplicate_code_is_reported_at_the_second_row(sheet_file: Path) -> None:
    edit(sheet_file, lambda book: book[MATTERS_SHEET].__setitem__("A3", "ZH-001"))
    found = problems(sheet_file)
    assert any(p.startswith(f"{sheet_file}[事项]:3:A: ") and "ZH-001 重复" in p for p in found)


def test_merged_cells_are_refused(sheet_file: Path) -> None:
    column = letter("办理地点")
    edit(sheet_file, lambda book: book[MATTERS_SHEET].merge_cells(f"{column}2:{column}4"))
    found = problems(sheet_file)
    assert any(p.startswith(f"{sheet_file}[事项]:2:{column}: 不能使用合并单元格") for p in found)


def test_material_problems_point_into_the_materials_sheet(sheet_file: Path) -> None:
    count = letter("原件份数", MATERIAL_COLUMNS)
    flag = letter("可容缺", MATERIAL_COLUMNS)

    def change(book: openpyxl.Workbook) -> None:
        book[MATERIALS_SHEET][f"{count}2"] = "两份"
        book[MATERIALS_SHEET][f"{flag}3"] = "也许"
        book[MATERIALS_SHEET]["A4"] = "ZH-999"

    edit(sheet_file, change)
    found = problems(sheet_file)
    where = f"{sheet_file}[申请材料]"
    assert f"{where}:2:{count}: 应为整数，实际为“两份”" in found
    assert f"{where}:3:{flag}: 应填“是”或“否”，实际为“也许”" in found
    assert any(p.startswith(f"{where}:4:A: 材料所属的事项编号 ZH-999") for p in found)


def test_codes_and_numbers_excel_rewrote_are_read_back(sheet_file: Path) -> None:
    """Excel turns "01" into 1 and 5 into 5.0; the words 行政许可 stand for the code too."""
    column = letter("事项类型")

    def change(book: openpyxl.Workbook) -> None:
        book[MATTERS_SHEET][f"{column}2"] = 1
        book[MATTERS_SHEET][f"{column}3"] = "行政许可"
        book[MATERIALS_SHEET][f"{letter('原件份数', MATERIAL_COLUMNS)}2"] = 1.0

    edit(sheet_file, change)
    _text, catalogue, _warnings = read_xlsx(sheet_file)
    assert catalogue.matter("ZH-001").matter_type == "01"
    assert catalogue.matter("ZH-002").matter_type == "01"


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_text("not a zip", encoding="utf-8")
    (found,) = problems(path)
    assert found.startswith(f"{path}:0: 无法作为 XLSX 工作簿读取")


def test_cli_import_check_and_export(
    sheet_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "catalogue.yaml"
    assert main(["catalogue", "import-xlsx", str(sheet_file), "--out", str(out)]) == 0
    assert "已写出 18 个事项" in capsys.readouterr().out
    assert main(["catalogue", "check", str(out)]) == 0
    assert main(["catalogue", "check", str(sheet_file)]) == 0
    assert "有效，18 个事项" in capsys.readouterr().out
    again = tmp_path / "again.xlsx"
    assert main(["catalogue", "export-xlsx", str(out), "--out", str(again)]) == 0
    assert read_xlsx(again)[1] == read_catalogue(SAMPLE).catalogue
    edit(sheet_file, lambda book: book[MATTERS_SHEET].__setitem__("A3", "ZH-001"))
    capsys.readouterr()
    assert main(["catalogue", "import-xlsx", str(sheet_file), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{sheet_file}[事项]:3:A: " in err
