"""ESC/POS byte streams for thermal printers (热敏打印机指令编码).

Image mode is the default: every character the renderer can draw prints, whatever font ROM the
printer has. GBK text mode is an opt-in per printer; it is much smaller on the wire (serial
printers at 9600 baud) but only prints what the printer's font ROM holds.

The raster is written as ``GS v 0`` bands by hand rather than through python-escpos: the bytes
must not depend on a printer profile's width table, and they are checked by an independent
parser in the tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from PIL import Image

from zhanhe_counter.domain.errors import DomainError

ESC = b"\x1b"
GS = b"\x1d"
FS = b"\x1c"
INIT = ESC + b"@"
CHINESE_MODE_ON = FS + b"&"
CHINESE_MODE_OFF = FS + b"."
LF = b"\n"

# Small bands keep cheap 58 mm clones with tiny receive buffers from dropping rows.
BAND_ROWS = 256
BLACK_THRESHOLD = 128  # luminance below this prints as a dot

PAPER_WIDTH_DOTS = {"80mm": 576, "58mm": 384}


class CutMode(StrEnum):
    """切纸方式."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


class TextModeUnsupported(DomainError):
    """文字模式无法打印的字符: the printer's font ROM cannot hold this text."""

    def __init__(self, character: str, codec: str) -> None:
        super().__init__(
            f"character U+{ord(character):04X} is not in {codec}",
            f"该打印机的文字模式无法打印“{character}”，请在打印机设置中改用图像模式。",
        )
        self.character = character


class ImageTooWide(DomainError):
    """图像超出纸宽."""

    def __init__(self, width: int, max_width: int) -> None:
        super().__init__(
            f"raster is {width} dots wide, the paper takes {max_width}",
            f"小票图像宽度 {width} 点，超过打印纸宽度 {max_width} 点。",
        )


def to_bitmap(image: Image.Image) -> Image.Image:
    """The 1-bit image that will be printed: a plain threshold, so text edges stay crisp."""
    grey = image.convert("L") if image.mode != "L" else image
    if "A" in image.getbands():
        # Transparent pixels are paper, not ink: composite on white before thresholding.
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        grey = Image.alpha_composite(white, image.convert("RGBA")).convert("L")
    return grey.point(lambda v: 255 if v >= BLACK_THRESHOLD else 0, mode="1")


def raster_bands(image: Image.Image) -> bytes:
    """``GS v 0`` commands for ``image``; no init, feed or cut."""
    bitmap = to_bitmap(image)
    width, height = bitmap.size
    width_bytes = (width + 7) // 8
    # PIL's "1" mode packs 0 for black; ESC/POS wants 1 for a dot, so invert after padding.
    padded = Image.new("1", (width_bytes * 8, height), 1)
    padded.paste(bitmap, (0, 0))
    packed = bytes(b ^ 0xFF for b in padded.tobytes())
    out = bytearray()
    for top in range(0, height, BAND_ROWS):
        rows = min(BAND_ROWS, height - top)
        out += GS + b"v0\x00"
        out += bytes((width_bytes & 0xFF, width_bytes >> 8, rows & 0xFF, rows >> 8))
        out += packed[top * width_bytes : (top + rows) * width_bytes]
    return bytes(out)


def finish(cut: CutMode, feed_lines: int) -> bytes:
    """Feed the paper past the cutter, then cut."""
    out = ESC + b"d" + bytes((max(0, min(feed_lines, 255)),))
    if cut is CutMode.FULL:
        out += GS + b"V\x00"
    elif cut is CutMode.PARTIAL:
        out += GS + b"V\x01"
    return out


def encode_raster(
    image: Image.Image,
    *,
    max_width: int = PAPER_WIDTH_DOTS["80mm"],
    cut: CutMode = CutMode.PARTIAL,
    feed_lines: int = 4,
) -> bytes:
    """A whole ticket in image mode: init, raster bands, feed, cut."""
    if image.width > max_width:
        raise ImageTooWide(image.width, max_width)
    return INIT + raster_bands(image) + finish(cut, feed_lines)


def encode_text_line(text: str, codec: str = "gbk") -> bytes:
    """One line in the printer's Chinese mode, or :class:`TextModeUnsupported`."""
    try:
        body = text.encode(codec)
    except UnicodeEncodeError as error:
        raise TextModeUnsupported(text[error.start], codec) from error
    return body + LF


def encode_text_gbk(
    lines: Iterable[str],
    *,
    codec: str = "gbk",
    cut: CutMode = CutMode.PARTIAL,
    feed_lines: int = 4,
) -> bytes:
    """A whole ticket in text mode (``FS &`` … ``FS .``); every line must fit the codec.

    Never relies on python-escpos "magic encode", which sends GB18030 without switching the
    printer to Chinese mode and turns punctuation-only lines into ``???``.
    """
    body = b"".join(encode_text_line(line.rstrip("\r\n"), codec) for line in lines)
    return INIT + CHINESE_MODE_ON + body + CHINESE_MODE_OFF + finish(cut, feed_lines)
