"""The 80 mm thermal ticket (办件小票): one layout in printer dots, drawn as a bitmap or a PDF page.

The bitmap is 576 dots wide (72 mm printable at 203 dpi), the width ESC/POS printers take in
image mode; the print queue turns it into ``GS v 0`` bytes. Rare characters come from the
fallback fonts character by character, which Pillow would not do on its own.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from zhanhe_counter.adapters.fonts import FontFace, FontSet
from zhanhe_counter.adapters.printing import codes
from zhanhe_counter.adapters.printing.linebreak import break_lines
from zhanhe_counter.adapters.printing.templates import Block, FilledValues, Template
from zhanhe_counter.services.ports.printing import PDF, RenderedDocument

WIDTH_DOTS = 576
DPI = 203
MARGIN_DOTS = 8
PT_PER_DOT = 72 / DPI
PAPER_WIDTH_PT = 80 * mm


@dataclass(frozen=True)
class TextOp:
    x: float
    baseline: float
    face: FontFace
    size: float
    text: str


@dataclass(frozen=True)
class BoxOp:
    x: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class TicketLayout:
    """Everything to draw, in dots from the top-left corner."""

    height: int
    ops: tuple[TextOp | BoxOp, ...]


class _Layouter:
    TITLE, BODY, SMALL = 40.0, 26.0, 21.0

    def __init__(self, template: Template, values: FilledValues, fonts: FontSet) -> None:
        self.t, self.v, self.fonts = template, values, fonts
        self.ops: list[TextOp | BoxOp] = []
        self.y = float(MARGIN_DOTS)
        self.inner = WIDTH_DOTS - 2 * MARGIN_DOTS

    def width(self, text: str, face: FontFace, size: float) -> float:
        return sum(
            float(pdfmetrics.stringWidth(t, f.name, size))
            for f, t in self.fonts.runs(text, face, self.t.id)
        )

    def lines(self, text: str, face: FontFace, size: float, align: str = "left") -> None:
        def measure(ch: str) -> float:
            f = self.fonts.face_for(ch, face, self.t.id)
            return float(pdfmetrics.stringWidth(ch, f.name, size))

        leading = size * 1.35
        for hard in text.split("\n"):
            for line in break_lines(hard, self.inner, measure):
                w = self.width(line, face, size)
                x = MARGIN_DOTS + {"center": (self.inner - w) / 2, "right": self.inner - w}.get(
                    align, 0
                )
                baseline = self.y + size * 1.05
                for f, t in self.fonts.runs(line, face, self.t.id):
                    self.ops.append(TextOp(x, baseline, f, size, t))
                    x += pdfmetrics.stringWidth(t, f.name, size)
                self.y += leading

    def build(self) -> TicketLayout:
        for block in self.t.blocks:
            when = block.get("when")
            if when and not self.v.present(when):
                continue
            getattr(self, f"block_{block.kind}")(block)
        self.y += MARGIN_DOTS * 3
        return TicketLayout(int(self.y + 0.999), tuple(self.ops))

    def block_title(self, b: Block) -> None:
        self.lines(self.v.format(b.spec["text"]), self.fonts.heading, self.TITLE, "center")
        if "subtitle" in b.spec:
            self.lines(self.v.format(b.spec["subtitle"]), self.fonts.body, self.SMALL, "center")
        self.y += 8

    def block_paragraph(self, b: Block) -> None:
        size = float(b.get("size", self.BODY))
        face = self.fonts.heading if b.get("bold") else self.fonts.body
        self.lines(self.v.format(b.spec["text"]), face, size, b.get("align", "left"))
        self.y += 4

    def block_kv_table(self, b: Block) -> None:
        for row in b.spec["rows"]:
            for i in range(0, len(row), 2):
                label, value = row[i], row[i + 1] if i + 1 < len(row) else ""
                shown = self.v.format(value)
                if shown:
                    self.lines(f"{self.v.format(label)}：{shown}", self.fonts.body, self.BODY)
        self.y += 4

    def block_footer(self, b: Block) -> None:
        self.lines(self.v.format(b.spec["text"]), self.fonts.body, self.SMALL, "center")

    def block_rule(self, _b: Block) -> None:
        self.y += 6
        self.ops.append(BoxOp(MARGIN_DOTS, self.y, self.inner, 2))
        self.y += 10

    def block_spacer(self, b: Block) -> None:
        self.y += float(b.get("height_mm", 3)) * DPI / 25.4

    def block_codes(self, b: Block) -> None:
        matrix = codes.qr_matrix(self.v.format(b.spec["qr"]))
        module = 6
        side = matrix.size * module
        left = (WIDTH_DOTS - side) // 2
        top = self.y + codes.QUIET_MODULES_QR * module
        for r, row in enumerate(matrix.rows):
            c = 0
            while c < len(row):
                if row[c]:
                    start = c
                    while c < len(row) and row[c]:
                        c += 1
                    self.ops.append(
                        BoxOp(left + start * module, top + r * module, (c - start) * module, module)
                    )
                else:
                    c += 1
        self.y = top + side + codes.QUIET_MODULES_QR * module
        value = self.v.format(b.spec["code128"])
        bars = codes.code128_bars(value)
        modules = sum(w for _b, w in bars)
        bar_module = max(1, min(3, (self.inner - 2 * codes.QUIET_MODULES_128) // modules))
        x = (WIDTH_DOTS - modules * bar_module) // 2
        for is_bar, w in bars:
            if is_bar:
                self.ops.append(BoxOp(x, self.y, w * bar_module, 80))
            x += w * bar_module
        self.y += 84
        self.lines(value, self.fonts.body, self.SMALL, "center")
        if "caption" in b.spec:
            self.lines(self.v.format(b.spec["caption"]), self.fonts.body, self.SMALL, "center")


def layout_ticket(template: Template, values: Mapping[str, Any], fonts: FontSet) -> TicketLayout:
    """Check ``values`` and lay the ticket out."""
    filled = template.check(values)
    for key, shown in filled.shown.items():
        for item in shown if isinstance(shown, list) else [shown]:
            fonts.check(str(item), template.fields[key].label)
    return _Layouter(template, filled, fonts).build()


@lru_cache(maxsize=32)
def _pil_font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index)


def draw_image(layout: TicketLayout) -> Image.Image:
    """The layout as a 1-bit image, 576 dots wide."""
    image = Image.new("L", (WIDTH_DOTS, layout.height), 255)
    draw = ImageDraw.Draw(image)
    for op in layout.ops:
        if isinstance(op, BoxOp):
            draw.rectangle(
                (
                    round(op.x),
                    round(op.top),
                    round(op.x + op.width) - 1,
                    round(op.top + op.height) - 1,
                ),
                fill=0,
            )
        else:
            font = _pil_font(str(op.face.path), op.face.index, round(op.size))
            draw.text((op.x, op.baseline), op.text, font=font, fill=0, anchor="ls")
    # Thermal heads print dots, not grey: threshold once, here, so what we test is what prints.
    return image.point(lambda v: 255 if v >= 128 else 0, mode="1")


def render_ticket_image(
    template: Template, values: Mapping[str, Any], fonts: FontSet
) -> Image.Image:
    """The ticket bitmap for the ESC/POS encoder."""
    return draw_image(layout_ticket(template, values, fonts))


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False)
    return buffer.getvalue()


def render_ticket_pdf(
    template: Template, values: Mapping[str, Any], fonts: FontSet
) -> RenderedDocument:
    """The same ticket as an 80 mm wide PDF page (for preview, archive, or an A4 printer)."""
    layout = layout_ticket(template, values, fonts)
    margin_x = (PAPER_WIDTH_PT - WIDTH_DOTS * PT_PER_DOT) / 2
    height = layout.height * PT_PER_DOT + 4 * mm
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer, pagesize=(PAPER_WIDTH_PT, height), invariant=True, initialFontName=fonts.body.name
    )
    canvas.setTitle(template.title)
    canvas.setCreator(f"zhanhe_counter {template.id}@{template.version}")

    def y_of(dots: float) -> float:
        return float(height - 2 * mm - dots * PT_PER_DOT)

    for op in layout.ops:
        if isinstance(op, BoxOp):
            canvas.rect(
                margin_x + op.x * PT_PER_DOT,
                y_of(op.top + op.height),
                op.width * PT_PER_DOT,
                op.height * PT_PER_DOT,
                stroke=0,
                fill=1,
            )
        else:
            canvas.setFont(op.face.name, op.size * PT_PER_DOT)
            canvas.drawString(margin_x + op.x * PT_PER_DOT, y_of(op.baseline), op.text)
    canvas.showPage()
    canvas.save()
    return RenderedDocument.of(buffer.getvalue(), PDF, template.id, template.version, 1)
