"""Windows spooler printers (Windows 打印后台): RAW bytes or a PDF through ``win32print``.

Thin on purpose and untested here (no Windows machine in this workplace). The spooler only
reports status while despooling (Microsoft KB 160129), so an idle printer counts as UNKNOWN, not
offline, and jobs are followed with ``GetJob`` after submitting.

A4 PDFs normally go through the Qt path (``ui/printing/qt_printer.py``), which drives the
installed driver; this adapter sends ESC/POS bytes (RAW datatype) to receipt printers.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from zhanhe_counter.adapters.printing.printers import base
from zhanhe_counter.adapters.printing.printers.config import PrinterConfig
from zhanhe_counter.adapters.printing.printers.escpos_printer import escpos_payload
from zhanhe_counter.services.ports.printing import (
    BackendJobState,
    PrinterStatus,
    PrinterUnavailable,
    RenderedDocument,
)

log = logging.getLogger(__name__)

JOB_STATUS_ERROR = 0x2 | 0x20 | 0x40 | 0x400  # ERROR | OFFLINE | PAPEROUT | BLOCKED_DEVQ
JOB_STATUS_DONE = 0x80 | 0x1000  # PRINTED | COMPLETE
JOB_STATUS_CANCELED = 0x100 | 0x4  # DELETED | DELETING


def _win32print() -> Any | None:
    try:
        return importlib.import_module("win32print")
    except ImportError:
        return None


class WindowsSpoolerPrinter:
    """Windows 打印后台打印机."""

    def __init__(self, config: PrinterConfig) -> None:
        self.config = config
        self._api = _win32print()

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def available(self) -> bool:
        """Whether pywin32 is present (always False off Windows)."""
        return self._api is not None

    def _require(self) -> Any:
        if self._api is None:
            raise PrinterUnavailable(
                base.printer_error(self.name, "本机不是 Windows 或未安装 pywin32"),
                "win32print missing",
            )
        return self._api

    def status(self) -> PrinterStatus:
        if self._api is None:
            return base.printer_error(self.name, "本机不是 Windows 或未安装 pywin32")
        try:
            handle = self._api.OpenPrinter(self.config.queue)
        except Exception:
            return base.offline(self.name)
        self._api.ClosePrinter(handle)
        return base.unknown(self.name)

    def submit(self, document: RenderedDocument, *, title: str, copies: int = 1) -> str:
        api = self._require()
        payload = escpos_payload(document, self.config)
        try:
            handle = api.OpenPrinter(self.config.queue)
        except Exception as error:
            raise PrinterUnavailable(base.offline(self.name), str(error)) from error
        try:
            job = api.StartDocPrinter(handle, 1, (title, None, "RAW"))
            api.StartPagePrinter(handle)
            for _ in range(max(1, copies)):
                api.WritePrinter(handle, payload)
            api.EndPagePrinter(handle)
            api.EndDocPrinter(handle)
        finally:
            api.ClosePrinter(handle)
        return str(job)

    def job_state(self, job_id: str) -> BackendJobState:
        api = self._require()
        handle = api.OpenPrinter(self.config.queue)
        try:
            info = api.GetJob(handle, int(job_id), 1)
        except Exception:
            # The spooler forgets finished jobs: gone after a successful submit means printed.
            return BackendJobState.COMPLETED
        finally:
            api.ClosePrinter(handle)
        status = int(info.get("Status", 0))
        if status & JOB_STATUS_CANCELED:
            return BackendJobState.FAILED
        if status & JOB_STATUS_DONE:
            return BackendJobState.COMPLETED
        return BackendJobState.PENDING

    def cancel(self, job_id: str) -> None:
        api = self._require()
        handle = api.OpenPrinter(self.config.queue)
        try:
            api.SetJob(handle, int(job_id), 0, None, 5)  # JOB_CONTROL_DELETE
        finally:
            api.ClosePrinter(handle)
