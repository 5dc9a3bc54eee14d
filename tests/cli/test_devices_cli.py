"""``zhanhe-admin devices``: SANE's test driver listed and scanned, the simulated camera."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from PIL import Image

from tests.sane import sane_test_backend
from zhanhe_counter.adapters.capture.video_devices import list_video_devices
from zhanhe_counter.cli.app import main

sane_test_backend = sane_test_backend  # noqa: PLW0127 - re-exported as a fixture


def test_the_scanners_are_listed(
    sane_test_backend: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["devices", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    scanners = [d["device"] for d in listed["devices"] if d["kind"] == "scanner"]
    assert scanners == ["test:0", "test:1"]
    assert main(["devices"]) == 0
    assert "扫描仪\tsane:test:0\tNoname frontend-tester" in capsys.readouterr().out


@pytest.mark.parametrize("device", ["sane:test:0", "simulated"])
def test_a_test_page_is_captured_and_written(
    device: str, sane_test_backend: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "page.jpg"
    assert main(["devices", "--test-page", device, "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    with Image.open(out) as image:
        assert image.size == (summary["width"], summary["height"])


def test_a_missing_scanner_fails_the_check_with_the_reason(
    sane_test_backend: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "page.jpg"
    assert main(["devices", "--test-page", "sane:test:7", "--out", str(out)]) == 1
    assert "未找到扫描仪" in capsys.readouterr().out
    assert not out.exists()


def test_an_unknown_device_is_a_user_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "--test-page", "camera0", "--out", "x.jpg"]) == 2
    assert "无法识别的设备" in capsys.readouterr().err


def test_video_capture_nodes_are_read_from_sysfs(tmp_path: Path) -> None:
    for name, index, label in (("video0", "0", "USB 高拍仪"), ("video1", "1", "USB 高拍仪")):
        node = tmp_path / name
        node.mkdir()
        (node / "name").write_text(label + "\n", encoding="utf-8")
        (node / "index").write_text(index + "\n", encoding="ascii")
    devices = list_video_devices(tmp_path)
    assert [(d.device_id, d.description) for d in devices] == [("/dev/video0", "USB 高拍仪")]
