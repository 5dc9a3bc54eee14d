"""Nothing outside ``domain/`` reads an event payload by key (one typed record per event kind).

Each event kind has one typed record in ``domain.payloads`` that writes and reads its JSON, and
``CaseState`` carries the parsed facts; a raw ``payload.get("…")`` elsewhere is a second spelling
of a field that drifts from the first (as the delivery window's and the rating's extensions did).
"""

from __future__ import annotations

import re
from pathlib import Path

import zhanhe_counter

PACKAGE = Path(zhanhe_counter.__file__).parent
DOMAIN = PACKAGE / "domain"
RAW_READ = re.compile(r"payload\.get\(|payload\[")


def raw_payload_reads(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        if DOMAIN in path.parents:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if RAW_READ.search(line):
                found.append(f"{path.relative_to(root.parent)}:{number}: {line.strip()}")
    return found


def test_no_payload_is_read_by_key_outside_the_domain() -> None:
    assert raw_payload_reads(PACKAGE) == []


def test_the_check_finds_a_raw_read(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "services").mkdir(parents=True)
    (package / "services" / "bad.py").write_text('x = event.payload.get("answer_due")\n')
    (package / "services" / "worse.py").write_text('y = event.payload["level"]\n')
    assert len(raw_payload_reads(package)) == 2
