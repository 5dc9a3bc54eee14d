"""The printer of a counter whose printers were never configured (未配置打印机).

Earlier versions printed to files in the data folder here, which left applicants' documents
readable on the disk. Now the jobs wait in the (encrypted) print queue, the status bar says why,
and they print once the administrator writes ``printers.toml`` and restarts the client.
"""

from __future__ import annotations

from zhanhe_counter.services.ports.printing import (
    BackendJobState,
    PrinterState,
    PrinterStatus,
    PrinterUnavailable,
    RenderedDocument,
)


class UnconfiguredPrinter:
    """未配置的打印机: every job waits, nothing is written anywhere."""

    def __init__(self, name: str) -> None:
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def status(self) -> PrinterStatus:
        return PrinterStatus(
            PrinterState.OFFLINE,
            f"本机尚未配置打印机“{self._name}”，文书已保存在打印队列中。请联系管理员配置打印机。",
        )

    def submit(self, document: RenderedDocument, *, title: str, copies: int = 1) -> str:
        raise PrinterUnavailable(self.status(), "no printers.toml on this PC")

    def job_state(self, job_id: str) -> BackendJobState:
        return BackendJobState.UNKNOWN

    def cancel(self, job_id: str) -> None:
        """Nothing was ever submitted."""
