"""The 80 mm ticket: a 576-dot 1-bit bitmap whose codes scan, and the same layout as a PDF page."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from zhanhe_counter.adapters.printing import ticket
from zhanhe_counter.adapters.printing.linebreak import CLOSING
from zhanhe_counter.adapters.printing.pdf import FormRenderer
from zhanhe_counter.adapters.printing.templates import FieldError

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "forms" / "thermal_ticket.json"


@pytest.fixture(scope="module")
def renderer() -> FormRenderer:
    return FormRenderer()


@pytest.fixture
def values() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def run(*cmd: str | Path) -> str:
    return subprocess.run(
        [str(c) for c in cmd], check=True, capture_output=True, text=True, timeout=60
    ).stdout


def test_raster_is_576_dots_one_bit_and_both_codes_scan(
    renderer: FormRenderer, values: dict[str, Any], tmp_path: Path
) -> None:
    doc = renderer.render_raster("thermal_ticket", values)
    assert doc.mime == "image/png"
    image = Image.open(io.BytesIO(doc.content))
    assert image.width == ticket.WIDTH_DOTS
    assert image.mode == "1"
    path = tmp_path / "ticket.png"
    path.write_bytes(doc.content)
    decoded = run("zbarimg", "--raw", "-q", path).split()
    assert values["progress_url"] in decoded
    assert values["case_no"] in decoded


def test_ticket_lines_hold_the_values_and_never_start_with_closing_mark(
    renderer: FormRenderer, values: dict[str, Any]
) -> None:
    template = renderer.template("thermal_ticket")
    layout = ticket.layout_ticket(template, values, renderer.fonts)
    lines: dict[float, str] = {}
    for op in layout.ops:
        if isinstance(op, ticket.TextOp):
            lines[op.baseline] = lines.get(op.baseline, "") + op.text
    text_lines = [lines[y] for y in sorted(lines)]
    joined = "".join(text_lines)
    for key in ("case_no", "applicant_name"):
        assert values[key] in joined
    assert values["matter_name"] in joined  # wrapped over two lines, joined back
    assert "2026年11月25日" in joined
    assert len(text_lines) > 8
    for line in text_lines:
        assert line[0] not in CLOSING, line
    # The rare character is drawn with a font that has it.
    rare = [op for op in layout.ops if isinstance(op, ticket.TextOp) and "䶮" in op.text]
    assert rare
    assert all(op.face.has("䶮") for op in rare)


def test_ticket_pdf_is_80mm_wide_with_embedded_fonts(
    renderer: FormRenderer, values: dict[str, Any], tmp_path: Path
) -> None:
    doc = renderer.render_pdf("thermal_ticket", values)
    path = tmp_path / "ticket.pdf"
    path.write_bytes(doc.content)
    info = run("pdfinfo", path)
    width_pt = float(info.split("Page size:")[1].split()[0])
    assert abs(width_pt - 226.77) < 0.1
    for row in run("pdffonts", path).splitlines()[2:]:
        assert row.split()[-5:-2] == ["yes", "yes", "yes"], row
    text = run("pdftotext", path, "-")
    assert values["case_no"] in text
    assert "刘䶮" in text


def test_escpos_bytes_wrap_the_same_bitmap(renderer: FormRenderer, values: dict[str, Any]) -> None:
    from zhanhe_counter.adapters.printing.escpos_encode import encode_raster

    image = ticket.render_ticket_image(renderer.template("thermal_ticket"), values, renderer.fonts)
    data = encode_raster(image)
    assert data.startswith(b"\x1b@")
    assert b"\x1dv0\x00" in data
    assert len(data) > image.width * image.height // 8


def test_missing_field_is_named(renderer: FormRenderer, values: dict[str, Any]) -> None:
    del values["promised"]
    with pytest.raises(FieldError) as info:
        renderer.render_raster("thermal_ticket", values)
    assert "承诺办结" in info.value.user_message
