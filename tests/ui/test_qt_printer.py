"""Qt printing offscreen: QtPdf renders the stored PDF into a QPrinter (PDF output)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.pdfgen import canvas

from zhanhe_counter.services.ports.printing import PrintRejected, RenderedDocument
from zhanhe_counter.ui.printing.qt_printer import QtPrinter

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the app


def two_page_pdf() -> RenderedDocument:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    for number in (1, 2):
        widget = QrCodeWidget(f"ZHANHE-QT-{number}")
        drawing = Drawing(200, 200)
        drawing.add(widget)
        renderPDF.draw(drawing, page, 72, 500)
        page.showPage()
    page.save()
    return RenderedDocument.of(out.getvalue(), "application/pdf", "acceptance_notice", 1, 2)


def test_pdf_printed_through_qt_keeps_pages_and_codes(qapp: object, tmp_path: Path) -> None:
    target = tmp_path / "qt-out.pdf"
    printer = QtPrinter("A4", output_pdf=target, dpi=150)
    assert printer.status().can_print
    printer.submit(two_page_pdf(), title="受理通知书")
    assert len(PdfReader(target).pages) == 2
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(target), str(tmp_path / "p")], check=True)
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg (zbar-tools) is required"
    found = set()
    for png in sorted(tmp_path.glob("p*.png")):
        out = subprocess.run([zbarimg, "--raw", "-q", str(png)], capture_output=True, check=False)
        found |= set(out.stdout.decode().split())
    assert found == {"ZHANHE-QT-1", "ZHANHE-QT-2"}


def test_qt_printer_refuses_non_pdf(qapp: object, tmp_path: Path) -> None:
    printer = QtPrinter("A4", output_pdf=tmp_path / "x.pdf")
    with pytest.raises(PrintRejected):
        printer.submit(RenderedDocument.of(b"\x89PNG", "image/png", "t", 1, 1), title="t")
