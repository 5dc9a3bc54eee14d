"""Writing a tally in the chosen format (导出): the one place that knows every format's writer.

The writers import only the table (``table.py``); this module imports them, so the package has
no import cycle (the same shape as ``adapters/idcard/factory.py``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

from zhanhe_counter.adapters.export.csv_export import write_csv
from zhanhe_counter.adapters.export.pdf_export import write_pdf
from zhanhe_counter.adapters.export.table import (
    ExportFailed,
    ExportFormat,
    ExportTable,
    export_table,
)
from zhanhe_counter.adapters.export.xlsx_export import write_xlsx
from zhanhe_counter.services.tally import TallyReport

log = logging.getLogger(__name__)

_WRITERS: dict[ExportFormat, Callable[[ExportTable, Path], object]] = {
    ExportFormat.CSV: write_csv,
    ExportFormat.XLSX: write_xlsx,
    ExportFormat.PDF: write_pdf,
}


def write_export(report: TallyReport, fmt: ExportFormat, out: Path) -> Path:
    """Write ``report`` as ``fmt`` to ``out`` (atomically: a half-written file never remains)."""
    table = export_table(report)
    partial = out.with_name(out.name + ".part")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _WRITERS[fmt](table, partial)
        partial.replace(out)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        log.warning("export to %s failed: %s", out, error)
        raise ExportFailed(
            f"cannot write {out}: {error}", f"无法写入导出文件 {out}：{error.strerror or error}"
        ) from error
    return out
