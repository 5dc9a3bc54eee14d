"""Warm render time per document, as a ratio to drawing the same text on a bare reportlab canvas."""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from zhanhe_counter.adapters.printing.pdf import FormRenderer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"
ROUNDS = 3


def median_seconds(fn: Callable[[], object]) -> float:
    fn()  # warm: fonts registered, glyph widths cached
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bare_canvas(lines: list[str], font: str) -> bytes:
    """The floor: the same text, same embedded font, one drawString per line, no layout."""
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


@pytest.mark.bench
def test_bench_render_each_form_vs_bare_canvas(tmp_path: Path) -> None:
    renderer = FormRenderer()
    ratios = []
    for template in sorted(renderer.templates.values(), key=lambda t: t.id):
        values = json.loads((FIXTURES / f"{template.id}.json").read_text(encoding="utf-8"))
        doc = renderer.render_pdf(template.id, values)
        path = tmp_path / f"{template.id}.pdf"
        path.write_bytes(doc.content)
        text = subprocess.run(
            ["pdftotext", path, "-"], capture_output=True, text=True, check=True
        ).stdout
        lines = [line for line in text.splitlines() if line.strip()]
        assert lines
        ours = median_seconds(lambda t=template.id, v=values: renderer.render_pdf(t, v))
        floor = median_seconds(lambda ls=lines: bare_canvas(ls, renderer.fonts.body.name))
        ratio = ours / floor
        ratios.append(ratio)
        print(
            f"BENCH render {template.id}: {ours * 1000:.1f} ms warm, "
            f"{len(''.join(lines))} chars, {doc.page_count} page(s); "
            f"ratio={ratio:.2f} vs bare reportlab canvas ({floor * 1000:.1f} ms)"
        )
    print(f"BENCH render median ratio={statistics.median(ratios):.2f} vs bare reportlab canvas")
