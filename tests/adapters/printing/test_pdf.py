"""Render proofs for every A4 form: fonts embedded, text extractable, line starts, codes decode."""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from zhanhe_counter.adapters.fonts import (
    FontCandidate,
    FontError,
    FontSet,
    MissingGlyph,
    register,
    resolve_fonts,
)
from zhanhe_counter.adapters.printing.pdf import FormRenderer
from zhanhe_counter.adapters.printing.templates import Template, load_all
from zhanhe_counter.services.ports.printing import RenderedDocument

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "forms"
A4_FORMS = sorted(t.id for t in load_all().values() if t.paper == "A4")
#: The forms of a case carry its QR link and barcode; the 办事指南 belongs to no case.
CODED_FORMS = sorted(
    t.id
    for t in load_all().values()
    if t.paper == "A4" and any(b.kind == "codes" for b in t.blocks)
)
LINE_START_FORBIDDEN = "，。；：！？、）》”"
UMING = FontCandidate(Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0)
MICROHEI = FontCandidate(Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0)


def fixture(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{kind}.json").read_text(encoding="utf-8"))
    return data


@cache
def renderer() -> FormRenderer:
    # No skip: without an embeddable CJK font this raises FontError and the tests fail.
    return FormRenderer()


@cache
def rendered(kind: str, tmp: Path) -> tuple[RenderedDocument, Path]:
    doc = renderer().render_pdf(kind, fixture(kind))
    path = tmp / f"{kind}.pdf"
    path.write_bytes(doc.content)
    return doc, path


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pdf")


def run(*cmd: str | Path) -> str:
    return subprocess.run(
        [str(c) for c in cmd], check=True, capture_output=True, text=True, timeout=60
    ).stdout


def shown_values(template: Template, values: dict[str, Any]) -> list[str]:
    """Every value as it must appear on paper (dates in Chinese form, numbers masked)."""
    out: list[str] = []
    for shown in template.check(values).shown.values():
        for item in shown if isinstance(shown, list) else [shown]:
            out.extend(item if isinstance(item, list) else [item])
    return [v for v in out if v]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("kind", A4_FORMS)
def test_form_renders_with_every_font_embedded(kind: str, out_dir: Path) -> None:
    doc, path = rendered(kind, out_dir)
    assert doc.content.startswith(b"%PDF")
    assert doc.page_count == int(re.findall(r"Pages:\s+(\d+)", run("pdfinfo", path))[0])
    rows = run("pdffonts", path).splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        cols = row.split()
        assert cols[-5:-2] == ["yes", "yes", "yes"], row  # emb sub uni
        assert "TrueType" in row
    assert "STSong" not in "\n".join(rows)
    assert "Helvetica" not in "\n".join(rows)


@pytest.mark.parametrize("kind", A4_FORMS)
def test_form_text_holds_every_field_value_and_no_line_starts_with_closing_mark(
    kind: str, out_dir: Path
) -> None:
    _doc, path = rendered(kind, out_dir)
    template = renderer().template(kind)
    raw = run("pdftotext", path, "-")
    layout = run("pdftotext", "-layout", path, "-")
    text = squeeze(raw)
    for value in shown_values(template, fixture(kind)):
        assert squeeze(value) in text, value
    for mode, content in (("raw", raw), ("layout", layout)):
        for line in content.splitlines():
            stripped = line.strip()
            assert not stripped or stripped[0] not in LINE_START_FORBIDDEN, (mode, line)


@pytest.mark.parametrize("kind", CODED_FORMS)
def test_form_qr_and_code128_decode_at_300_dpi(kind: str, out_dir: Path) -> None:
    _doc, path = rendered(kind, out_dir)
    values = fixture(kind)
    prefix = out_dir / f"{kind}-scan"
    # The codes may follow the seal block onto page 2: scan every page.
    run("pdftoppm", "-r", "300", "-png", path, prefix)
    decoded = [
        code
        for png in sorted(out_dir.glob(f"{kind}-scan*.png"))
        for code in subprocess.run(
            ["zbarimg", "--raw", "-q", str(png)],
            check=False,  # a page without codes exits 4
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.split()
    ]
    assert values["progress_url"] in decoded
    assert values["case_no"] in decoded


def test_rare_name_character_comes_out_as_text(out_dir: Path) -> None:
    _doc, path = rendered("acceptance_notice", out_dir)
    assert "刘䶮" in run("pdftotext", path, "-")


def test_rare_character_falls_back_per_character_to_another_embedded_font(out_dir: Path) -> None:
    hei, ming = register(MICROHEI), register(UMING)
    assert not isinstance(hei, str)
    assert not isinstance(ming, str)
    assert not hei.has("䶮")
    assert ming.has("䶮")
    fonts = FontSet(body=hei, heading=hei, fallbacks=(ming,))
    doc = FormRenderer(renderer().templates, fonts).render_pdf(
        "acceptance_notice", fixture("acceptance_notice")
    )
    path = out_dir / "fallback.pdf"
    path.write_bytes(doc.content)
    assert "刘䶮" in run("pdftotext", path, "-")
    fonts_listed = run("pdffonts", path)
    assert "WenQuanYiMicroHei" in fonts_listed
    assert "UMing" in fonts_listed


def test_character_no_font_has_prints_as_its_boxed_code_point(out_dir: Path) -> None:
    hei = register(MICROHEI)
    assert not isinstance(hei, str)
    renderer_hei = FormRenderer(renderer().templates, FontSet(hei, hei, ()))
    doc = renderer_hei.render_pdf("acceptance_notice", fixture("acceptance_notice"))
    path = out_dir / "boxed.pdf"
    path.write_bytes(doc.content)
    # The applicant still gets the paper; the clerk writes the character into the box.
    assert "刘【U+4DAE】" in squeeze(run("pdftotext", path, "-"))


def test_extension_b_name_prints_with_the_hanazono_fallback(out_dir: Path) -> None:
    values = fixture("acceptance_notice") | {"applicant_name": "𠮷野家"}
    doc = renderer().render_pdf("acceptance_notice", values)
    path = out_dir / "ext-b.pdf"
    path.write_bytes(doc.content)
    assert "𠮷野家" in squeeze(run("pdftotext", path, "-"))
    assert "HanaMin" in run("pdffonts", path)


def test_glyph_check_still_names_the_field() -> None:
    hei = register(MICROHEI)
    assert not isinstance(hei, str)
    with pytest.raises(MissingGlyph) as info:
        FontSet(hei, hei, ()).check("刘䶮", "申请人")
    assert info.value.char == "䶮"
    assert "申请人" in info.value.user_message


def test_user_text_is_printed_as_typed_not_as_markup(out_dir: Path) -> None:
    _doc, path = rendered("intake_receipt", out_dir)
    assert "A&B<商贸>有限公司" in squeeze(run("pdftotext", path, "-"))


def test_long_document_gets_page_numbers(out_dir: Path) -> None:
    values = fixture("intake_receipt")
    values["materials"] = values["materials"] * 8
    doc = renderer().render_pdf("intake_receipt", values)
    path = out_dir / "long.pdf"
    path.write_bytes(doc.content)
    assert doc.page_count >= 2
    text = run("pdftotext", path, "-")
    assert f"第 1 页  共 {doc.page_count} 页".replace(" ", "") in squeeze(text)
    # The materials header repeats on each page of the table.
    assert squeeze(text).count("原件/复印件") >= 2


def test_same_input_gives_same_bytes_and_hash() -> None:
    first = renderer().render_pdf("refusal_notice", fixture("refusal_notice"))
    second = renderer().render_pdf("refusal_notice", fixture("refusal_notice"))
    assert first.content == second.content
    assert first.sha256 == second.sha256
    assert (first.template_id, first.template_version, first.mime) == (
        "refusal_notice",
        2,
        "application/pdf",
    )


def test_resolver_skips_cff_and_missing_fonts_and_says_why(tmp_path: Path) -> None:
    cff = next(Path("/usr/share/fonts/opentype").rglob("*.ttc"), None) or next(
        Path("/usr/share/fonts/opentype").rglob("*.otf")
    )
    lists = {"body": [FontCandidate(tmp_path / "none.ttf"), FontCandidate(cff)], "heading": []}
    with pytest.raises(FontError) as info:
        resolve_fonts(candidates=lists)
    message = info.value.user_message
    assert "none.ttf#0：文件不存在" in message
    assert "不能嵌入" in message


def test_configured_font_goes_first() -> None:
    fonts = resolve_fonts([f"{MICROHEI.path}#0"])
    assert fonts.body.path == MICROHEI.path
    assert any(face.has("䶮") for face in fonts.fallbacks)


def test_short_documents_fit_one_page_and_the_seal_stays_with_its_text(out_dir: Path) -> None:
    for kind in ("service_record", "one_time_notice", "refusal_decision", "refusal_notice"):
        assert renderer().render_pdf(kind, fixture(kind)).page_count == 1, kind
    doc, path = rendered("acceptance_notice", out_dir)
    last = run("pdftotext", "-f", str(doc.page_count), "-l", str(doc.page_count), path, "-")
    # The seal never stands alone: the signature lines it certifies are on its page.
    assert "行政许可专用章" in squeeze(last)
    assert "申请人或代理人（签字）" in squeeze(last)
