"""A durable journal of what a simulated gateway received (模拟网关记录), one JSON line each.

The simulators behind the SMS and province ports write here: appended and fsynced before the
"gateway" answers, like a real provider's own records, so a sender killed after the append
finds the message on restart (``Gateway.find``). Training, ``--demo`` and the tests read it.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any


class JsonLinesJournal:
    """Append-only records keyed by idempotency key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)

    def records(self) -> list[dict[str, Any]]:
        """Every whole record (a line cut by a crash mid-write is not a record)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        found = []
        for line in text.splitlines():
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return found

    def find(self, key: str) -> dict[str, Any] | None:
        for record in self.records():
            if record.get("key") == key:
                return record
        return None
