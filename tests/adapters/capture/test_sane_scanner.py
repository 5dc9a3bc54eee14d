"""Scanning through the real SANE library and its ``test`` driver (device ``test:0``)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from zhanhe_counter.adapters.capture.sane_scanner import (
    SCANNER_ABSENT_ZH,
    SaneScanner,
    list_scanners,
)
from zhanhe_counter.services.ports.capture import CaptureFailed

pytestmark = pytest.mark.usefixtures("sane_test_backend")


def test_the_test_driver_is_listed() -> None:
    devices = list_scanners()
    assert [d.device_id for d in devices] == ["test:0", "test:1"]
    assert all(d.kind == "scanner" and "frontend-tester" in d.description for d in devices)


def test_a_flatbed_scan_gives_one_page_of_the_requested_size() -> None:
    pages = SaneScanner("test:0", resolution=100, mode="Color").capture()
    assert len(pages) == 1
    image = Image.open(io.BytesIO(pages[0]))
    # The driver's default area is 80 x 100 mm: at 100 dpi 314 x 393 pixels (width rounded down).
    assert (image.format, image.mode) == ("PNG", "RGB")
    assert image.size == (314, 393)


def test_the_feeder_scans_every_page_until_it_is_empty() -> None:
    # The test driver's feeder holds 10 sheets.
    pages = SaneScanner("test:0", resolution=50, mode="Gray", adf=True).capture()
    assert len(pages) == 10
    assert len({Image.open(io.BytesIO(p)).size for p in pages}) == 1


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("SANE_STATUS_JAMMED", "扫描仪卡纸，请取出卡住的纸张后重新扫描"),
        ("SANE_STATUS_DEVICE_BUSY", "扫描仪正忙，请稍后再试"),
        ("SANE_STATUS_NO_DOCS", "扫描仪进纸器中没有纸张，请放入材料后重试"),
        ("SANE_STATUS_IO_ERROR", "扫描仪通信出错，请检查连接线后重试"),
    ],
)
def test_a_driver_failure_is_named_in_chinese(status: str, message: str) -> None:
    scanner = SaneScanner("test:0", resolution=50, options=(f"--read-return-value={status}",))
    with pytest.raises(CaptureFailed) as failed:
        scanner.capture()
    assert failed.value.user_message == message


def test_a_scanner_that_is_not_there() -> None:
    with pytest.raises(CaptureFailed) as failed:
        SaneScanner("test:7").capture()
    assert failed.value.user_message == SCANNER_ABSENT_ZH
