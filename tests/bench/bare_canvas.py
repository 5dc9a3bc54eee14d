"""The render benchmark's floor, run in its own process: reportlab as installed, nothing of the
client imported (the client tunes reportlab's subsetting and compression process-wide, which
would speed up the floor too).

Reads ``{"font": path, "index": n, "rounds": r, "forms": {id: [line, ...]}}`` as JSON on stdin
and prints ``{id: median seconds}``.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import time

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT = "bare-body"


def bare_canvas(lines: list[str], font: str = FONT) -> bytes:
    """The same text, same embedded font, one drawString per line, no layout."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True, initialFontName=font)
    y = A4[1] - 20 * mm
    for line in lines:
        if y < 20 * mm:
            canvas.showPage()
            y = A4[1] - 20 * mm
        canvas.setFont(font, 11)
        canvas.drawString(20 * mm, y, line)
        y -= 17
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def median_seconds(lines: list[str], rounds: int) -> float:
    bare_canvas(lines)  # warm: glyph widths cached
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        bare_canvas(lines)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    job = json.load(sys.stdin)
    pdfmetrics.registerFont(TTFont(FONT, job["font"], subfontIndex=job["index"]))
    medians = {form: median_seconds(lines, job["rounds"]) for form, lines in job["forms"].items()}
    json.dump(medians, sys.stdout)


if __name__ == "__main__":
    main()
