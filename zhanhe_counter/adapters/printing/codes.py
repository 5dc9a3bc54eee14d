"""QR code and Code128 (二维码、条形码) as module patterns, drawable on a PDF page or a bitmap.

reportlab's own encoders compute the patterns; drawing them ourselves keeps the A4 forms and
the thermal ticket pixel-exact on whole modules, which is what scanners need.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from reportlab.graphics.barcode import code128, qr

from zhanhe_counter.domain.errors import DomainError

QUIET_MODULES_QR = 4  # the standard's quiet zone
QUIET_MODULES_128 = 10


class CodeError(DomainError):
    """A value that cannot be put in a code (无法生成条码)."""


@dataclass(frozen=True)
class QrMatrix:
    """二维码 modules, ``True`` = dark; no quiet zone."""

    rows: tuple[tuple[bool, ...], ...]

    @property
    def size(self) -> int:
        return len(self.rows)


@lru_cache(maxsize=64)
def qr_matrix(value: str, level: str = "M") -> QrMatrix:
    """The QR symbol for ``value`` (UTF-8 bytes, error correction ``level``).

    Cached: reportlab's encoder is pure Python (most of a receipt's render time), and a case's
    documents, tickets and reprints carry the same progress address. The matrix is immutable.
    """
    if not value:
        raise CodeError("empty QR value", "二维码内容为空")
    # Encode as bytes so scanners read back exactly the UTF-8 text we put in.
    widget = qr.QrCodeWidget(value, barLevel=level)
    encoder = widget.qr
    encoder.dataList = []
    encoder.addData(qr.qrencoder.QR8bitByte(value))
    try:
        encoder.make()
    # reportlab's encoder raises a bare Exception ("code length overflow") for too much data.
    except Exception as error:
        raise CodeError(f"QR encode failed: {error}", "二维码内容过长，无法生成") from None
    return QrMatrix(tuple(tuple(bool(m) for m in row) for row in encoder.modules))


def code128_bars(value: str) -> list[tuple[bool, int]]:
    """Code128 as (is_bar, width in modules) runs, start to stop, no quiet zone."""
    if not value or not value.isascii() or not value.isprintable():
        raise CodeError(
            f"Code128 needs printable ASCII, got {len(value)} chars",
            "条形码内容只能是字母、数字和符号",
        )
    symbol = code128.Code128(value)
    symbol.validate()
    symbol.encode()
    pattern = symbol.decompose()
    # decompose() spells bars as A-D and spaces as a-d (widths 1-4 modules).
    return [(ch.isupper(), ord(ch.lower()) - ord("a") + 1) for ch in pattern if ch.isalpha()]
