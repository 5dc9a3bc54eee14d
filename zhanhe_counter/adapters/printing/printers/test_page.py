"""The installer's test page (打印测试页): rare characters, a QR code and a Code128 barcode.

Drawn with Pillow, independent of the document templates, so it also works before any template
is configured. The person installing a counter PC scans the codes and checks the rare names.
"""

from __future__ import annotations

import io
from datetime import datetime

import barcode
import qrcode
from barcode.writer import ImageWriter
from PIL import Image, ImageDraw

from zhanhe_counter.adapters.printing.escpos_encode import PAPER_WIDTH_DOTS
from zhanhe_counter.adapters.printing.reprint_stamp import cjk_font
from zhanhe_counter.services.ports.printing import PDF, PNG, RenderedDocument

TEST_TEMPLATE_ID = "print_test"
RARE_TEXT = "张三 刘䶮 王𠈌 ￥12.00 □■"  # ExtA and ExtB names, full-width yen, drawable boxes
QR_VALUE = "ZHANHE-PRINT-TEST"
BARCODE_VALUE = "ZH-TEST-0001"
A4_DPI = 150
A4_SIZE = (1240, 1754)  # 210 x 297 mm at 150 dpi


def _qr(size: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(QR_VALUE)
    code.make(fit=True)
    image: Image.Image = code.make_image(fill_color="black", back_color="white").get_image()
    return image.convert("L").resize((size, size), Image.Resampling.NEAREST)


def _code128(dots_per_module: int, height: int) -> Image.Image:
    """Code128 with whole-dot modules: resampling bars makes them unreadable."""
    dpi = 100  # 1 mm = 100 / 25.4 dots; module widths below are chosen in whole dots
    options = {
        "module_width": dots_per_module * 25.4 / dpi,
        "module_height": height * 25.4 / dpi,
        "quiet_zone": 10 * dots_per_module * 25.4 / dpi,
        "dpi": dpi,
        "font_size": 0,
        "write_text": False,
    }
    symbol = barcode.get("code128", BARCODE_VALUE, writer=ImageWriter())
    image: Image.Image = symbol.render(options)
    return image.convert("L")


def _lines(printer_name: str, when: datetime) -> list[str]:
    return [
        "湛河区政务服务 打印测试页",
        f"打印机：{printer_name}",
        f"时间：{when:%Y-%m-%d %H:%M}",
        RARE_TEXT,
        "请用手机扫描下方二维码和条形码。",
    ]


def ticket_test_image(printer_name: str, when: datetime, *, paper: str = "80mm") -> Image.Image:
    """The thermal test ticket, as wide as the paper (576 or 384 dots)."""
    width = PAPER_WIDTH_DOTS[paper]
    font = cjk_font(26 if width >= 576 else 20)
    qr = _qr(width // 2)
    # 3-dot modules scan reliably; a 58 mm roll only has room for 2-dot ones.
    bars = _code128(3 if width >= 576 else 2, 100)
    line_h = int(font.size * 1.5)
    lines = _lines(printer_name, when)
    height = 20 + line_h * len(lines) + qr.height + bars.height + 40
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    y = 10
    for line in lines:
        draw.text((10, y), line, font=font, fill=0)
        y += line_h
    image.paste(qr, ((width - qr.width) // 2, y))
    y += qr.height + 10
    image.paste(bars, ((width - bars.width) // 2, y))
    return image


def a4_test_image(printer_name: str, when: datetime) -> Image.Image:
    """The A4 test page at 150 dpi."""
    image = Image.new("L", A4_SIZE, 255)
    draw = ImageDraw.Draw(image)
    title, body = cjk_font(56), cjk_font(36)
    lines = _lines(printer_name, when)
    draw.text((120, 140), lines[0], font=title, fill=0)
    y = 260
    for line in lines[1:]:
        draw.text((120, y), line, font=body, fill=0)
        y += 70
    # 30 mm frame: a ruler to check the printer does not scale the page.
    mm = A4_DPI / 25.4
    draw.rectangle((120, y, 120 + int(30 * mm), y + int(30 * mm)), outline=0, width=3)
    draw.text((120 + int(32 * mm), y), "此框应为 30×30 毫米", font=body, fill=0)
    y += int(40 * mm)
    qr = _qr(int(35 * mm))
    image.paste(qr, (120, y))
    bars = _code128(3, int(20 * mm))
    image.paste(bars, (120 + qr.width + 60, y + (qr.height - bars.height) // 2))
    return image


def build_test_document(printer_name: str, when: datetime, *, paper: str) -> RenderedDocument:
    """The test page for ``paper``: a PNG ticket for thermal rolls, a one-page PDF for A4."""
    out = io.BytesIO()
    if paper in PAPER_WIDTH_DOTS:
        ticket_test_image(printer_name, when, paper=paper).save(out, format="PNG")
        return RenderedDocument.of(out.getvalue(), PNG, TEST_TEMPLATE_ID, 1, 1)
    a4_test_image(printer_name, when).save(out, format="PDF", resolution=A4_DPI)
    return RenderedDocument.of(out.getvalue(), PDF, TEST_TEMPLATE_ID, 1, 1)
