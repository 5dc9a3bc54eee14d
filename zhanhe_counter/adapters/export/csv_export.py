"""CSV export (CSV导出): UTF-8 with a byte-order mark, so that Excel on Windows reads the Chinese.

Exactly a header row, one row per group and the final 合计 row: no title lines, so the file
loads as a table anywhere; the notes (scope, completeness) go in the other formats.
"""

from __future__ import annotations

import csv
from pathlib import Path

from zhanhe_counter.adapters.export.table import ExportTable


def write_csv(table: ExportTable, out: Path) -> None:
    # utf-8-sig writes the BOM; newline="" lets csv write the CRLF Excel expects.
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.headings)
        writer.writerows(table.rows)
        writer.writerow(table.total)
