"""PDF export (PDF导出) with reportlab and the documents' embedded CJK fonts (``resolve_fonts``).

A4 landscape. The figures do not fit one table across the page, so they are printed as two
tables (case flow; deadlines and ratings), each with the group column and the 合计 row; the
header row repeats on every page. Characters missing from the body font (rare names such as 䶮)
are drawn with a fallback face, exactly as on the printed documents.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from zhanhe_counter.adapters.export.table import ExportTable
from zhanhe_counter.adapters.fonts import FontFace, FontSet, resolve_fonts

#: Figures per table; the first table is the case flow, the second deadlines and ratings.
_SPLIT = 12
_GROUP_WIDTH = 62 * mm


class _Text:
    """Builds paragraphs whose every character has a glyph (fallback runs, escaped markup)."""

    def __init__(self, fonts: FontSet) -> None:
        self.fonts = fonts

    def markup(self, text: str, primary: FontFace) -> str:
        return "".join(
            f'<font name="{face.name}">{escape(run)}</font>'
            for face, run in self.fonts.runs(text, primary, "统计表")
        )

    def para(self, text: str, style: ParagraphStyle, heading: bool = False) -> Paragraph:
        face = self.fonts.heading if heading else self.fonts.body
        return Paragraph(self.markup(text, face), style)


def write_pdf(table: ExportTable, out: Path, fonts: FontSet | None = None) -> None:
    fonts = fonts or resolve_fonts()
    text = _Text(fonts)
    title = ParagraphStyle("title", fontName=fonts.heading.name, fontSize=15, leading=20)
    note = ParagraphStyle("note", fontName=fonts.body.name, fontSize=9, leading=12)
    head = ParagraphStyle("head", fontName=fonts.heading.name, fontSize=7.5, leading=9, alignment=1)
    cell = ParagraphStyle("cell", fontName=fonts.body.name, fontSize=8, leading=10)

    story: list[Flowable] = [text.para(table.title, title, heading=True), Spacer(1, 2 * mm)]
    story += [text.para(line, note) for line in table.notes]
    width = landscape(A4)[0] - 24 * mm
    figures = len(table.headings) - 1
    for first in range(1, figures + 1, _SPLIT):
        columns = [0, *range(first, min(first + _SPLIT, figures + 1))]
        data = [[text.para(table.headings[c], head, heading=True) for c in columns]]
        for row in (*table.rows, table.total):
            data.append([text.para(str(row[0]), cell), *(str(row[c]) for c in columns[1:])])
        figure_width = (width - _GROUP_WIDTH) / (len(columns) - 1)
        grid = Table(
            data, colWidths=[_GROUP_WIDTH, *[figure_width] * (len(columns) - 1)], repeatRows=1
        )
        grid.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), fonts.body.name),
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                    ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE7F0")),
                    ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#F2F2F2")),
                    ("FONTNAME", (1, -1), (-1, -1), fonts.heading.name),
                ]
            )
        )
        story += [Spacer(1, 4 * mm), grid]
    document = SimpleDocTemplate(
        str(out),
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=table.title,
        author="湛河区综合窗口客户端",
        initialFontName=fonts.body.name,  # else the canvas adds an unembedded Helvetica
    )
    document.build(story)
