"""ESC/POS thermal printers (小票打印机) through python-escpos: network 9100, USB, serial, file.

Each job runs one conversation: open, ask for status (``DLE EOT``), send the ticket, ask again.
The second answer is the printer's acknowledgement: it processes bytes in order, so an answer
after the ticket means the ticket reached it. What went wrong decides what the queue may do:

- nothing sent yet (refused, silent, paper out) → :class:`PrinterUnavailable`, safe to retry;
- broke after bytes went out → :class:`PrintOutcomeUnknown`, never resent on its own.

USB, serial and file devices without a read channel report status UNKNOWN and are trusted.
"""

from __future__ import annotations

import io
import logging
import socket
from typing import Any

from PIL import Image, UnidentifiedImageError

from zhanhe_counter.adapters.printing import escpos_encode
from zhanhe_counter.adapters.printing.printers import base
from zhanhe_counter.adapters.printing.printers.config import PrinterConfig
from zhanhe_counter.services.ports.printing import (
    BackendJobState,
    PrinterStatus,
    PrinterUnavailable,
    PrintOutcomeUnknown,
    RenderedDocument,
)

log = logging.getLogger(__name__)

DLE_EOT_PRINTER = b"\x10\x04\x01"  # n=1: printer status
DLE_EOT_PAPER = b"\x10\x04\x04"  # n=4: roll paper sensor
OFFLINE_BIT = 0x08  # in the n=1 answer
PAPER_END_BITS = 0x60  # in the n=4 answer
ESCPOS_MIME = "application/vnd.escpos"


def escpos_payload(document: RenderedDocument, config: PrinterConfig) -> bytes:
    """The bytes this printer gets for ``document``, in its configured mode."""
    cut = escpos_encode.CutMode(config.cut)
    mime = document.mime.split(";")[0].strip()
    if mime == ESCPOS_MIME:
        return document.content
    if mime.startswith("image/"):
        try:
            image = Image.open(io.BytesIO(document.content))
            image.load()
        except (UnidentifiedImageError, OSError) as error:
            raise base.rejected(
                f"unreadable image for {config.name}: {error}", "小票图像已损坏，无法打印。"
            ) from error
        return escpos_encode.encode_raster(
            image, max_width=escpos_encode.PAPER_WIDTH_DOTS[config.paper], cut=cut
        )
    if mime == "text/plain":
        if config.mode != "gbk_text":
            raise base.rejected(
                f"text document sent to image-mode printer {config.name}",
                f"打印机“{config.name}”为图像模式，不能直接打印文字小票。",
            )
        lines = document.content.decode("utf-8").splitlines()
        return escpos_encode.encode_text_gbk(lines, codec=config.text_codec, cut=cut)
    raise base.rejected(
        f"{mime} cannot go to thermal printer {config.name}",
        f"打印机“{config.name}”是小票打印机，不能打印该类文书（{mime}）。",
    )


class EscposPrinter:
    """小票打印机 (ESC/POS)."""

    def __init__(self, config: PrinterConfig) -> None:
        self.config = config
        self._next_job = 0

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def bidirectional(self) -> bool:
        """Whether the link can answer status queries at all."""
        return self.config.connection in ("network", "usb", "serial")

    def _device(self) -> Any:
        from escpos import printer as escpos_printer

        c = self.config
        if c.connection == "network":
            return escpos_printer.Network(c.host, port=c.port, timeout=c.timeout_s)
        if c.connection == "usb":
            return escpos_printer.Usb(c.usb_vendor_id, c.usb_product_id, timeout=0)
        if c.connection == "serial":
            return escpos_printer.Serial(
                c.device, baudrate=c.baudrate, timeout=c.timeout_s, dsrdtr=False
            )
        return escpos_printer.File(c.device)

    def _open(self) -> Any:
        from escpos.exceptions import DeviceNotFoundError

        device = self._device()
        try:
            if self.config.connection == "network":
                # python-escpos leaks the socket when the connect is refused; this does not.
                device.device = socket.create_connection(
                    (self.config.host, self.config.port), timeout=self.config.timeout_s
                )
            else:
                device.open()
        except (DeviceNotFoundError, OSError) as error:
            log.info("escpos %s: open failed: %s", self.name, error)
            raise PrinterUnavailable(base.offline(self.name), str(error)) from error
        except Exception as error:  # pyusb/pyserial raise their own types for "not there"
            log.info("escpos %s: open failed: %s", self.name, error)
            raise PrinterUnavailable(base.offline(self.name), str(error)) from error
        return device

    def _ask(self, device: Any, query: bytes) -> int | None:
        """One status byte, or None when the printer does not answer."""
        try:
            device._raw(query)
            answer: bytes = device._read()
        except (TimeoutError, OSError) as error:
            log.info("escpos %s: no status answer: %s", self.name, error)
            return None
        except Exception as error:  # pyusb timeouts
            log.info("escpos %s: no status answer: %s", self.name, error)
            return None
        # python-escpos reads up to 16 bytes; the latest byte is the answer to this query.
        return answer[-1] if answer else None

    def _check(self, device: Any) -> PrinterStatus:
        if not self.bidirectional:
            return base.unknown(self.name)
        printer_byte = self._ask(device, DLE_EOT_PRINTER)
        if printer_byte is None:
            return base.not_responding(self.name)
        paper_byte = self._ask(device, DLE_EOT_PAPER)
        if paper_byte is None:
            return base.not_responding(self.name)
        if paper_byte & PAPER_END_BITS == PAPER_END_BITS:
            return base.paper_out(self.name)
        if printer_byte & OFFLINE_BIT:
            return base.printer_error(self.name, "打印机处于脱机状态（可能开盖或出错）")
        return base.ready()

    @staticmethod
    def _close(device: Any) -> None:
        try:
            device.close()
        except Exception as error:  # closing a dead link must not hide the real outcome
            log.debug("escpos close failed: %s", error)

    def status(self) -> PrinterStatus:
        try:
            device = self._open()
        except PrinterUnavailable as error:
            return error.status
        try:
            return self._check(device)
        finally:
            self._close(device)

    def submit(self, document: RenderedDocument, *, title: str, copies: int = 1) -> str:
        payload = escpos_payload(document, self.config)
        device = self._open()
        try:
            status = self._check(device)
            if not status.can_print:
                raise PrinterUnavailable(status)
            try:
                for _ in range(max(1, copies)):
                    device._raw(payload)
            except Exception as error:
                raise PrintOutcomeUnknown(
                    f"escpos {self.name}: send broke midway: {error}",
                    f"向打印机“{self.name}”发送“{title}”时中断，请查看是否已打印。",
                ) from error
            if self.bidirectional and self._ask(device, DLE_EOT_PRINTER) is None:
                raise PrintOutcomeUnknown(
                    f"escpos {self.name}: no acknowledgement after sending",
                    f"“{title}”已发送，但打印机“{self.name}”没有确认，请查看是否已打印。",
                )
        finally:
            self._close(device)
        self._next_job += 1
        return f"escpos-{self._next_job}"

    def job_state(self, job_id: str) -> BackendJobState:
        # ESC/POS has no spooler: an acknowledged job has reached the printer.
        return BackendJobState.COMPLETED

    def cancel(self, job_id: str) -> None:
        """Nothing to cancel: a thermal printer prints as it receives."""
