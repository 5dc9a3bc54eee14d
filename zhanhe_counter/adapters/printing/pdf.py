"""A4 document renderer (文书生成): template blocks drawn with reportlab into a PDF.

Text never goes through reportlab's Paragraph markup: our own flowable lays out plain
strings, so user text cannot inject markup (``A&B``, ``<b>`` print as typed), line starts
follow 标点禁则 (``linebreak``), and each character is drawn with the first font that has it.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from zhanhe_counter.adapters.fonts import FontFace, FontSet, resolve_fonts
from zhanhe_counter.adapters.printing import codes
from zhanhe_counter.adapters.printing.linebreak import break_lines
from zhanhe_counter.adapters.printing.templates import (
    Block,
    FieldSpec,
    FilledValues,
    Template,
    TemplateError,
    load_all,
)
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.ports.printing import PDF, PNG, RenderedDocument

log = logging.getLogger(__name__)

MARGIN_X = 20 * mm
MARGIN_TOP = 16 * mm
MARGIN_BOTTOM = 16 * mm
BODY_SIZE = 11.0
CELL_PAD = 2.2 * mm


@dataclass(frozen=True)
class TextStyle:
    face: FontFace
    size: float
    leading: float
    align: str = "left"  # left | center | right
    indent_chars: int = 0


class _Widths:
    """Advance widths per (font, size, char), cached: measuring is most of the layout time."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, float, str], float] = {}

    def __call__(self, face: FontFace, size: float, text: str) -> float:
        key = (face.name, size, text)
        width = self._cache.get(key)
        if width is None:
            width = pdfmetrics.stringWidth(text, face.name, size)
            self._cache[key] = width
        return width


_widths = _Widths()


class TextBlock(Flowable):  # type: ignore[misc]
    """Plain text laid out with Chinese line breaking and per-character font fallback."""

    def __init__(self, text: str, style: TextStyle, fonts: FontSet, where: str) -> None:
        super().__init__()
        self.text = text
        self.style = style
        self.fonts = fonts
        self.where = where
        self._lines: list[tuple[bool, str]] = []
        self._fixed = False  # a piece from split() keeps its lines

    def _measure(self, ch: str) -> float:
        face = self.fonts.face_for(ch, self.style.face, self.where)
        return _widths(face, self.style.size, ch)

    def _layout(self, avail: float) -> None:
        if self._fixed:
            return
        indent = self.style.indent_chars * self.style.size
        lines: list[tuple[bool, str]] = []
        for hard in self.text.split("\n"):
            broken = break_lines(hard, max(avail, self.style.size * 2), self._measure, indent)
            lines.extend((i == 0, line) for i, line in enumerate(broken))
        self._lines = lines

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._layout(availWidth)
        self.width = availWidth
        self.height = len(self._lines) * self.style.leading
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self._layout(availWidth)
        fit = int(availHeight // self.style.leading)
        if fit <= 0 or fit >= len(self._lines):
            return [] if fit <= 0 else [self]
        head = TextBlock("", self.style, self.fonts, self.where)
        tail = TextBlock("", self.style, self.fonts, self.where)
        head._lines, tail._lines = self._lines[:fit], self._lines[fit:]
        head._fixed = tail._fixed = True
        return [head, tail]

    def draw(self) -> None:
        style = self.style
        y = self.height - style.size * 0.88 - (style.leading - style.size) / 2
        for first, line in self._lines:
            indent = style.indent_chars * style.size if first else 0.0
            runs = self.fonts.runs(line, style.face, self.where)
            line_width = sum(_widths(face, style.size, text) for face, text in runs)
            if style.align == "center":
                x = (self.width - line_width) / 2
            elif style.align == "right":
                x = self.width - line_width
            else:
                x = indent
            for face, text in runs:
                self.canv.setFont(face.name, style.size)
                self.canv.drawString(x, y, text)
                x += _widths(face, style.size, text)
            y -= style.leading


class Checkboxes(Flowable):  # type: ignore[misc]
    """是否收费 □是 ☑否: drawn squares, because CJK fonts lack U+2610/2611."""

    def __init__(
        self,
        label: str,
        options: list[str],
        ticked: set[str],
        *,
        style: TextStyle,
        fonts: FontSet,
        where: str,
    ) -> None:
        super().__init__()
        self.label, self.options, self.ticked = label, options, ticked
        self.style, self.fonts, self.where = style, fonts, where
        self._rows: list[list[tuple[str, str]]] = []

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        size = self.style.size
        items = [("label", self.label), *(("box", o) for o in self.options)]
        rows: list[list[tuple[str, str]]] = [[]]
        x = 0.0
        for kind, text in items:
            w = self._text_width(text) + (size * 1.6 if kind == "box" else size * 0.6)
            if rows[-1] and x + w > availWidth:
                rows.append([])
                x = 0.0
            rows[-1].append((kind, text))
            x += w
        self._rows = rows
        self.width = availWidth
        self.height = len(rows) * self.style.leading
        return self.width, self.height

    def _text_width(self, text: str) -> float:
        return sum(
            _widths(face, self.style.size, t)
            for face, t in self.fonts.runs(text, self.style.face, self.where)
        )

    def draw(self) -> None:
        size = self.style.size
        y = self.height - size * 0.88 - (self.style.leading - size) / 2
        canv = self.canv
        for row in self._rows:
            x = 0.0
            for kind, text in row:
                if kind == "box":
                    box = size * 0.8
                    canv.setLineWidth(0.8)
                    canv.rect(x, y - size * 0.05, box, box, stroke=1, fill=0)
                    if text in self.ticked:
                        path = canv.beginPath()
                        path.moveTo(x + box * 0.18, y + box * 0.5)
                        path.lineTo(x + box * 0.42, y + box * 0.2)
                        path.lineTo(x + box * 0.85, y + box * 0.85)
                        canv.setLineWidth(1.4)
                        canv.drawPath(path, stroke=1, fill=0)
                    x += size * 1.05
                for face, t in self.fonts.runs(text, self.style.face, self.where):
                    canv.setFont(face.name, size)
                    canv.drawString(x, y, t)
                    x += _widths(face, size, t)
                x += size * 0.6
            y -= self.style.leading


class CodesFlowable(Flowable):  # type: ignore[misc]
    """QR code (progress query) beside the Code128 of the case number, both on whole modules."""

    QR_SIDE = 24 * mm
    BAR_MODULE = 0.30 * mm
    BAR_HEIGHT = 9 * mm  # leaves room for the link line above the bars

    def __init__(
        self,
        qr_value: str,
        bar_value: str,
        caption: str,
        *,
        style: TextStyle,
        fonts: FontSet,
        where: str,
    ) -> None:
        super().__init__()
        # No progress address configured: the case number's bar code alone, no QR code that
        # leads nowhere.
        self.qr = codes.qr_matrix(qr_value) if qr_value else None
        self.bars = codes.code128_bars(bar_value)
        self.qr_value, self.bar_value, self.caption = qr_value, bar_value, caption
        self.style, self.fonts, self.where = style, fonts, where

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.height = self.QR_SIDE
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        canv.setFillColor(colors.black)
        qr_rows = self.qr.rows if self.qr is not None else []
        module = self.QR_SIDE / ((self.qr.size if self.qr else 21) + 2 * codes.QUIET_MODULES_QR)
        origin = codes.QUIET_MODULES_QR * module
        for r, row in enumerate(qr_rows):
            c = 0
            while c < len(row):
                if row[c]:
                    start = c
                    while c < len(row) and row[c]:
                        c += 1
                    canv.rect(
                        origin + start * module,
                        self.QR_SIDE - origin - (r + 1) * module,
                        (c - start) * module,
                        module,
                        stroke=0,
                        fill=1,
                    )
                else:
                    c += 1
        total = sum(w for _b, w in self.bars) * self.BAR_MODULE
        module_w = self.BAR_MODULE
        if total > self.width - self.QR_SIDE - 10 * mm:
            module_w = (self.width - self.QR_SIDE - 10 * mm) / sum(w for _b, w in self.bars)
        x = self.QR_SIDE + 10 * mm
        bar_y = 6 * mm
        for is_bar, w in self.bars:
            if is_bar:
                canv.rect(x, bar_y, w * module_w, self.BAR_HEIGHT, stroke=0, fill=1)
            x += w * module_w
        text_x = self.QR_SIDE + 10 * mm
        small = self.style.size * 0.85
        canv.setFont(self.style.face.name, small)
        canv.drawString(text_x, bar_y - small - 1, self.bar_value)
        # The link in words too, for whoever cannot scan.
        canv.setFont(self.style.face.name, small)
        canv.drawString(text_x, self.QR_SIDE - 2.4 * small, self.qr_value)
        if self.caption and self.qr is not None:
            x = text_x
            for face, t in self.fonts.runs(self.caption, self.style.face, self.where):
                canv.setFont(face.name, small)
                canv.drawString(x, self.QR_SIDE - small, t)
                x += _widths(face, small, t)


class SealArea(Flowable):  # type: ignore[misc]
    """Where the office's seal goes: a dashed circle over the issuer's name and the date."""

    DIAMETER = 34 * mm

    def __init__(self, lines: list[str], style: TextStyle, fonts: FontSet, where: str) -> None:
        super().__init__()
        self.lines, self.style, self.fonts, self.where = lines, style, fonts, where

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = availWidth, self.DIAMETER + 2 * mm
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        cx, cy = self.width - self.DIAMETER / 2 - 8 * mm, self.height / 2
        canv.saveState()
        canv.setDash(3, 3)
        canv.setStrokeColor(colors.grey)
        canv.setLineWidth(0.6)
        canv.circle(cx, cy, self.DIAMETER / 2, stroke=1, fill=0)
        canv.restoreState()
        size = self.style.size
        y = cy + (len(self.lines) - 1) * self.style.leading / 2 - size * 0.35
        for line in self.lines:
            runs = self.fonts.runs(line, self.style.face, self.where)
            width = sum(_widths(f, size, t) for f, t in runs)
            x = min(cx - width / 2, self.width - width)
            for face, t in runs:
                canv.setFont(face.name, size)
                canv.drawString(x, y, t)
                x += _widths(face, size, t)
            y -= self.style.leading


class Rule(Flowable):  # type: ignore[misc]
    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = availWidth, 3 * mm
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setLineWidth(0.8)
        self.canv.line(0, self.height / 2, self.width, self.height / 2)


def _numbered_canvas(font: str, counter: list[int]) -> type[Canvas]:
    """A canvas that writes 第 N 页 共 M 页 once the page count is known (only if M > 1)."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            counter.append(total)
            for state in self._pages:
                self.__dict__.update(state)
                if total > 1:
                    self.setFont(font, 9)
                    self.drawCentredString(
                        A4[0] / 2, 10 * mm, f"第 {self._pageNumber} 页  共 {total} 页"
                    )
                super().showPage()
            super().save()

    return NumberedCanvas


#: Blocks a seal keeps on its page: back to (and including) the last text it seals.
_SEALED_WITH = frozenset({"paragraph", "relief", "list", "signature", "codes", "checkboxes"})
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


class _Builder:
    """Turns one template's blocks, filled with checked values, into flowables."""

    def __init__(self, template: Template, values: FilledValues, fonts: FontSet) -> None:
        self.t, self.v, self.fonts = template, values, fonts
        body, heading = fonts.body, fonts.heading
        self.body = TextStyle(body, BODY_SIZE, BODY_SIZE * 1.6)
        self.cell = TextStyle(body, 10.5, 10.5 * 1.45)
        self.cell_head = TextStyle(heading, 10.5, 10.5 * 1.45, align="center")
        self.title = TextStyle(heading, 20, 27, align="center")
        self.small = TextStyle(body, 9, 13)
        self.width = A4[0] - 2 * MARGIN_X

    def text(self, text: str, style: TextStyle, block: Block) -> TextBlock:
        return TextBlock(text, style, self.fonts, f"{self.t.id} 第{block.index}块")

    def build(self) -> list[Flowable]:
        """The flowables; the seal is kept on one page with the blocks it seals (the text
        just before it, up to the last paragraph or relief clause), so a seal never stands
        alone on a page of its own."""
        groups: list[tuple[str, list[Flowable]]] = []
        for block in self.t.blocks:
            if not self.v.shows(block):
                continue
            flowables = getattr(self, f"block_{block.kind}")(block)
            if block.kind != "seal":
                groups.append((block.kind, flowables))
                continue
            sealed: list[Flowable] = []
            while groups and groups[-1][0] in _SEALED_WITH:
                kind, previous = groups.pop()
                # A nested KeepTogether reports a huge height to force its own split, which
                # would push the whole group to a new page: keep its content, not the wrapper.
                sealed[:0] = [
                    inner
                    for f in previous
                    for inner in (f._content if isinstance(f, KeepTogether) else [f])
                ]
                if kind in ("paragraph", "relief", "list"):
                    break
            groups.append(("seal", [KeepTogether([*sealed, *flowables])]))
        return [f for _kind, flowables in groups for f in flowables]

    def block_title(self, b: Block) -> list[Flowable]:
        out: list[Flowable] = [self.text(self.v.format(b.spec["text"]), self.title, b)]
        if "subtitle" in b.spec:
            style = TextStyle(self.fonts.body, 11, 18, align="center")
            out.append(self.text(self.v.format(b.spec["subtitle"]), style, b))
        out.append(Spacer(1, 4 * mm))
        return out

    def block_paragraph(self, b: Block) -> list[Flowable]:
        size = float(b.get("size", BODY_SIZE))
        face = self.fonts.heading if b.get("bold") else self.fonts.body
        style = TextStyle(face, size, size * 1.6, b.get("align", "left"), int(b.get("indent", 2)))
        return [self.text(self.v.format(b.spec["text"]), style, b), Spacer(1, 1.5 * mm)]

    def block_relief(self, b: Block) -> list[Flowable]:
        style = TextStyle(self.fonts.body, BODY_SIZE, BODY_SIZE * 1.7, indent_chars=2)
        table = Table(
            [[self.text(self.v.format(b.spec["text"]), style, b)]], colWidths=[self.width]
        )
        table.setStyle(self._grid(box_only=True))
        return [table, Spacer(1, 3 * mm)]

    def block_footer(self, b: Block) -> list[Flowable]:
        return [Spacer(1, 2 * mm), self.text(self.v.format(b.spec["text"]), self.small, b)]

    def block_rule(self, _b: Block) -> list[Flowable]:
        return [Rule()]

    def block_spacer(self, b: Block) -> list[Flowable]:
        return [Spacer(1, float(b.get("height_mm", 4)) * mm)]

    def block_page_break(self, _b: Block) -> list[Flowable]:
        return [PageBreak()]

    def _grid(self, box_only: bool = False, header: bool = False) -> TableStyle:
        commands: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), self.fonts.body.name),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5 * mm),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5 * mm),
        ]
        if box_only:
            commands.append(("BOX", (0, 0), (-1, -1), 0.8, colors.black))
        else:
            commands.append(("GRID", (0, 0), (-1, -1), 0.6, colors.black))
        if header:
            commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)))
        return TableStyle(commands)

    def block_kv_table(self, b: Block) -> list[Flowable]:
        pairs_per_row = 2 if int(b.get("columns", 2)) == 4 else 1
        label_w = float(b.get("label_width_mm", 28)) * mm
        value_w = (self.width - pairs_per_row * label_w) / pairs_per_row
        cells: list[tuple[str, str]] = []
        for row in b.spec["rows"]:
            for i in range(0, len(row), 2):
                label, value = row[i], row[i + 1] if i + 1 < len(row) else ""
                names = _PLACEHOLDER.findall(value)
                if names and not any(self.v.present(n) for n in names):
                    continue  # an optional item not given: leave the row out
                cells.append((self.v.format(label), self.v.format(value)))
        if not cells:
            return []
        data: list[list[Flowable]] = []
        for i in range(0, len(cells), pairs_per_row):
            row_cells: list[Flowable] = []
            chunk = cells[i : i + pairs_per_row]
            for label, value in chunk:
                row_cells += [self.text(label, self.cell, b), self.text(value, self.cell, b)]
            while len(row_cells) < 2 * pairs_per_row:
                row_cells.append(self.text("", self.cell, b))
            data.append(row_cells)
        widths = [label_w, value_w] * pairs_per_row
        table = Table(data, colWidths=widths)
        style = self._grid()
        for col in range(0, 2 * pairs_per_row, 2):
            style.add("BACKGROUND", (col, 0), (col, -1), colors.Color(0.95, 0.95, 0.95))
        table.setStyle(style)
        return [table, Spacer(1, 3 * mm)]

    def block_table(self, b: Block) -> list[Flowable]:
        spec = self.t.fields[b.spec["source"]]
        rows = self.v.table(spec.key)
        numbered = bool(b.get("numbered", True))
        header = (["序号"] if numbered else []) + [c.label for c in spec.columns]
        data: list[list[Flowable]] = [[self.text(h, self.cell_head, b) for h in header]]
        for number, row in enumerate(rows, start=1):
            cells = ([str(number)] if numbered else []) + row
            data.append([self.text(c, self.cell, b) for c in cells])
        if not rows:
            data.append(
                [self.text("（无）", self.cell, b)]
                + [self.text("", self.cell, b)] * (len(header) - 1)
            )
        if "col_widths_mm" in b.spec:
            widths = [float(w) * mm for w in b.spec["col_widths_mm"]]
            scale = self.width / sum(widths)
            widths = [w * scale for w in widths]
        else:
            first = 12 * mm if numbered else 0
            rest = (self.width - first) / len(spec.columns)
            widths = ([first] if numbered else []) + [rest] * len(spec.columns)
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(self._grid(header=True))
        out: list[Flowable] = []
        if "caption" in b.spec:
            out.append(
                self.text(
                    self.v.format(b.spec["caption"]),
                    TextStyle(self.fonts.heading, BODY_SIZE, BODY_SIZE * 1.7),
                    b,
                )
            )
        return [*out, table, Spacer(1, 3 * mm)]

    def block_list(self, b: Block) -> list[Flowable]:
        key = b.spec["source"]
        value = self.v.shown[key]
        items = value if isinstance(value, list) else [value]
        out: list[Flowable] = []
        if "caption" in b.spec:
            out.append(self.text(self.v.format(b.spec["caption"]), self.body, b))
        style = TextStyle(self.fonts.body, BODY_SIZE, BODY_SIZE * 1.7, indent_chars=2)
        numbered = bool(b.get("numbered", True))
        for number, item in enumerate(items, start=1):
            text = f"{number}. {item}" if numbered else item
            out.append(self.text(text, style, b))
        out.append(Spacer(1, 1.5 * mm))
        return out

    def block_checkboxes(self, b: Block) -> list[Flowable]:
        value = self.v.shown[b.spec["source"]]
        ticked = set(value) if isinstance(value, list) else {value}
        options = [self.v.format(o) for o in b.spec["options"]]
        return [
            Checkboxes(
                self.v.format(b.spec["label"]),
                options,
                ticked,
                style=self.body,
                fonts=self.fonts,
                where=f"{self.t.id} 第{b.index}块",
            ),
            Spacer(1, 1.5 * mm),
        ]

    def block_codes(self, b: Block) -> list[Flowable]:
        flowable = CodesFlowable(
            self.v.format(b.spec["qr"]),
            self.v.format(b.spec["code128"]),
            self.v.format(b.get("caption", "")),
            style=self.body,
            fonts=self.fonts,
            where=f"{self.t.id} 第{b.index}块",
        )
        return [flowable, Spacer(1, 3 * mm)]

    def block_signature(self, b: Block) -> list[Flowable]:
        left = [self.v.format(s) for s in b.spec["left"]]
        right = [self.v.format(s) for s in b.get("right", [])]
        height = max(len(left), len(right))
        data: list[list[Flowable]] = []
        for i in range(height):
            row = [
                self.text(left[i] if i < len(left) else "", self.body, b),
                self.text("", self.body, b),
            ]
            if right:
                row += [
                    self.text(right[i] if i < len(right) else "", self.body, b),
                    self.text("", self.body, b),
                ]
            data.append(row)
        unit = self.width / (2 if right else 1)
        widths = [unit * 0.45, unit * 0.55] * (2 if right else 1)
        table = Table(data, colWidths=widths, rowHeights=[10 * mm] * height)
        style = TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), self.fonts.body.name),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
        for i in range(height):
            if i < len(left):
                style.add("LINEBELOW", (1, i), (1, i), 0.7, colors.black)
            if right and i < len(right):
                style.add("LINEBELOW", (3, i), (3, i), 0.7, colors.black)
        table.setStyle(style)
        return [KeepTogether([Spacer(1, 2 * mm), table]), Spacer(1, 3 * mm)]

    def block_seal(self, b: Block) -> list[Flowable]:
        lines = [self.v.format(b.spec["issuer"]), self.v.format(b.spec["date"])]
        if "note" in b.spec:
            lines.insert(1, self.v.format(b.spec["note"]))
        return [SealArea(lines, self.body, self.fonts, f"{self.t.id} 第{b.index}块")]


def render_template_pdf(
    template: Template, values: Mapping[str, Any], fonts: FontSet
) -> RenderedDocument:
    """Check ``values`` and render an A4 template to PDF."""
    filled = template.check(values).mapped(fonts.printable)
    story = _Builder(template, filled, fonts).build()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"{template.title}",
        author="湛河区政务服务综合窗口",
        creator=f"zhanhe_counter {template.id}@{template.version}",
        initialFontName=fonts.body.name,
        initialFontSize=BODY_SIZE,
        invariant=True,  # same input, same bytes: the hash identifies the document
    )
    pages: list[int] = []
    doc.build(story, canvasmaker=_numbered_canvas(fonts.body.name, pages))
    return RenderedDocument.of(buffer.getvalue(), PDF, template.id, template.version, pages[-1])


class FormRenderer:
    """The counter's ``DocumentRenderer``: templates from ``forms/``, fonts from the resolver."""

    def __init__(
        self,
        templates: Mapping[str, Template] | None = None,
        fonts: FontSet | None = None,
        forms: Path | None = None,
    ) -> None:
        self.templates = dict(templates) if templates is not None else load_all(forms)
        self.fonts = fonts or resolve_fonts()

    def template(self, kind: DocumentKind | str) -> Template:
        key = str(kind)
        if key not in self.templates:
            raise TemplateError(Path(f"{key}.toml"), "", "template not found", "找不到此文书模板")
        return self.templates[key]

    def render_pdf(self, kind: DocumentKind | str, values: Mapping[str, Any]) -> RenderedDocument:
        template = self.template(kind)
        if template.paper == "80mm":
            from zhanhe_counter.adapters.printing import ticket

            return ticket.render_ticket_pdf(template, values, self.fonts)
        return render_template_pdf(template, values, self.fonts)

    def warm_up(self) -> None:
        """Render every template once with placeholder values and throw the result away.

        The first document after start otherwise pays for what only the first one needs (the
        ticket module, reportlab's first pages, the glyph widths of the common wording): run
        it in the background once the window shows, so the first applicant waits no longer
        than the second.
        """
        for template in self.templates.values():
            values = {key: _placeholder(spec) for key, spec in template.fields.items()}
            try:
                self.render_pdf(template.id, values)
                if template.paper == "80mm":
                    self.render_raster(template.id, values)
            except DomainError as error:  # a warm-up never stops the counter
                log.info("warm-up render of %s skipped: %s", template.id, error)

    def render_raster(
        self, kind: DocumentKind | str, values: Mapping[str, Any]
    ) -> RenderedDocument:
        from zhanhe_counter.adapters.printing import ticket

        template = self.template(kind)
        image = ticket.render_ticket_image(template, values, self.fonts)
        return RenderedDocument.of(ticket.png_bytes(image), PNG, template.id, template.version, 1)


#: Wording for the warm-up's placeholders: the characters most documents print; numbers, codes
#: and addresses get ASCII (a case number also goes into a Code128).
_PLACEHOLDER_TEXT = "湛河区政务服务中心申请人受理通知书年月日"
_PLACEHOLDER_CODE = "ZH01-20260105-0001"
_CODE_KEYS = ("no", "code", "url", "phone", "id")


def _placeholder(spec: FieldSpec) -> Any:
    """A value ``spec`` accepts, for :meth:`FormRenderer.warm_up`."""
    words = spec.key.split("_")
    plain = _PLACEHOLDER_CODE if any(w in _CODE_KEYS for w in words) else _PLACEHOLDER_TEXT
    text = spec.choices[0] if spec.choices else plain[: max(1, spec.max_length)]
    if spec.type == "int":
        return 1
    if spec.type == "date":
        return "2026-01-05"
    if spec.type == "datetime":
        return "2026-01-05T09:30"
    if spec.type == "list":
        return [text]
    if spec.type == "table":
        return [{column.key: "1" for column in spec.columns}]
    return text
