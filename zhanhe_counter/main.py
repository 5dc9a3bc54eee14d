"""``zhanhe-counter``: the GUI entry point and composition root.

The only module that knows both sides: it picks real or simulated adapters, builds the services
and hands them to the UI.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger("zhanhe_counter")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="zhanhe-counter", description="湛河区综合窗口客户端")
    parser.add_argument("--demo", action="store_true", help="演示模式：模拟读卡器和打印机")
    parser.add_argument("--data-dir", help="数据目录（也可用环境变量 ZHANHE_DATA_DIR）")
    parser.add_argument("--smoke", action="store_true", help="启动后立即退出（安装自检）")
    parser.add_argument("--screenshot", metavar="PNG", help="启动后截图保存并退出")
    return parser.parse_args(list(argv))


def run(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    data_dir = _data_dir(args)
    log.info("data folder: %s (demo=%s)", data_dir, args.demo)

    from zhanhe_counter.ui.app import create_application
    from zhanhe_counter.ui.main_window import MainWindow, StationInfo

    app = create_application([sys.argv[0]])
    station = StationInfo(
        hall="湛河区政务服务中心", window="3号综合窗口（无差别）", clerk="演示账号", demo=args.demo
    )
    window = MainWindow(station)
    window.show()
    if args.screenshot:
        app.processEvents()
        window.grab().save(args.screenshot)
        return 0
    if args.smoke:
        app.processEvents()
        return 0
    return app.exec()


def _data_dir(args: argparse.Namespace) -> Path:
    if args.data_dir:
        return Path(args.data_dir)
    if args.demo:
        return Path(tempfile.mkdtemp(prefix="zhanhe-demo-"))
    env = os.environ.get("ZHANHE_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("zhanhe-counter", "zhanhe"))
