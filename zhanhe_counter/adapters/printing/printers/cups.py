"""CUPS printers (Linux 打印服务) through pycups: job ids tracked, PWG media names.

A4 PDFs go to the queue with ``media=iso_a4_210x297mm``: IPP Everywhere printers refuse Qt's
legacy ``A4`` keyword and CUPS then cancels the job silently (docs/printing-devices.md, Paper
names). Receipt printers behind a raw CUPS queue get ESC/POS bytes with ``raw``.

CUPS keeps and retries a job while its printer is off, so a job is "submitted" once CUPS has it,
and the queue polls ``job-state`` (3 pending … 9 completed) until it finishes.
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
    PrintOutcomeUnknown,
    RenderedDocument,
)

log = logging.getLogger(__name__)

IPP_NOT_FOUND = 0x0406
IPP_NOT_ACCEPTING = 0x0506
JOB_PENDING_STATES = {3, 4, 5, 6}  # pending, held, processing, stopped
JOB_FAILED_STATES = {7, 8}  # canceled, aborted
JOB_COMPLETED = 9
PRINTER_STOPPED = 5
PDF_FORMAT = "application/pdf"


def _pycups() -> Any | None:
    try:
        return importlib.import_module("cups")
    except ImportError:
        return None


class CupsPrinter:
    """CUPS 打印机."""

    def __init__(self, config: PrinterConfig) -> None:
        self.config = config
        self._cups = _pycups()

    @property
    def name(self) -> str:
        return self.config.name

    def _connect(self) -> Any:
        if self._cups is None:
            raise PrinterUnavailable(
                base.printer_error(self.name, "未安装 pycups（python3 cups 模块）"), "no pycups"
            )
        try:
            if self.config.server:
                return self._cups.Connection(host=self.config.server)
            return self._cups.Connection()
        except RuntimeError as error:  # "failed to connect to server"
            raise PrinterUnavailable(
                base.printer_error(self.name, "打印服务（CUPS）没有运行"), str(error)
            ) from error

    def status(self) -> PrinterStatus:
        try:
            conn = self._connect()
            attrs = conn.getPrinterAttributes(
                self.config.queue,
                requested_attributes=[
                    "printer-state",
                    "printer-state-reasons",
                    "printer-state-message",
                    "printer-is-accepting-jobs",
                ],
            )
        except PrinterUnavailable as error:
            return error.status
        except Exception as error:  # cups.IPPError: queue missing, server gone
            log.info("cups %s: status failed: %s", self.name, error)
            return base.offline(self.name)
        reasons = [str(r) for r in attrs.get("printer-state-reasons", [])]
        message = str(attrs.get("printer-state-message", ""))
        if any(r.startswith("media-empty") or r.startswith("media-needed") for r in reasons):
            return base.paper_out(self.name)
        if any(r.startswith("offline") for r in reasons) or "unavailable" in message:
            return base.offline(self.name)
        if attrs.get("printer-state") == PRINTER_STOPPED or not attrs.get(
            "printer-is-accepting-jobs", True
        ):
            return base.printer_error(self.name, message or "打印队列已停用")
        return base.ready()

    def submit(self, document: RenderedDocument, *, title: str, copies: int = 1) -> str:
        conn = self._connect()
        options = {"copies": str(max(1, copies))}
        if self.config.is_receipt:
            data = escpos_payload(document, self.config)
            options["raw"] = "true"
        else:
            if document.mime.split(";")[0].strip() != "application/pdf":
                raise base.rejected(
                    f"cups {self.name}: {document.mime} is not a PDF",
                    f"打印机“{self.name}”只接受 PDF 文书。",
                )
            data = document.content
            options["media"] = self.config.pwg_media
        document_format = "application/vnd.cups-raw" if self.config.is_receipt else PDF_FORMAT
        try:
            job_id: int = conn.createJob(self.config.queue, title, options)
        except Exception as error:
            status = getattr(error, "args", (None,))[0]
            if status == IPP_NOT_FOUND:
                raise base.rejected(
                    f"cups queue {self.config.queue!r} not found",
                    f"系统中没有名为“{self.config.queue}”的打印机，请检查打印机配置。",
                ) from error
            # Nothing was accepted by CUPS, so the queue may try again later.
            raise PrinterUnavailable(
                base.printer_error(self.name, "打印服务暂时不接受任务"), str(error)
            ) from error
        # The bytes are streamed into the job, never written to a temporary file: an applicant's
        # document must not lie unencrypted on the disk, however briefly.
        try:
            conn.startDocument(self.config.queue, job_id, title, document_format, 1)
            conn.writeRequestData(data, len(data))
        except Exception as error:
            # CUPS prints nothing of a document it has not finished receiving; drop the job.
            self._cancel_quietly(conn, job_id)
            raise PrinterUnavailable(
                base.printer_error(self.name, "发送到打印服务时中断"), str(error)
            ) from error
        try:
            conn.finishDocument(self.config.queue)
        except Exception as error:
            raise PrintOutcomeUnknown(
                f"cups {self.name}: job {job_id} not confirmed after sending: {error}",
                f"打印机“{self.name}”的任务 {job_id} 已发送但未得到确认，请查看是否已打印。",
            ) from error
        log.info("cups %s: job %s submitted", self.name, job_id)
        return str(job_id)

    def _cancel_quietly(self, conn: Any, job_id: int) -> None:
        try:
            conn.cancelJob(job_id)
        except Exception as error:  # the job stays incomplete in CUPS, which never prints it
            log.warning("cups %s: could not cancel half-sent job %s: %s", self.name, job_id, error)

    def job_state(self, job_id: str) -> BackendJobState:
        try:
            conn = self._connect()
            attrs = conn.getJobAttributes(int(job_id), requested_attributes=["job-state"])
        except Exception as error:
            log.info("cups %s: job %s state unknown: %s", self.name, job_id, error)
            return BackendJobState.UNKNOWN
        state = attrs.get("job-state")
        if state == JOB_COMPLETED:
            return BackendJobState.COMPLETED
        if state in JOB_FAILED_STATES:
            return BackendJobState.FAILED
        if state in JOB_PENDING_STATES:
            return BackendJobState.PENDING
        return BackendJobState.UNKNOWN

    def cancel(self, job_id: str) -> None:
        conn = self._connect()
        conn.cancelJob(int(job_id))
