"""Exporting a tally from the supervisor's page (统计导出): XLSX, CSV or PDF, audited.

The file is written by the same export adapters the ``zhanhe-admin tally`` command uses (one
table for all three formats, ``adapters/export``); the composition root hands the writer in.
An export is personal-data processing even though it holds figures only: the figures are made
from cases, so before the file is written every case it counts gets an export record in its
audit trail (``AuditTrail.exported``), as opening or printing a case does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from uuid import UUID

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.privacy import AuditTrail
from zhanhe_counter.services.tally import TallyReport, TallyService

#: The formats offered, in the order of the supervisor's menu.
EXPORT_FORMATS: tuple[str, ...] = ("xlsx", "csv", "pdf")
FORMAT_LABELS = {
    "xlsx": "Excel 表格 (*.xlsx)",
    "csv": "CSV 文件 (*.csv)",
    "pdf": "PDF 文件 (*.pdf)",
}


class ExportWriter(Protocol):
    """Writes ``report`` as ``file_format`` to ``out`` (atomically) and returns the path."""

    def __call__(self, report: TallyReport, file_format: str, out: Path) -> Path: ...


@dataclass(frozen=True, slots=True)
class ExportDone:
    """What an export wrote, and how many cases it covered (for the status line)."""

    path: Path
    file_format: str
    cases: int


class TallyExportService:
    """统计导出服务."""

    def __init__(self, tally: TallyService, write: ExportWriter, audit: AuditTrail | None) -> None:
        self._tally = tally
        self._write = write
        self._audit = audit

    def export(self, report: TallyReport, file_format: str, out: Path, staff_id: str) -> ExportDone:
        """Audit the cases behind ``report``, then write it as ``file_format`` to ``out``."""
        if file_format not in EXPORT_FORMATS:
            raise DomainError(
                f"unknown export format {file_format!r}", "导出格式只能是 XLSX、CSV 或 PDF。"
            )
        if out.suffix.lower() != f".{file_format}":
            out = out.with_name(out.name + f".{file_format}")
        cases = self.cases_behind(report)
        if self._audit is not None and cases:
            self._audit.exported(
                cases, staff_id, export=f"tally_{report.grouping.value}", file_format=file_format
            )
        return ExportDone(self._write(report, file_format, out), file_format, len(cases))

    def cases_behind(self, report: TallyReport) -> list[UUID]:
        """Every case any figure of the totals row counts, each once."""
        seen: dict[UUID, None] = {}
        for figure in report.figures:
            count = report.total[figure]
            if count:
                for case in self._tally.drill(report, None, figure, limit=count):
                    seen[case.case_id] = None
        return list(seen)


def default_file_name(report: TallyReport, file_format: str) -> str:
    """统计_按窗口_2026-11-26.xlsx, or with the period's two ends."""
    first, last = report.period.first, report.period.last
    days = str(first) if first == last else f"{first}_{last}"
    return f"统计_按{report.grouping.label}_{days}.{file_format}"
