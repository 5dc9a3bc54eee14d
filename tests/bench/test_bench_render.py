"""Warm render time per document, as a ratio to drawing the same text on a bare reportlab canvas
(in its own process, reportlab as installed: ``bare_canvas``)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from zhanhe_counter.adapters.fonts import FontFace
from zhanhe_counter.adapters.printing.pdf import FormRenderer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"
ROUNDS = 5


def median_seconds(fn: Callable[[], object]) -> float:
    fn()  # warm: fonts registered, glyph widths cached
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bare_canvas_seconds(forms: dict[str, list[str]], font: FontFace) -> dict[str, float]:
    """The floor per form, measured in a fresh process with reportlab as installed."""
    job = {"font": str(font.path), "index": font.index, "rounds": ROUNDS, "forms": forms}
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.bare_canvas"],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=root,
    )
    floors: dict[str, float] = json.loads(done.stdout)
    return floors


@pytest.mark.bench
def test_bench_render_each_form_vs_bare_canvas(tmp_path: Path) -> None:
    renderer = FormRenderer()
    ratios = []
    forms, docs, ours = {}, {}, {}
    for template in sorted(renderer.templates.values(), key=lambda t: t.id):
        values = json.loads((FIXTURES / f"{template.id}.json").read_text(encoding="utf-8"))
        doc = renderer.render_pdf(template.id, values)
        path = tmp_path / f"{template.id}.pdf"
        path.write_bytes(doc.content)
        text = subprocess.run(
            ["pdftotext", path, "-"], capture_output=True, text=True, check=True
        ).stdout
        forms[template.id] = [line for line in text.splitlines() if line.strip()]
        assert forms[template.id]
        docs[template.id] = doc
        ours[template.id] = median_seconds(
            lambda t=template.id, v=values: renderer.render_pdf(t, v)
        )
    floors = bare_canvas_seconds(forms, renderer.fonts.body)
    for form, lines in forms.items():
        doc, floor = docs[form], floors[form]
        ratio = ours[form] / floor
        ratios.append(ratio)
        print(
            f"BENCH render {form}: {ours[form] * 1000:.1f} ms warm, "
            f"{len(''.join(lines))} chars, {doc.page_count} page(s); "
            f"ratio={ratio:.2f} vs bare reportlab canvas ({floor * 1000:.1f} ms)"
        )
    print(f"BENCH render median ratio={statistics.median(ratios):.2f} vs bare reportlab canvas")


def _first_and_second(mode: str) -> dict[str, float]:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.first_render", mode],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        cwd=root,
    )
    times: dict[str, float] = json.loads(done.stdout)
    return times


@pytest.mark.bench
def test_the_first_document_after_start_is_as_fast_as_the_second() -> None:
    """The window warms the renderer up once it shows (``FormRenderer.warm_up``): the first
    applicant's receipt and ticket then take about as long as the second applicant's. Each in
    a fresh process; a cold one (no warm-up) is printed beside for comparison. Best of two."""
    warm = [_first_and_second("warm") for _ in range(2)]
    cold = _first_and_second("cold")
    first = min(run["first"] for run in warm)
    second = min(run["second"] for run in warm)
    print(
        f"BENCH first_document warm: first case {first * 1000:.1f} ms, second "
        f"{second * 1000:.1f} ms ratio={first / second:.2f}; without the warm-up: first "
        f"{cold['first'] * 1000:.1f} ms, second {cold['second'] * 1000:.1f} ms "
        f"ratio={cold['first'] / cold['second']:.2f}"
    )
    # Close, not equal: the first case's own characters still need their glyph widths.
    assert first <= 1.5 * second + 0.010
