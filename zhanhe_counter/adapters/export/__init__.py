"""Exports of a tally (统计导出): CSV (UTF-8 with BOM), XLSX (openpyxl) and PDF (reportlab)."""

from zhanhe_counter.adapters.export.csv_export import write_csv
from zhanhe_counter.adapters.export.pdf_export import write_pdf
from zhanhe_counter.adapters.export.table import ExportFormat, ExportTable, export_table
from zhanhe_counter.adapters.export.writer import write_export
from zhanhe_counter.adapters.export.xlsx_export import write_xlsx

__all__ = [
    "ExportFormat",
    "ExportTable",
    "export_table",
    "write_csv",
    "write_export",
    "write_pdf",
    "write_xlsx",
]
