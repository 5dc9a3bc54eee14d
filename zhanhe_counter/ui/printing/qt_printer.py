"""Qt printers (系统打印机): a stored PDF → QtPdf → QPrinter, with print preview.

The same code drives a Windows driver and a CUPS queue. Qt gives no job id and reports success
even when the spooler later cancels the job (docs/printing-devices.md), so a submitted job counts as
printed; silent A4 jobs on Linux should prefer the CUPS adapter, which tracks job ids.
Painting must happen on the thread that owns the QPrinter; the queue worker may call
:meth:`QtPrinter.submit` because it creates its own QPrinter each time.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from zhanhe_counter.services.ports.printing import (
    BackendJobState,
    PrinterState,
    PrinterStatus,
    PrinterUnavailable,
    PrintRejected,
    RenderedDocument,
)

_job_numbers = itertools.count(1)


class LoadedPdf:
    """A PDF held by QtPdf together with the buffer it reads from (both must stay alive)."""

    def __init__(self, content: bytes) -> None:
        self.data = QByteArray(content)
        self.buffer = QBuffer(self.data)
        self.buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument()
        self.document.load(self.buffer)
        if self.document.status() != QPdfDocument.Status.Ready or self.document.pageCount() < 1:
            raise PrintRejected("QtPdf cannot read the stored PDF", "存档的文书已损坏，无法打印。")


def paint_pdf(pdf: QPdfDocument, printer: QPrinter) -> None:
    """Every page of ``pdf`` onto ``printer`` at the printer's resolution."""
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterUnavailable(
            PrinterStatus(PrinterState.OFFLINE, "无法打开打印机，请检查打印机是否已连接。"),
            "QPainter.begin failed",
        )
    try:
        for index in range(pdf.pageCount()):
            if index:
                printer.newPage()
            points = pdf.pagePointSize(index)
            dpi = printer.resolution()
            size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
            rendered = pdf.render(index, size)
            # QtPdf renders on transparent ARGB; printers want white paper under it.
            page = QImage(rendered.size(), QImage.Format.Format_RGB32)
            page.fill(Qt.GlobalColor.white)
            composer = QPainter(page)
            composer.drawImage(0, 0, rendered)
            composer.end()
            painter.drawImage(QRectF(painter.viewport()), page)
    finally:
        painter.end()


class QtPrinter:
    """系统打印机 (Qt): a named system printer, or a PDF file (``output_pdf``) for tests."""

    def __init__(
        self, name: str, *, system_name: str = "", output_pdf: Path | None = None, dpi: int = 300
    ) -> None:
        self._name = name
        self.system_name = system_name
        self.output_pdf = output_pdf
        self.dpi = dpi

    @property
    def name(self) -> str:
        return self._name

    def make_qprinter(self, title: str = "") -> QPrinter:
        """A configured QPrinter; keep a reference while any dialog or widget uses it."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setResolution(self.dpi)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        printer.setPageOrientation(QPageLayout.Orientation.Portrait)
        printer.setFullPage(True)
        printer.setDocName(title)
        if self.output_pdf is not None:
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(self.output_pdf))
        elif self.system_name:
            printer.setPrinterName(self.system_name)
        return printer

    def status(self) -> PrinterStatus:
        if self.output_pdf is not None:
            return PrinterStatus(PrinterState.READY, "打印机就绪")
        names = {info.printerName() for info in QPrinterInfo.availablePrinters()}
        if self.system_name and self.system_name not in names:
            return PrinterStatus(PrinterState.OFFLINE, f"系统中找不到打印机“{self.system_name}”。")
        return PrinterStatus(PrinterState.UNKNOWN, "系统打印机不报告状态，请留意打印机。")

    def submit(self, document: RenderedDocument, *, title: str, copies: int = 1) -> str:
        if document.mime.split(";")[0].strip() != "application/pdf":
            raise PrintRejected(
                f"qt printer {self.name}: {document.mime} is not a PDF",
                f"打印机“{self.name}”只打印 PDF 文书。",
            )
        pdf = LoadedPdf(document.content)
        printer = self.make_qprinter(title)
        printer.setCopyCount(max(1, copies))
        paint_pdf(pdf.document, printer)
        return f"qt-{next(_job_numbers)}"

    def job_state(self, job_id: str) -> BackendJobState:
        return BackendJobState.COMPLETED

    def cancel(self, job_id: str) -> None:
        """Qt hands the job to the system at once; nothing left to cancel here."""

    def preview(self, document: RenderedDocument, parent: QWidget | None = None) -> int:
        """Show the print preview (and let the clerk print from it); the dialog's result."""
        pdf = LoadedPdf(document.content)
        printer = self.make_qprinter(document.template_id)
        dialog = QPrintPreviewDialog(printer, parent)
        dialog.paintRequested.connect(lambda target: paint_pdf(pdf.document, target))
        result: int = dialog.exec()
        return result
