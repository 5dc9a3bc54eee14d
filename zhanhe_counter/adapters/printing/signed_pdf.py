"""The applicant's signature drawn onto a rendered document (签署文书), with pypdf and reportlab.

The document is never re-rendered: its bytes stay what was printed, and the signature image goes
on top as an overlay, beside the first line whose label asks for a signature
(``承诺人（签字/盖章）``, ``领取人（签字）``), found by the text's position in the page (pypdf's
text visitor). A document without such a label gets the signature at the foot of its last page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from zhanhe_counter.domain.errors import DomainError

SIGNATURE_LABELS = ("签字", "签名")
SIGNATURE_HEIGHT = 12 * mm


@dataclass(frozen=True, slots=True)
class _Spot:
    page: int
    x: float
    y: float


def _label_spot(reader: PdfReader) -> _Spot:
    found: list[_Spot] = []
    for index, page in enumerate(reader.pages):

        def visit(
            text: str, cm: list[float], tm: list[float], _font: object, size: float, i: int = index
        ) -> None:
            if found or not any(label in text for label in SIGNATURE_LABELS):
                return
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append(_Spot(i, x + size * len(text.strip()), y - 2))

        page.extract_text(visitor_text=visit)
        if found:
            return found[0]
    last = reader.pages[-1]
    return _Spot(len(reader.pages) - 1, float(last.mediabox.width) * 0.6, 25 * mm)


def sign_pdf(pdf: bytes, signature_png: bytes) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(pdf))
        spot = _label_spot(reader)
    except (PdfReadError, ValueError, IndexError) as error:
        raise DomainError(
            f"cannot sign: not a readable PDF ({error})", "文书无法签署：文件已损坏"
        ) from error
    image = ImageReader(io.BytesIO(signature_png))
    width, height = image.getSize()
    target = reader.pages[spot.page]
    overlay = io.BytesIO()
    sheet = canvas.Canvas(
        overlay, pagesize=(float(target.mediabox.width), float(target.mediabox.height))
    )
    shown_width = SIGNATURE_HEIGHT * width / max(height, 1)
    sheet.drawImage(image, spot.x, spot.y, shown_width, SIGNATURE_HEIGHT, mask="auto")
    sheet.save()
    writer = PdfWriter(clone_from=reader)
    writer.pages[spot.page].merge_page(PdfReader(io.BytesIO(overlay.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class OverlayPdfSigner:
    """``PdfSigner`` by overlay."""

    def sign(self, pdf: bytes, signature_png: bytes) -> bytes:
        return sign_pdf(pdf, signature_png)
