"""Simulated printer (模拟打印机): writes each job as a file into a folder.

Used by ``--demo``, training and the packaged smoke test; it is a real adapter behind the same
port, so the queue, reprints and history behave exactly as with a device.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from zhanhe_counter.adapters.printing.printers import base
from zhanhe_counter.services.ports.printing import (
    BackendJobState,
    PrinterStatus,
    PrinterUnavailable,
    RenderedDocument,
)

EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "application/vnd.escpos": ".bin",
    "text/plain": ".txt",
}
_UNSAFE = re.compile(r"[^\w\u4e00-\u9fff.-]+")


class SimulatedPrinter:
    """模拟打印机."""

    def __init__(self, name: str, folder: Path) -> None:
        self._name = name
        self.folder = folder

    @property
    def name(self) -> str:
        return self._name

    def status(self) -> PrinterStatus:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return base.offline(self.name)
        return base.ready()

    def _next_number(self) -> int:
        numbers = (
            int(p.name.split("-", 1)[0]) for p in self.folder.iterdir() if p.name[:4].isdigit()
        )
        return max(numbers, default=0) + 1

    def submit(self, document: RenderedDocument, *, title: str, copies: int = 1) -> str:
        status = self.status()
        if not status.can_print:
            raise PrinterUnavailable(status)
        extension = EXTENSIONS.get(document.mime.split(";")[0].strip(), ".bin")
        safe_title = _UNSAFE.sub("_", title)[:60] or "job"
        number = self._next_number()
        for copy in itertools.islice(itertools.count(1), max(1, copies)):
            suffix = f"-copy{copy}" if copies > 1 else ""
            path = self.folder / f"{number:04d}-{safe_title}{suffix}{extension}"
            tmp = path.with_suffix(path.suffix + ".part")
            tmp.write_bytes(document.content)
            tmp.replace(path)  # a reader never sees half a file
        return f"{number:04d}"

    def job_state(self, job_id: str) -> BackendJobState:
        return BackendJobState.COMPLETED

    def cancel(self, job_id: str) -> None:
        """Files are written at once; nothing to cancel."""
