"""XLSX export (Excel导出) with openpyxl: Chinese headings, frozen header row, bold totals,
column widths that fit the text. A second sheet 说明 holds the scope and completeness notes."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from zhanhe_counter.adapters.export.table import ExportTable, display_width

SHEET = "统计"
NOTES_SHEET = "说明"
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
_MAX_WIDTH = 60


def write_xlsx(table: ExportTable, out: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = SHEET
    sheet.append(list(table.headings))
    for row in table.rows:
        sheet.append(list(row))
    sheet.append(list(table.total))
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=False)
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    sheet.freeze_panes = "B2"  # the header row and the group column stay in view
    for index, heading in enumerate(table.headings, start=1):
        values = [heading, *(str(r[index - 1]) for r in (*table.rows, table.total))]
        width = max(display_width(v) for v in values) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(width, _MAX_WIDTH)

    notes = book.create_sheet(NOTES_SHEET)
    notes.append([table.title])
    notes["A1"].font = Font(bold=True, size=14)
    for line in table.notes:
        notes.append([line])
    notes.column_dimensions["A"].width = min(
        max(display_width(t) for t in (table.title, *table.notes)) + 2, 120
    )
    book.save(out)
