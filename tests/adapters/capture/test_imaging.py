"""Preparing pages: a camera photo is deskewed and cropped; size limits; file import; the camera."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from zhanhe_counter.adapters.capture import imaging
from zhanhe_counter.adapters.capture.file_import import FileImport
from zhanhe_counter.adapters.capture.simulated_camera import SimulatedCamera, page_photo
from zhanhe_counter.services.ports.capture import CAMERA_ABSENT_ZH, CAMERA_BUSY_ZH, CaptureFailed


@pytest.mark.parametrize("skew", [-6.0, -2.5, 0.0, 3.0, 7.5])
def test_the_skew_of_a_page_photo_is_found(skew: float) -> None:
    photo = imaging.open_page(page_photo(skew))
    # Turning it back by the found angle straightens it: the found angle is minus the skew.
    assert imaging.skew_angle(photo) == pytest.approx(-skew, abs=0.6)


def test_a_camera_photo_is_straightened_and_cropped_to_the_page() -> None:
    raw = page_photo(5.0, width=1200)
    page = imaging.prepare(raw, straighten=True)
    kept = Image.open(io.BytesIO(page.image))
    assert (kept.format, page.media_type) == ("JPEG", "image/jpeg")
    # The sheet is 720 x 1018 on a 1200 x 1320 desk: the crop keeps about the sheet.
    assert 700 <= kept.width <= 790
    assert 1000 <= kept.height <= 1090
    assert kept.getpixel((kept.width // 2, 3)) > 150  # the top edge is paper, not desk
    assert page.size == len(page.image)
    assert len(page.sha256) == 64


def test_a_scan_is_kept_as_it_is_only_encoded() -> None:
    out = io.BytesIO()
    Image.new("RGB", (400, 500), (250, 10, 10)).save(out, "PNG")
    page = imaging.prepare(out.getvalue(), straighten=False)
    kept = Image.open(io.BytesIO(page.image))
    assert kept.size == (400, 500)
    assert kept.mode == "RGB"
    assert kept.getpixel((200, 250))[0] > 200


def test_a_page_over_the_pixel_limit_is_refused_with_the_limit_named() -> None:
    out = io.BytesIO()
    Image.new("L", (8000, 8000), 255).save(out, "PNG")
    with pytest.raises(CaptureFailed) as failed:
        imaging.prepare(out.getvalue(), straighten=False)
    assert "页面超出大小限制" in failed.value.user_message


def test_an_unreadable_image_is_named() -> None:
    with pytest.raises(CaptureFailed) as failed:
        imaging.prepare(b"not an image", straighten=False)
    assert failed.value.user_message == "无法识别页面图像"


def test_a_file_import_reads_a_multipage_tiff_as_its_pages(tmp_path: Path) -> None:
    sheets = [Image.new("L", (200, 300), shade) for shade in (10, 120, 240)]
    tiff = tmp_path / "材料.tiff"
    sheets[0].save(tiff, save_all=True, append_images=sheets[1:])
    jpeg = tmp_path / "photo.jpg"
    Image.new("RGB", (100, 100)).save(jpeg)
    pages = FileImport([tiff, jpeg]).capture()
    assert len(pages) == 4
    assert [Image.open(io.BytesIO(p)).getpixel((5, 5)) for p in pages[:3]] == [10, 120, 240]


def test_a_file_import_names_a_missing_or_oversized_file(tmp_path: Path) -> None:
    with pytest.raises(CaptureFailed) as failed:
        FileImport([tmp_path / "gone.png"]).capture()
    assert failed.value.user_message == "无法读取文件：gone.png"
    big = tmp_path / "big.png"
    with big.open("wb") as handle:
        handle.truncate(imaging.MAX_RAW_BYTES + 1)
    with pytest.raises(CaptureFailed) as failed:
        FileImport([big]).capture()
    assert "页面超出大小限制" in failed.value.user_message


def test_the_simulated_camera_fails_as_the_real_one_would() -> None:
    camera = SimulatedCamera()
    assert len(camera.capture()) == 1
    camera.unplugged = True
    with pytest.raises(CaptureFailed) as failed:
        camera.capture()
    assert failed.value.user_message == CAMERA_ABSENT_ZH
    camera.unplugged, camera.busy = False, True
    with pytest.raises(CaptureFailed) as failed:
        camera.capture()
    assert failed.value.user_message == CAMERA_BUSY_ZH
