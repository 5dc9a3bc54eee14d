"""ESC/POS encoding, checked by an independent parser (npm npos), not by this project's code."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tests.adapters.printing.printers.lab import npos_decode, raster_rows, ticket_image
from zhanhe_counter.adapters.printing import escpos_encode
from zhanhe_counter.adapters.printing.escpos_encode import (
    CutMode,
    ImageTooWide,
    TextModeUnsupported,
    encode_raster,
    encode_text_gbk,
)
from zhanhe_counter.adapters.printing.reprint_stamp import cjk_font


def test_raster_decodes_pixel_identical(tmp_path: Path) -> None:
    # 600 rows: more than two 256-row bands, so band joins are checked too.
    image = ticket_image(5, width=576, height=600)
    decoded = npos_decode(encode_raster(image), tmp_path)
    assert decoded["commands"][0] == "ESC@"
    assert decoded["commands"][-2:] == ["ESCd", "GSV"]
    rows = [row for raster in decoded["rasters"] for row in raster["rows"]]
    assert rows == raster_rows(image)


def test_odd_width_is_padded_with_paper(tmp_path: Path) -> None:
    image = Image.new("L", (101, 9), 0)  # all ink, width not a multiple of 8
    decoded = npos_decode(encode_raster(image), tmp_path)
    raster = decoded["rasters"][0]
    assert raster["width"] == 104
    assert all(row == "1" * 101 + "000" for row in raster["rows"])


def test_chinese_ticket_rendered_with_rare_characters_round_trips(tmp_path: Path) -> None:
    image = Image.new("L", (576, 120), 255)
    draw = ImageDraw.Draw(image)
    draw.text((10, 10), "申请人：刘䶮 受理编号 2026-0001", font=cjk_font(32), fill=0)
    decoded = npos_decode(encode_raster(image), tmp_path)
    rows = [row for raster in decoded["rasters"] for row in raster["rows"]]
    assert rows == raster_rows(escpos_encode.to_bitmap(image))
    assert any("1" in row for row in rows)  # the text really is ink


def test_transparent_pixels_are_paper(tmp_path: Path) -> None:
    image = Image.new("RGBA", (16, 2), (0, 0, 0, 0))
    image.putpixel((3, 1), (0, 0, 0, 255))
    rows = npos_decode(encode_raster(image), tmp_path)["rasters"][0]["rows"]
    assert rows == ["0" * 16, "0" * 3 + "1" + "0" * 12]


def test_gbk_text_decodes_to_the_same_lines(tmp_path: Path) -> None:
    lines = ["湛河区政务服务中心", "受理编号：2026-330100-0123456", "：，。", "金额：￥12.00"]
    decoded = npos_decode(encode_text_gbk(lines), tmp_path)
    assert decoded["texts"] == ["\n".join(lines) + "\n"]
    assert decoded["commands"][:2] == ["ESC@", "FS&"]
    assert "FS." in decoded["commands"]
    assert decoded["commands"][-1] == "GSV"


@pytest.mark.parametrize("text", ["申请人：刘䶮", "金额：¥12.00", "Größe"])
def test_text_mode_refuses_characters_outside_gbk(text: str) -> None:
    with pytest.raises(TextModeUnsupported) as caught:
        encode_text_gbk(["正常一行", text])
    assert caught.value.character in text
    assert "图像模式" in caught.value.user_message


def test_cut_modes() -> None:
    image = Image.new("1", (8, 1), 1)
    assert encode_raster(image, cut=CutMode.FULL).endswith(b"\x1dV\x00")
    assert encode_raster(image, cut=CutMode.PARTIAL).endswith(b"\x1dV\x01")
    assert encode_raster(image, cut=CutMode.NONE, feed_lines=3).endswith(b"\x1bd\x03")


def test_too_wide_for_58mm_is_refused() -> None:
    with pytest.raises(ImageTooWide) as caught:
        encode_raster(Image.new("1", (576, 10), 1), max_width=384)
    assert "384" in caught.value.user_message
