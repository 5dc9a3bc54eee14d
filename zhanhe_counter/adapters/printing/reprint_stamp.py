"""The 补打 stamp (补打标记): stored bytes again, visibly marked as a reprint, never re-rendered.

A PDF gets a red stamp merged onto every page (pypdf); a ticket image gets a band on top; raw
ESC/POS bytes get a small raster band in front; a text ticket gets a first line. The wording,
template and fonts of the original stay exactly as they were printed the first time.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from zhanhe_counter.adapters.printing import escpos_encode
from zhanhe_counter.domain.errors import DomainError

REPRINT_LABEL = "补打"

# Pillow reads CFF/OTF CJK fonts (reportlab cannot), so the stamp can use any CJK face.
_FONT_CANDIDATES = (
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
_SC_INDEX = {"NotoSansCJK": 2}  # the Simplified Chinese face inside the Noto collections


class StampError(DomainError):
    """无法加盖补打标记."""


def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    """A CJK font for Pillow drawing, or :class:`StampError` naming what to install."""
    for candidate in _FONT_CANDIDATES:
        if sys.platform != "win32" and candidate.startswith("C:"):
            continue
        path = Path(candidate)
        if not path.is_file():
            continue
        index = next((i for key, i in _SC_INDEX.items() if key in path.name), 0)
        try:
            return ImageFont.truetype(str(path), size, index=index)
        except OSError:
            continue
    raise StampError(
        "no CJK font found for Pillow",
        "找不到中文字体，无法生成补打标记或测试页（请安装黑体/宋体或 fonts-noto-cjk）。",
    )


def label_image(label: str, *, height: int, ink: tuple[int, int, int, int]) -> Image.Image:
    """``label`` in a rounded box on a transparent background."""
    font = cjk_font(int(height * 0.62))
    left, top, right, bottom = font.getbbox(label)
    pad = height // 6
    width = int(right - left) + 4 * pad
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    line = max(2, height // 16)
    draw.rounded_rectangle((0, 0, width - 1, height - 1), radius=pad, outline=ink, width=line)
    x = (width - (right - left)) // 2 - left
    y = (height - (bottom - top)) // 2 - top
    draw.text((x, y), label, font=font, fill=ink)
    return image


def stamp_pdf(content: bytes, label: str = REPRINT_LABEL) -> bytes:
    """Every page of the PDF with a red ``label`` stamp in its top-right corner."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    try:
        writer = PdfWriter(clone_from=io.BytesIO(content))
    except Exception as error:
        raise StampError(
            f"stored PDF unreadable: {error}", "存档的文书已损坏，无法补打。"
        ) from error
    stamp = label_image(label, height=120, ink=(200, 0, 0, 255))
    overlays: dict[tuple[float, float], object] = {}
    for page in writer.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        key = (width, height)
        if key not in overlays:
            buffer = io.BytesIO()
            c = canvas.Canvas(buffer, pagesize=key)
            stamp_w = 72.0 * stamp.width / stamp.height * 0.5  # 0.5 inch high
            c.drawImage(
                ImageReader(stamp),
                width - stamp_w - 36,
                height - 36 - 36,
                width=stamp_w,
                height=36,
                mask="auto",
            )
            c.save()
            overlays[key] = PdfReader(io.BytesIO(buffer.getvalue())).pages[0]
        page.merge_page(overlays[key])  # type: ignore[arg-type]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def stamp_band(width: int, label: str = REPRINT_LABEL) -> Image.Image:
    """A white band ``width`` dots wide with ``【label】`` centred, for receipt paper."""
    band = Image.new("RGB", (width, 72), "white")
    mark = label_image(label, height=60, ink=(0, 0, 0, 255))
    band.paste(mark, ((width - mark.width) // 2, 6), mark)
    return band


def stamp_png(content: bytes, label: str = REPRINT_LABEL) -> bytes:
    """The ticket image with a 补打 band added on top (same width)."""
    try:
        original = Image.open(io.BytesIO(content))
        original.load()
    except OSError as error:
        raise StampError(
            f"stored image unreadable: {error}", "存档的小票已损坏，无法补打。"
        ) from error
    band = stamp_band(original.width, label)
    combined = Image.new("RGB", (original.width, band.height + original.height), "white")
    combined.paste(band, (0, 0))
    combined.paste(original.convert("RGB"), (0, band.height))
    out = io.BytesIO()
    combined.convert("1", dither=Image.Dither.NONE).save(out, format="PNG")
    return out.getvalue()


def stamp_escpos(content: bytes, label: str = REPRINT_LABEL, *, width: int = 384) -> bytes:
    """Raw ESC/POS bytes with a 补打 raster band printed first (no cut in between)."""
    prefix = escpos_encode.INIT + escpos_encode.raster_bands(stamp_band(width, label))
    return prefix + content


def stamp_document(content: bytes, mime: str, label: str = REPRINT_LABEL) -> bytes:
    """The stamped bytes for a stored document of type ``mime``."""
    kind = mime.split(";", maxsplit=1)[0].strip()
    if kind == "application/pdf":
        return stamp_pdf(content, label)
    if kind == "image/png":
        return stamp_png(content, label)
    if kind == "application/vnd.escpos":
        return stamp_escpos(content, label)
    if kind == "text/plain":
        return f"【{label}】\n".encode() + content
    raise StampError(f"cannot stamp {mime}", f"该类文书（{mime}）不支持补打。")
