"""The check code on the printed documents and the receipt's QR code (issue 22)."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest

from tests.services.followthrough_support import build_followthrough
from zhanhe_counter.adapters.printing.settings_file import (
    load_document_settings,
    shipped_settings_path,
)
from zhanhe_counter.composition import Station
from zhanhe_counter.domain.case_number import CaseNumberKind, make_case_number
from zhanhe_counter.domain.check_code import check_code, verify_check_code
from zhanhe_counter.domain.document_settings import DocumentSettings
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.services.progress_link import (
    PROGRESS_KEY_SETTING,
    ProgressLinks,
    ensure_local_check_key,
)

NUMBER = make_case_number("41041101", CaseNumberKind.RECEIPT, date(2026, 11, 26), 7)


def _key(station: Station) -> bytes:
    return bytes.fromhex(str(station.reference.get_setting(PROGRESS_KEY_SETTING)))


def _expected(station: Station, number: str) -> str:
    return f"https://zwfw.example.cn/q?no={number}&c={check_code(_key(station), number)}"


def test_receipt_values_and_qr_code_carry_the_case_check_code(tmp_path: Path) -> None:
    ft = build_followthrough(tmp_path)
    try:
        case = ft.open_case("ZH-005")
        number = case.case_number or ""
        receipt = ft.station.documents.build(DocumentKind.INTAKE_RECEIPT, case, at_window=True)
        assert receipt.values["progress_url"] == _expected(ft.station, number)
        assert ft.station.progress_url(number) == _expected(ft.station, number)
        # The printed PDF's QR code holds the same address.
        pdf = ft.station.renderer.render_pdf(receipt.kind, receipt.values)
        path = tmp_path / "receipt.pdf"
        path.write_bytes(pdf.content)
        subprocess.run(["pdftoppm", "-r", "300", "-png", path, tmp_path / "scan"], check=True)
        decoded = [
            code
            for png in sorted(tmp_path.glob("scan*.png"))
            for code in subprocess.run(
                ["zbarimg", "--raw", "-q", str(png)],
                check=False,
                capture_output=True,
                text=True,
                timeout=60,
            ).stdout.split()
        ]
        assert _expected(ft.station, number) in decoded
        assert not any("{check_code}" in code for code in decoded)
    finally:
        ft.station.close()


def test_demo_key_is_made_once_and_kept_across_restarts(tmp_path: Path) -> None:
    first = build_followthrough(tmp_path)
    key = _key(first.station)
    url = first.station.progress_url(NUMBER)
    first.station.close()
    again = build_followthrough(tmp_path)
    try:
        assert _key(again.station) == key
        assert again.station.progress_url(NUMBER) == url
        assert verify_check_code(key, NUMBER, url.rsplit("c=", 1)[1])
    finally:
        again.station.close()


def _demo_settings() -> DocumentSettings:
    return load_document_settings(shipped_settings_path(demo=True))


def test_no_key_prints_no_link_rather_than_a_placeholder() -> None:
    links = ProgressLinks(_demo_settings())
    assert links.check_key() is None
    assert links.url("QZX", NUMBER) is None


def test_a_short_or_broken_stored_key_counts_as_none(tmp_path: Path) -> None:
    ft = build_followthrough(tmp_path)
    try:
        for bad in ("zz", "00" * 8):
            ft.station.reference.set_setting(PROGRESS_KEY_SETTING, bad)
            assert ft.station.documents.progress_links.check_key() is None
            assert ft.station.progress_url(NUMBER) == ""
        # A malformed number gets no link (the document still prints, without a QR code).
        ft.station.reference.set_setting(PROGRESS_KEY_SETTING, "ab" * 32)
        assert ft.station.progress_url("41041101S2026") == ""
        # Once a key exists, ensure_local_check_key leaves it alone.
        ft.station.reference.set_setting(PROGRESS_KEY_SETTING, "ab" * 32)
        ensure_local_check_key(ft.station.reference)
        assert ft.station.reference.get_setting(PROGRESS_KEY_SETTING) == "ab" * 32
    finally:
        ft.station.close()


@pytest.mark.parametrize("template", ["https://x.cn/q?no={case_no}", ""])
def test_templates_without_check_code_need_no_key(template: str) -> None:
    settings = DocumentSettings({"hall.ZH.progress_url": template})
    links = ProgressLinks(settings)
    assert links.url("ZH", NUMBER) == (f"https://x.cn/q?no={NUMBER}" if template else None)
