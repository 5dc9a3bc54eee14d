"""The table every export writes (导出表格): headings, one row per group, the 合计 row.

All three formats are written from this one table, so they cannot disagree with each other or
with the tally: the group column, then one column per figure in ``Figure`` order.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from zhanhe_counter.domain.china_time import CHINA_TIME
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.tally import TallyReport


class ExportFormat(StrEnum):
    """导出格式."""

    CSV = "csv"
    XLSX = "xlsx"
    PDF = "pdf"


class ExportFailed(DomainError):
    """The export file could not be written (导出失败)."""


@dataclass(frozen=True, slots=True)
class ExportTable:
    """A tally as plain cells (导出表格)."""

    title: str
    notes: tuple[str, ...]  # scope and completeness, period, time of the tally
    headings: tuple[str, ...]
    rows: tuple[tuple[str | int, ...], ...]
    total: tuple[str | int, ...]


def export_table(report: TallyReport) -> ExportTable:
    figures = report.figures
    return ExportTable(
        title=report.title,
        notes=(
            report.completeness,
            f"统计期间：{report.period.label}（北京时间）",
            f"统计截至：{report.as_of.astimezone(CHINA_TIME).strftime('%Y-%m-%d %H:%M')}",
            f"生成时间：{report.generated_at.astimezone(CHINA_TIME).strftime('%Y-%m-%d %H:%M')}",
        ),
        headings=(report.grouping.label, *(f.label for f in figures)),
        rows=tuple((row.label, *(row[f] for f in figures)) for row in report.rows),
        total=(report.total.label, *(report.total[f] for f in figures)),
    )


def display_width(text: str) -> int:
    """Columns ``text`` takes in a fixed-width view: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
