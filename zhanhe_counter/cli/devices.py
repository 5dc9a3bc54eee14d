"""``zhanhe-admin devices``: the scanners and document cameras this PC sees; a test page.

``devices`` lists SANE scanners (``scanimage -L``) and USB video cameras (Linux sysfs);
``devices --test-page DEVICE --out FILE`` captures one page and writes it as the counter keeps
it (deskewed and cropped for a camera, JPEG), with its size and SHA-256. ``DEVICE`` is a SANE
device (``sane:test:0``) or ``simulated`` (the demo's camera). The document camera itself is
captured from in the counter program (Qt Multimedia); see docs/materials.md.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from zhanhe_counter.adapters.capture.imaging import prepare
from zhanhe_counter.adapters.capture.sane_scanner import SaneScanner, list_scanners
from zhanhe_counter.adapters.capture.simulated_camera import SimulatedCamera
from zhanhe_counter.adapters.capture.video_devices import list_video_devices
from zhanhe_counter.cli.common import EXIT_FAILED_CHECK, EXIT_OK, UserError
from zhanhe_counter.services.ports.capture import CaptureFailed, DeviceInfo, PageSource

_KINDS = {"scanner": "扫描仪", "camera": "高拍仪"}


def register(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser(
        "devices",
        help="列出扫描仪和高拍仪；采集测试页",
        description="列出本机可用的扫描仪（SANE）和高拍仪（USB 摄像头），或采集一张测试页。",
    )
    parser.add_argument("--json", action="store_true", help="以 JSON 输出")
    parser.add_argument(
        "--test-page",
        metavar="DEVICE",
        help="采集测试页：sane:<设备>（如 sane:test:0）或 simulated",
    )
    parser.add_argument("--out", help="测试页保存位置（JPEG）")
    parser.set_defaults(handler=run_devices)


def _source(device: str) -> PageSource:
    if device.startswith("sane:"):
        return SaneScanner(device.removeprefix("sane:"))
    if device == "simulated":
        return SimulatedCamera()
    raise UserError(f"无法识别的设备“{device}”：请写 sane:<设备名>（见 devices 列表）或 simulated")


def run_devices(args: argparse.Namespace) -> int:
    if args.test_page:
        return _test_page(args)
    problems: list[str] = []
    devices: list[DeviceInfo] = []
    try:
        devices += list_scanners()
    except CaptureFailed as error:
        problems.append(error.user_message)
    devices += list_video_devices()
    if args.json:
        print(
            json.dumps(
                {
                    "devices": [
                        {"kind": d.kind, "device": d.device_id, "description": d.description}
                        for d in devices
                    ],
                    "problems": problems,
                },
                ensure_ascii=False,
            )
        )
    else:
        for d in devices:
            prefix = "sane:" if d.kind == "scanner" else ""
            print(f"{_KINDS[d.kind]}\t{prefix}{d.device_id}\t{d.description}")
        if not devices:
            print("未找到扫描仪或高拍仪。")
        for problem in problems:
            print(problem)
    return EXIT_OK


def _test_page(args: argparse.Namespace) -> int:
    if not args.out:
        raise UserError("采集测试页需要 --out 指定保存位置")
    source = _source(args.test_page)
    try:
        raws = source.capture()
        page = prepare(raws[0], straighten=source.kind == "camera")
    except (CaptureFailed, IndexError) as error:
        message = getattr(error, "user_message", "没有采集到页面，请重试")
        print(f"采集失败：{message}")
        return EXIT_FAILED_CHECK
    out = Path(args.out)
    try:
        out.write_bytes(page.image)
    except OSError as error:
        raise UserError(f"无法写入 {out}：{error.strerror}") from error
    summary = {
        "device": args.test_page,
        "pages": len(raws),
        "width": page.width,
        "height": page.height,
        "size": page.size,
        "sha256": page.sha256,
        "out": str(out),
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(f"测试页已保存：{out}（{page.width}×{page.height}，{page.size} 字节）")
        print(f"SHA-256：{page.sha256}")
    return EXIT_OK
