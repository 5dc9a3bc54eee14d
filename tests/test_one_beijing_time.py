"""One definition of Beijing time (issue 14): ``domain/china_time.py``, nowhere else."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "zhanhe_counter"
_OFFSET = re.compile(r"timedelta\(\s*hours\s*=\s*8\s*\)|ZoneInfo\(\s*[\"']Asia/Shanghai")
#: The sync outbox's own copy goes with its split into push, pull and status (another branch).
_PENDING = {"adapters/storage/sync_outbox.py"}
_HELPERS = re.compile(r"^def _minute\(", re.MULTILINE)


def test_beijing_time_is_defined_once() -> None:
    found = sorted(
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if _OFFSET.search(path.read_text(encoding="utf-8"))
    )
    assert set(found) - _PENDING == {"domain/china_time.py"}


def test_no_private_minute_formatters_remain() -> None:
    offenders = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if _HELPERS.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
